import {
  createExecutionContext,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, test } from "vitest";
import { FRAUD_GROUP, FRAUD_STARTER_RULES } from "#shared/fraud/starter-rules";
import { transactionIdFor } from "#shared/ids";
import { DEFAULT_PAYOUT_POLICY } from "#shared/payouts/policy";
import redirectWorker from "#workers/redirect/src/index";
import { TEST_KEYS, withKey } from "./access-keys";
import { eventId, sendEvents } from "./events-client";
import {
  api,
  d1Transaction,
  eventually,
  postbackBody,
  seedCatalog,
  sendPostback,
  trackingLinkFor,
  uniqueUser,
  walletStub,
} from "./helpers";
import { payoutOf, redeemTo, sandbox, userWithDestination } from "./payout-helpers";
import { publishRuleSet } from "./referral-helpers";

/**
 * The behaviour signals end to end (docs/fraud.md "Signals"), through the real events worker,
 * redirect, postback worker, queues, risk objects and wallets, under the published starter
 * rules: the account-takeover sequence holds payouts (`account_takeover`); a slow traveller is
 * left alone while an impossible one is asked to step up (`impossible_travel`); a sale seconds
 * after a click burst is held (`cookie_stuffing`); two accounts clicking from one network are
 * linked.
 */

beforeAll(async () => {
  await seedCatalog({ networkId: "sig-net", merchantId: "sig-shop", offerId: "sig-shop-offer" });
  await seedCatalog();
  await publishRuleSet(
    { timeZone: "UTC", groups: [FRAUD_GROUP], rules: [...FRAUD_STARTER_RULES] },
    "behaviour signals test: the starter set",
  );
  await sandbox().reset();
});

interface ObservationRow {
  observationId: string;
  kind: string;
  atMs: number;
  newDevice: boolean;
  identifiers: Record<string, string>;
  facts: Record<string, string | number | boolean>;
}

async function observationsOf(userId: string): Promise<ObservationRow[]> {
  return runInDurableObject(env.RISK.get(env.RISK.idFromName(userId)), (_i, state) =>
    state.storage.sql
      .exec<{
        observation_id: string;
        kind: string;
        at_ms: number;
        new_device: number;
        identifiers_json: string;
        facts_json: string;
      }>(`SELECT * FROM observations ORDER BY at_ms`)
      .toArray()
      .map((r) => ({
        observationId: r.observation_id,
        kind: r.kind,
        atMs: r.at_ms,
        newDevice: r.new_device === 1,
        identifiers: JSON.parse(r.identifiers_json),
        facts: JSON.parse(r.facts_json),
      })),
  );
}

/** Waits until the user's risk object has observed `id` (the queue delivers asynchronously). */
async function observed(userId: string, match: (o: ObservationRow) => boolean) {
  return eventually(async () => (await observationsOf(userId)).find(match));
}

function login(userId: string, atMs: number, data: Record<string, unknown>) {
  return {
    id: eventId("sig-login"),
    type: "user.logged_in",
    userId,
    occurredAt: new Date(atMs).toISOString(),
    data,
  };
}

async function signIn(userId: string, atMs: number, data: Record<string, unknown>) {
  const event = login(userId, atMs, data);
  expect((await sendEvents(event)).status).toBe(202);
  return observed(userId, (o) => o.observationId === `event:${event.id}`);
}

interface UserRisk {
  risk: { score: number; reasons: Array<{ code: string }> } | null;
  holds: Array<{ kind: string; status: string; reasons: Array<{ code: string }> }>;
  linkedAccounts: { accounts: Array<{ userId: string }>; edges: Array<{ kind: string }> };
}

async function userRisk(userId: string): Promise<UserRisk> {
  const response = await api(`/admin/v1/risk/users/${userId}`, withKey(TEST_KEYS.support));
  expect(response.status).toBe(200);
  return (await response.json()) as UserRisk;
}

const MIN = 60_000;
/** Gives the risk intake time to place what it would have placed (for the clean cases). */
const settle = () => new Promise((r) => setTimeout(r, 1_500));
const HOUR = 3_600_000;

describe("the account-takeover sequence", () => {
  /**
   * A user with money and a seasoned destination of their own (an account no other test user
   * is paid to: a shared one is a signal of its own), signed in on their phone a day ago.
   */
  async function member(label: string) {
    const { user, destinationId } = await userWithDestination(label, 50_000, {
      type: "upi",
      vpa: `own.${crypto.randomUUID().slice(0, 8)}@okaxis`,
      holderName: "Asha Rao",
    });
    await signIn(user, Date.now() - 20 * HOUR, { deviceId: `phone-${user}` });
    return { user, destinationId };
  }

  /** A sign-in on a device never seen `minutesAgo`, then a new destination now. */
  async function takeover(user: string, minutesAgo: number) {
    const seen = await signIn(user, Date.now() - minutesAgo * MIN, { deviceId: `other-${user}` });
    expect(seen.newDevice).toBe(true);
    const added = await walletStub(user).addDestination(
      user,
      `dst_ato_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`,
      { type: "upi", vpa: `thief.${user}@okaxis`, holderName: "Someone Else", label: null },
      DEFAULT_PAYOUT_POLICY,
      Date.now(),
    );
    expect(added.status).toBe("created");
    await observed(user, (o) => o.kind === "destination_changed" && o.atMs > Date.now() - MIN);
  }

  test("new device → destination change → redemption in minutes: payouts held, account_takeover", async () => {
    const { user, destinationId } = await member("sig-ato");
    await takeover(user, 4);
    const payoutId = await redeemTo(user, destinationId, 20_000);

    expect((await payoutOf(user, payoutId)).status).toBe("held");
    const holds = await walletStub(user).getRiskHolds();
    const payouts = holds.find((h) => h.kind === "payouts" && h.status === "active");
    expect(payouts?.reasons.map((r) => r.code)).toEqual(["account_takeover"]);
    expect(payouts?.ruleId).toBe("fraud-takeover-redemption");
    const facts = (await observed(user, (o) => o.kind === "redemption")).facts;
    expect(facts["signal.amountMinor"]).toBe(20_000);
    expect(await sandbox().payout(payoutId)).toBeNull();
    const view = await userRisk(user);
    expect(view.risk?.reasons.map((r) => r.code)).toContain("account_takeover");
  });

  test("the same steps spread over 25 minutes are not a takeover sequence", async () => {
    const { user, destinationId } = await member("sig-ato-slow");
    await takeover(user, 25);
    await redeemTo(user, destinationId, 20_000);
    await settle();
    const holds = await walletStub(user).getRiskHolds();
    expect(holds.flatMap((h) => h.reasons.map((r) => r.code))).not.toContain("account_takeover");
    expect((await userRisk(user)).risk?.reasons ?? []).toEqual([]);
  });
});

describe("impossible travel between sign-ins", () => {
  const DELHI = { country: "IN", latitude: 28.6139, longitude: 77.209 };
  const LONDON = { country: "GB", latitude: 51.5074, longitude: -0.1278 };

  test("a traveller a day later is not held; London an hour after Delhi is asked to step up", async () => {
    const traveller = uniqueUser("sig-traveller");
    await signIn(traveller, Date.now() - 26 * HOUR, { deviceId: `d-${traveller}`, ...DELHI });
    const landed = await signIn(traveller, Date.now(), { deviceId: `d-${traveller}`, ...LONDON });

    const impossible = uniqueUser("sig-impossible");
    await signIn(impossible, Date.now() - HOUR, { deviceId: `d-${impossible}`, ...DELHI });
    const hop = await signIn(impossible, Date.now(), { deviceId: `d-${impossible}`, ...LONDON });

    // Coordinates are kept coarse (2 decimals), and only as facts of the sign-in.
    expect(hop.facts["signal.latitude"]).toBe(51.51);
    expect(landed.facts["signal.country"]).toBe("GB");

    const flagged = await eventually(async () => {
      const view = await userRisk(impossible);
      return view.holds.some((h) => h.kind === "step_up") ? view : null;
    });
    expect(flagged.risk?.reasons.map((r) => r.code)).toEqual(["impossible_travel"]);
    const stepUp = flagged.holds.find((h) => h.kind === "step_up");
    expect(stepUp?.reasons.map((r) => r.code)).toEqual(["impossible_travel"]);

    await settle();
    const slow = await userRisk(traveller);
    expect(slow.risk?.score).toBe(0);
    expect(slow.holds).toEqual([]);
  });
});

/** A click through the real redirect, as from `ip` when given; returns the sub-ID. */
async function click(userId: string, offerId: string, ip?: string): Promise<string> {
  const ctx = createExecutionContext();
  const response = await redirectWorker.fetch(
    new Request(await trackingLinkFor(userId, offerId), {
      headers: ip ? { "cf-connecting-ip": ip } : {},
    }) as Request<unknown, IncomingRequestCfProperties>,
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  expect(response.status).toBe(302);
  const sub = new URL(response.headers.get("location") ?? "").searchParams.get("sub");
  if (!sub) throw new Error("no sub-ID");
  return sub;
}

async function clicksObserved(userId: string, count: number) {
  return eventually(async () => {
    const clicks = (await observationsOf(userId)).filter((o) => o.kind === "click");
    return clicks.length >= count ? clicks : null;
  });
}

describe("cookie stuffing timing", () => {
  test("a sale seconds after a burst of clicks is held pending; one click and a quick sale is not", async () => {
    const stuffer = uniqueUser("sig-stuffer");
    let subId = "";
    for (let i = 0; i < 4; i++) subId = await click(stuffer, "sig-shop-offer");
    await clicksObserved(stuffer, 4);
    const orderId = `ord-${stuffer}`;
    expect(
      (await sendPostback("sig-net", postbackBody({ order_id: orderId, sub_id: subId }))).status,
    ).toBe(202);
    const conversion = await observed(stuffer, (o) => o.kind === "conversion");
    expect(conversion.facts["signal.offerId"]).toBe("sig-shop-offer");

    const txnId = await transactionIdFor("sig-net", orderId);
    const hold = await eventually(async () =>
      (await walletStub(stuffer).getRiskHolds()).find((h) => h.kind === "transaction"),
    );
    expect(hold).toMatchObject({
      subjectRef: txnId,
      status: "active",
      ruleId: "fraud-cookie-stuffing",
    });
    expect(hold.reasons.map((r) => r.code)).toEqual(["cookie_stuffing"]);

    const shopper = uniqueUser("sig-shopper");
    const shopperSub = await click(shopper, "sig-shop-offer");
    await clicksObserved(shopper, 1);
    const shopperOrder = `ord-${shopper}`;
    await sendPostback("sig-net", postbackBody({ order_id: shopperOrder, sub_id: shopperSub }));
    await observed(shopper, (o) => o.kind === "conversion");
    await eventually(() => d1Transaction("sig-net", shopperOrder));
    await settle();
    expect(await walletStub(shopper).getRiskHolds()).toEqual([]);
    expect((await userRisk(shopper)).risk?.score).toBe(0);
  });
});

describe("identifiers on clicks", () => {
  test("two accounts clicking from one network are linked, and the address is never kept", async () => {
    const first = uniqueUser("sig-ip-a");
    const second = uniqueUser("sig-ip-b");
    await click(first, "sig-shop-offer", "203.0.113.9");
    const [firstClick] = await clicksObserved(first, 1);
    expect(Object.keys(firstClick?.identifiers ?? {})).toEqual(["ip_prefix"]);
    await eventually(async () =>
      env.DB.prepare(`SELECT 1 AS n FROM risk_identifiers WHERE user_id = ? AND kind = 'ip_prefix'`)
        .bind(first)
        .first(),
    );
    // Another address of the same /24.
    await click(second, "sig-shop-offer", "203.0.113.200");
    const [secondClick] = await clicksObserved(second, 1);
    expect(secondClick?.identifiers.ip_prefix).toBe(firstClick?.identifiers.ip_prefix);
    expect(secondClick?.facts["signal.usersSharingIpPrefix"]).toBe(1);
    expect(JSON.stringify([firstClick, secondClick])).not.toContain("203.0.113");

    const view = await userRisk(first);
    expect(view.linkedAccounts.accounts.map((a) => a.userId)).toEqual([second]);
    expect(view.linkedAccounts.edges.map((e) => e.kind)).toEqual(["ip_prefix"]);

    // A click with no client address links nobody.
    const loner = uniqueUser("sig-ip-none");
    await click(loner, "sig-shop-offer");
    const [lonerClick] = await clicksObserved(loner, 1);
    expect(lonerClick?.identifiers).toEqual({});
  });
});
