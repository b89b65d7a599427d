import {
  createExecutionContext,
  createScheduledController,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { beforeAll, describe, expect, it } from "vitest";
import {
  markDaysStatement,
  refreshDays,
  refreshDirty,
} from "#workers/api/src/features/analytics/index";
import apiWorker, { CRONS } from "#workers/api/src/index";
import {
  ADMIN_HEADERS,
  adminPut,
  api,
  clickThrough,
  eventually,
  postbackBody,
  seedCatalog,
  sendPostback,
  uniqueUser,
} from "./helpers";
import { redeemTo, sandbox, userWithDestination, waitForPayout } from "./payout-helpers";

/**
 * Analytics through the real workers (docs/analytics.md): a generated population of clicks
 * (through the redirect), conversions, confirmations and cancellations (through signed
 * postbacks) and a paid payout (through the redemption path and the sandbox processor); the
 * funnel, margin and distributions the admin API reads from the rollups equal an oracle
 * computed from the generated data alone, and recomputing the rollups changes nothing. The
 * projection batches only mark days dirty; the rollups are read after the ten-minute cron ran
 * through the api worker's scheduled handler.
 */

/** The ten-minute cron, through the scheduled handler (it refreshes the dirty days). */
async function runTenMinuteCron() {
  const ctx = createExecutionContext();
  await apiWorker.scheduled(
    createScheduledController({ cron: CRONS.confirmationBackstop, scheduledTime: Date.now() }),
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
}

/** Reads `path` after the cron has run, until `done` holds (the queues deliver meanwhile). */
async function afterCron<T>(path: string, done: (value: T) => boolean): Promise<T> {
  let last: T | undefined;
  try {
    return await eventually(async () => {
      await runTenMinuteCron();
      last = await get<T>(path);
      return done(last) ? last : null;
    }, 45_000);
  } catch (error) {
    if (last !== undefined) return last;
    throw error;
  }
}

/** mulberry32: a small seeded PRNG, so the population is the same on every run. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OFFERS = [
  { networkId: "an-net-a", merchantId: "an-shop-a", offerId: "an-offer-a1" },
  { networkId: "an-net-a", merchantId: "an-shop-a", offerId: "an-offer-a2" },
  { networkId: "an-net-b", merchantId: "an-shop-b", offerId: "an-offer-b1" },
];
/**
 * Campaigns on the population's offers (a boost of 2% with a zero budget: the clicks carry the
 * campaign, nothing is granted, so the money figures stay the base cashback). Boosts stack:
 * a click on an-offer-a1 carries both of its campaigns.
 */
const CAMPAIGNS = [
  { id: "an-camp-b", target: { offerId: "an-offer-b1" }, offers: ["an-offer-b1"] },
  {
    id: "an-camp-shop-a",
    target: { merchantId: "an-shop-a" },
    offers: ["an-offer-a1", "an-offer-a2"],
  },
  { id: "an-camp-a1", target: { offerId: "an-offer-a1" }, offers: ["an-offer-a1"] },
];
const SALE = 100_000;
const COMMISSION = 8_000;
/** seedCatalog's default rate: 5% of the sale. */
const CASHBACK = 5_000;

type Counts = { clicks: number; conversions: number; confirmed: number; paid: number };
const zero = (): Counts => ({ clicks: 0, conversions: 0, confirmed: 0, paid: 0 });

interface Funnel {
  from: string;
  to: string;
  previous: { from: string; to: string };
  totals: Counts;
  previousTotals: Counts;
  perDay: Array<Counts & { day: string }>;
  byOffer: Array<Counts & { offerId: string; merchantId: string; networkId: string }>;
}

const today = () => new Date().toISOString().slice(0, 10);
const get = async <T>(path: string): Promise<T> => {
  const r = await api(path, { headers: ADMIN_HEADERS });
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
};

const oracle = new Map<string, Counts>();
const convertingUsers = new Set<string>();
let paidUser = "";

beforeAll(async () => {
  await sandbox().reset();
  for (const o of OFFERS) await seedCatalog(o);
  await seedCatalog(); // test-shop-offer, which the payout helpers' conversions name
  for (const o of OFFERS) oracle.set(o.offerId, zero());
  oracle.set("test-shop-offer", zero());
  for (const c of CAMPAIGNS) {
    const r = await adminPut(`/admin/v1/campaigns/${c.id}`, {
      name: `Campaign ${c.id}`,
      ...c.target,
      boostRateBps: 200,
      currency: "INR",
      budgetMinor: 0,
    });
    if (r.status !== 200) throw new Error(`campaign ${c.id}: ${r.status} ${await r.text()}`);
  }

  const random = prng(15);
  let order = 0;
  for (let u = 0; u < 6; u++) {
    const userId = uniqueUser("an");
    for (const o of OFFERS) {
      if (random() < 0.35) continue;
      const counts = oracle.get(o.offerId) as Counts;
      const { subId } = await clickThrough(userId, o.offerId);
      counts.clicks++;
      if (random() < 0.35) continue;
      const orderId = `AN-${++order}`;
      const body = {
        order_id: orderId,
        sub_id: subId,
        sale_amount_minor: SALE,
        commission_minor: COMMISSION,
      };
      const sent = await sendPostback(o.networkId, postbackBody(body));
      if (sent.status !== 202 && sent.status !== 200) throw new Error(`postback ${sent.status}`);
      counts.conversions++;
      convertingUsers.add(userId);
      const fate = random();
      if (fate < 0.5) {
        await sendPostback(o.networkId, postbackBody({ ...body, status: "approved" }));
        counts.confirmed++;
      } else if (fate < 0.7) {
        await sendPostback(o.networkId, postbackBody({ ...body, status: "cancelled" }));
      }
    }
  }

  // One user's confirmed cashback paid out in full through the payout path: paid.
  const { user, destinationId } = await userWithDestination("an-paid", 10_000);
  paidUser = user;
  const payoutId = await redeemTo(user, destinationId, 10_000);
  await waitForPayout(user, payoutId, "paid");
  const shop = oracle.get("test-shop-offer") as Counts;
  shop.conversions++;
  shop.confirmed++;
  shop.paid++;
  convertingUsers.add(user);
}, 120_000);

async function markDay(day: string) {
  const statement = markDaysStatement(env.DB, [day], Date.now());
  if (statement) await drizzle(env.DB).batch([statement]);
}

const marker = (day: string) =>
  env.DB.prepare("SELECT marks FROM analytics_dirty WHERE kind = 'day' AND key = ?1")
    .bind(day)
    .first<{ marks: number }>();

function actualByOffer(funnel: Funnel): Map<string, Counts> {
  const out = new Map<string, Counts>();
  for (const r of funnel.byOffer) {
    if (!oracle.has(r.offerId)) continue;
    out.set(r.offerId, {
      clicks: r.clicks,
      conversions: r.conversions,
      confirmed: r.confirmed,
      paid: r.paid,
    });
  }
  for (const id of oracle.keys()) if (!out.has(id)) out.set(id, zero());
  return out;
}

const sum = (rows: Iterable<Counts>): Counts => {
  const t = zero();
  for (const r of rows) {
    t.clicks += r.clicks;
    t.conversions += r.conversions;
    t.confirmed += r.confirmed;
    t.paid += r.paid;
  }
  return t;
};

describe("analytics over a generated population", () => {
  it("the funnel per offer equals the oracle, and recomputing changes nothing", async () => {
    // The population is not trivial: every step has something in it.
    const expectedTotals = sum(oracle.values());
    expect(expectedTotals.clicks).toBeGreaterThan(3);
    expect(expectedTotals.conversions).toBeGreaterThan(expectedTotals.confirmed);
    expect(expectedTotals.confirmed).toBeGreaterThan(expectedTotals.paid);
    expect(expectedTotals.paid).toBeGreaterThan(0);

    const day = today();
    const funnel = await afterCron<Funnel>(
      `/admin/v1/analytics/funnel?from=${day}&to=${day}`,
      (f) => JSON.stringify([...actualByOffer(f)].sort()) === JSON.stringify([...oracle].sort()),
    );
    expect(Object.fromEntries(actualByOffer(funnel))).toEqual(Object.fromEntries(oracle));
    // Once the queues are quiet and the cron has run, no marker is left.
    await runTenMinuteCron();
    const left = await env.DB.prepare("SELECT COUNT(*) AS n FROM analytics_dirty").first<{
      n: number;
    }>();
    expect(left?.n).toBe(0);

    // At-least-once: the same days recomputed again (a redelivered batch, the cron) give the
    // same rows.
    await refreshDays(env.DB, [day], Date.now());
    await refreshDays(env.DB, [day], Date.now());
    const again = await get<Funnel>(`/admin/v1/analytics/funnel?from=${day}&to=${day}`);
    expect(Object.fromEntries(actualByOffer(again))).toEqual(Object.fromEntries(oracle));
    expect(again.perDay).toHaveLength(1);
    expect(again.previousTotals).toEqual(zero());
  });

  it("filters by network and offer, and compares with an empty previous period", async () => {
    const day = today();
    const b = await get<Funnel>(
      `/admin/v1/analytics/funnel?from=${day}&to=${day}&networkId=an-net-b`,
    );
    expect(b.totals).toEqual(oracle.get("an-offer-b1"));
    expect(b.byOffer.map((r) => r.offerId)).toEqual(["an-offer-b1"]);
    expect(b.previousTotals).toEqual(zero());
    const a2 = await get<Funnel>(
      `/admin/v1/analytics/funnel?from=${day}&to=${day}&offerId=an-offer-a2`,
    );
    expect(a2.totals).toEqual(oracle.get("an-offer-a2"));
    const shopA = await get<Funnel>(
      `/admin/v1/analytics/funnel?from=${day}&to=${day}&merchantId=an-shop-a`,
    );
    expect(shopA.totals).toEqual(
      sum([oracle.get("an-offer-a1"), oracle.get("an-offer-a2")] as Counts[]),
    );
    // The previous period of a day is the day before.
    const yesterday = new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000)
      .toISOString()
      .slice(0, 10);
    expect(b.previous).toEqual({ from: yesterday, to: yesterday });
  });

  it("the funnel per campaign equals the oracle over the offers each campaign boosted", async () => {
    const day = today();
    const campaignOracle = (id: string) =>
      sum((CAMPAIGNS.find((c) => c.id === id)?.offers ?? []).map((o) => oracle.get(o) as Counts));
    // Not trivial: the campaigns have clicks and conversions to count.
    expect(campaignOracle("an-camp-shop-a").clicks).toBeGreaterThan(0);
    expect(CAMPAIGNS.reduce((n, c) => n + campaignOracle(c.id).conversions, 0)).toBeGreaterThan(0);
    const all = await get<Funnel & { byCampaign: Array<Counts & { campaignId: string }> }>(
      `/admin/v1/analytics/funnel?from=${day}&to=${day}`,
    );
    const byCampaign = Object.fromEntries(
      all.byCampaign.map(({ campaignId, ...counts }) => [campaignId, counts]),
    );
    expect(byCampaign).toEqual(
      Object.fromEntries(CAMPAIGNS.map((c) => [c.id, campaignOracle(c.id)])),
    );
    // Not additive: a1's clicks count for both of its campaigns, and no campaign has the paid
    // user's conversion; the whole funnel's totals are unchanged by the campaigns.
    expect(all.totals).toEqual(sum(oracle.values()));

    const shopA = await get<Funnel>(
      `/admin/v1/analytics/funnel?from=${day}&to=${day}&campaignId=an-camp-shop-a`,
    );
    expect(shopA.totals).toEqual(campaignOracle("an-camp-shop-a"));
    expect(shopA.byOffer.map((r) => r.offerId).sort()).toEqual(["an-offer-a1", "an-offer-a2"]);
    // The campaign filter combines with the others.
    const shopAOnA2 = await get<Funnel>(
      `/admin/v1/analytics/funnel?from=${day}&to=${day}&campaignId=an-camp-shop-a&offerId=an-offer-a2`,
    );
    expect(shopAOnA2.totals).toEqual(oracle.get("an-offer-a2"));
    const none = await get<Funnel>(
      `/admin/v1/analytics/funnel?from=${day}&to=${day}&campaignId=no-such-campaign`,
    );
    expect(none.totals).toEqual(zero());

    const margin = await get<{ byNetwork: Array<{ networkId: string; confirmed: number }> }>(
      `/admin/v1/analytics/margin?from=${day}&to=${day}&campaignId=an-camp-b`,
    );
    const bConfirmed = (oracle.get("an-offer-b1") as Counts).confirmed;
    expect(margin.byNetwork.filter((r) => r.confirmed > 0)).toEqual(
      bConfirmed === 0
        ? []
        : [expect.objectContaining({ networkId: "an-net-b", confirmed: bConfirmed })],
    );
  });

  it("margin per network is commission minus cashback of the confirmed conversions", async () => {
    const day = today();
    const margin = await get<{
      byNetwork: Array<{
        networkId: string;
        currency: string;
        confirmed: number;
        commissionMinor: number;
        cashbackMinor: number;
        marginMinor: number;
        paidCashbackMinor: number;
      }>;
    }>(`/admin/v1/analytics/margin?from=${day}&to=${day}`);
    for (const networkId of ["an-net-a", "an-net-b"]) {
      const confirmed = sum(
        OFFERS.filter((o) => o.networkId === networkId).map((o) => oracle.get(o.offerId) as Counts),
      ).confirmed;
      const row = margin.byNetwork.find((r) => r.networkId === networkId);
      expect(row ?? { confirmed: 0 }).toMatchObject(
        confirmed === 0
          ? { confirmed: 0 }
          : {
              currency: "INR",
              confirmed,
              commissionMinor: confirmed * COMMISSION,
              cashbackMinor: confirmed * CASHBACK,
              marginMinor: confirmed * (COMMISSION - CASHBACK),
              paidCashbackMinor: 0,
            },
      );
    }
    // The paid user's conversion (helper: no commission) is paid in full.
    const testNet = margin.byNetwork.find((r) => r.networkId === "test-net");
    expect(testNet).toMatchObject({
      confirmed: 1,
      cashbackMinor: 10_000,
      paidCashbackMinor: 10_000,
      marginMinor: -10_000,
    });
  });

  it("distributions count every conversion with a click, and every confirmation", async () => {
    const day = today();
    const d = await get<{
      timeToConversion: Array<{ count: number; previousCount: number }>;
      timeToConfirmation: Array<{ count: number }>;
    }>(`/admin/v1/analytics/distributions?from=${day}&to=${day}`);
    const total = sum(oracle.values());
    expect(d.timeToConversion.reduce((s, b) => s + b.count, 0)).toBe(total.conversions);
    // Converted within seconds of the click: all in the first bucket.
    expect(d.timeToConversion[0]?.count).toBe(total.conversions);
    expect(d.timeToConfirmation.reduce((s, b) => s + b.count, 0)).toBe(total.confirmed);
    expect(d.timeToConversion.every((b) => b.previousCount === 0)).toBe(true);
  });

  it("cohorts count this week's converting users", async () => {
    const c = await get<{
      weeks: Array<{
        week: string;
        users: number;
        convertingUsers: number;
        cashback: Array<{ currency: string; cashbackMinor: number }>;
      }>;
    }>("/admin/v1/analytics/cohorts");
    const rows = await env.DB.prepare("SELECT id FROM users").all<{ id: string }>();
    expect(rows.results.map((r) => r.id)).toContain(paidUser);
    await afterCron<typeof c>(
      "/admin/v1/analytics/cohorts",
      (fresh) => fresh.weeks.at(-1)?.convertingUsers === convertingUsers.size,
    );
    const week = (await get<typeof c>("/admin/v1/analytics/cohorts")).weeks.at(-1);
    expect(week?.users).toBeGreaterThanOrEqual(convertingUsers.size);
    const confirmedCashback =
      sum(OFFERS.map((o) => oracle.get(o.offerId) as Counts)).confirmed * CASHBACK + 10_000;
    expect(week?.cashback).toEqual([
      expect.objectContaining({ currency: "INR", cashbackMinor: confirmedCashback }),
    ]);
    expect(c.weeks.length).toBeGreaterThan(0);
  });

  it("a day marked while the cron refreshes it keeps its marker for the next run", async () => {
    const day = "2026-01-15";
    await markDay(day);
    const before = await marker(day);
    expect(before).not.toBeNull();
    // The cron reads the marker; a projection batch marks the same day before the refresh ends.
    const run = await refreshDirty(env, Date.now(), { afterRead: () => markDay(day) });
    expect(run.kept).toBeGreaterThanOrEqual(1);
    const after = await marker(day);
    expect(after?.marks).toBe((before?.marks ?? 0) + 1);
    // The next run, with nothing marked meanwhile, refreshes and clears it.
    const next = await refreshDirty(env, Date.now());
    expect(next.days).toBeGreaterThanOrEqual(1);
    expect(await marker(day)).toBeNull();
  });

  it("refuses an inverted range with a problem naming from", async () => {
    const r = await api("/admin/v1/analytics/funnel?from=2026-03-02&to=2026-03-01", {
      headers: ADMIN_HEADERS,
    });
    expect(r.status).toBe(400);
    expect(r.headers.get("content-type")).toContain("application/problem+json");
    expect(await r.text()).toContain("from");
  });

  it("refuses a day the calendar does not have (2026-02-30 is not read as 2 March)", async () => {
    for (const path of ["funnel", "margin", "distributions", "cohorts"]) {
      const r = await api(`/admin/v1/analytics/${path}?from=2026-02-30`, {
        headers: ADMIN_HEADERS,
      });
      expect(r.status, path).toBe(400);
      expect(r.headers.get("content-type")).toContain("application/problem+json");
    }
  });
});

describe("the console's analytics section", () => {
  it("shows the funnel with the previous period and downloads each table as CSV", async () => {
    const { signedIn } = await import("./console-client");
    const { client } = await signedIn("viewer");
    const day = today();
    const page = await client.get(`/console/analytics?from=${day}&to=${day}&networkId=an-net-b`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const b = oracle.get("an-offer-b1") as Counts;
    expect(html).toContain(`data-figure="funnel-clicks">${b.clicks}<`);
    expect(html).toContain(`data-figure="previous-clicks">0<`);
    expect(html).toContain("<svg");
    expect(html).toContain("/console/analytics/funnel.csv?from=");

    const csv = await client.get(
      `/console/analytics/funnel.csv?from=${day}&to=${day}&networkId=an-net-b`,
    );
    expect(csv.headers.get("content-type")).toContain("text/csv");
    expect((await csv.text()).split("\r\n")).toEqual([
      "network_id,merchant_id,offer_id,clicks,conversions,confirmed,paid",
      `an-net-b,an-shop-b,an-offer-b1,${b.clicks},${b.conversions},${b.confirmed},${b.paid}`,
      "",
    ]);
    for (const table of ["margin", "distributions", "cohorts"]) {
      const r = await client.get(`/console/analytics/${table}.csv?from=${day}&to=${day}`);
      expect(r.status, table).toBe(200);
      expect(r.headers.get("content-disposition"), table).toContain(`analytics-${table}_`);
    }
    // The campaign filter: the funnel of the clicks and conversions the campaign boosted, and
    // the per-campaign table linking to it.
    const byCampaign = await (
      await client.get(`/console/analytics?from=${day}&to=${day}&campaignId=an-camp-b`)
    ).text();
    expect(byCampaign).toContain(`data-figure="funnel-clicks">${b.clicks}<`);
    expect(byCampaign).toContain(`data-figure="campaign-clicks-an-camp-b">${b.clicks}<`);
    expect(byCampaign).toContain(
      'id="a-campaignId" name="campaignId" type="text" value="an-camp-b"',
    );
    expect(byCampaign).toContain("Not split by campaign");
    const bad = await client.get("/console/analytics?from=2026-03-02&to=2026-03-01");
    expect(bad.status).toBe(400);
  });
});
