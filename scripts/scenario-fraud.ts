import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { sign } from "hono/jwt";
import { adminClient, type BoomerangClient, ok, userClient } from "#client/index";
import { Mulberry32 } from "#dev/sandbox-network/engine/prng";
import { mapBounded } from "#shared/async/map-bounded";
import { signEvents } from "#shared/events/event-signature";
import { loadDemoData } from "./demo-data";
import { DEV_EVENT_KEY_NAME } from "./lib/dev-vars";
import {
  ACTORS,
  type ActorKind,
  type ActorVerdict,
  judgeActor,
  type UserOutcome,
} from "./lib/fraud-actors";
import { type LocalRuntime, startLocalRuntime } from "./lib/local-runtime";

/**
 * `npm run scenario:fraud [-- --seed 7 --clean-factor 10 --port 8796 --keep]`
 *
 * The named fraud actors of docs/fraud.md "Measured" inside a clean population ten times
 * their size, driven through the real HTTP surfaces of one `wrangler dev` on a fresh local
 * state: tracked clicks through the redirect (with the headers a browser or an iframe sends),
 * orders at the sandbox network and its postbacks, sign-ins and account events through the
 * signed events API, payout destinations, step-up codes and redemptions through the member
 * API. The fraud starter rules are added and published first, as an operator would. Then each
 * user's holds and score are read from `GET /admin/v1/risk/users/{id}` (and the ring's
 * referrals from `GET /admin/v1/referrals`), and it prints, per actor, whether it was held and
 * why, and the clean population's hold rate.
 *
 * Reproducible: every choice (who lives in a household, who returns an order, amounts, IPs)
 * comes from Mulberry32 seeded by `--seed` (or SCENARIO_SEED, default 14). Ids are prefixed by
 * the seed, and the state is a fresh temporary folder, deleted afterwards unless `--keep`.
 *
 * The members are minutes old, so the payout policy's own clocks — a new destination's 24 h
 * cooling-off and the 24 h hold after a new device — are set to 0 in this runtime's copy of the
 * config (nothing else changes): otherwise every redemption here would wait for them, and the
 * figures would not be the risk rules'.
 */
const { values } = parseArgs({
  options: {
    seed: { type: "string" },
    "clean-factor": { type: "string" },
    port: { type: "string" },
    keep: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});
const SEED = Number(values.seed ?? process.env.SCENARIO_SEED ?? 14);
const CLEAN_FACTOR = Number(values["clean-factor"] ?? process.env.SCENARIO_CLEAN_FACTOR ?? 10);
const PORT = Number(values.port ?? process.env.SCENARIO_PORT ?? 8796);
if (!Number.isSafeInteger(SEED) || !Number.isSafeInteger(CLEAN_FACTOR) || CLEAN_FACTOR < 1) {
  console.error("--seed and --clean-factor must be integers (clean-factor ≥ 1)");
  process.exit(2);
}

const OFFER = "sandbox-store-5pct";
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** The smallest UPI redemption of the default payout policy. */
const REDEEM_MINOR = 5_000;
/**
 * How long an observation may take to reach the risk object here: the risk queue works through
 * the whole population's backlog (100 a batch) on a shared machine.
 */
const OBSERVED_WITHIN_MS = 300_000;
const prng = new Mulberry32(SEED);
const tag = `f${SEED}`;

const BROWSER_UA =
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
/** What a browser sends on a tap of a link: a top-level navigation with a user gesture. */
const TAP = {
  "user-agent": BROWSER_UA,
  "sec-fetch-dest": "document",
  "sec-fetch-mode": "navigate",
  "sec-fetch-site": "cross-site",
  "sec-fetch-user": "?1",
};
/** What a browser sends for a link loaded in a hidden iframe: no gesture, no document. */
const IFRAME = {
  "user-agent": BROWSER_UA,
  "sec-fetch-dest": "iframe",
  "sec-fetch-mode": "navigate",
  "sec-fetch-site": "cross-site",
};

interface Member {
  id: string;
  actor: ActorKind | "clean";
  device: string;
  ip: string;
  country: string;
  asn: number;
  noise: string[];
  /** Drawn up front (the driving runs in parallel, the draws must not). */
  plan: { clicks: number; sales: Array<number | null>; delayMs: number };
}

let runtime: LocalRuntime | undefined;
let stateDir: string | undefined;
let admin: BoomerangClient;
let base = "";
let eventSecret = "";
let jwtSecret = "";
/** Event ids: `<tag>-<type>-<n>`. */
let eventCount = 0;
/** Each member's tracking link, read once. */
const links = new Map<string, string>();
/** Requests wrangler's proxy cut short and that were sent again. */
let restartsSeen = 0;

const stop = async () => {
  await runtime?.stop();
  if (stateDir && !values.keep) rmSync(stateDir, { recursive: true, force: true });
};
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    void stop().finally(() => process.exit(130));
  });
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(
    `scenario failed: ${error instanceof Error ? (error.stack ?? error.message) : error}`,
  );
  if (stateDir) console.error(`wrangler output: ${path.join(stateDir, "wrangler.log")}`);
  process.exitCode = 1;
} finally {
  await stop();
}

async function main(): Promise<number> {
  stateDir = mkdtempSync(path.join(os.tmpdir(), "boomerang-fraud-scenario-"));
  console.log(`Fraud scenario, seed ${SEED}: starting wrangler dev on port ${PORT} (${stateDir})…`);
  runtime = await startLocalRuntime({
    port: PORT,
    persistDir: path.join(stateDir, "state"),
    isolatedConfigDir: path.join(stateDir, "config"),
    logFile: path.join(stateDir, "wrangler.log"),
    tuning: {
      apiVars: { PAYOUT_POLICY: JSON.stringify({ coolingOffHours: 0, newDeviceHoldHours: 0 }) },
    },
  });
  base = runtime.baseUrl;
  eventSecret = runtime.secrets.EVENT_KEY_SECRET;
  jwtSecret = runtime.secrets.USER_JWT_SECRET;
  admin = adminClient({ baseUrl: base, fetch: fetchRetrying }, runtime.secrets.ADMIN_API_KEY);
  await loadDemoData(base, runtime.secrets.ADMIN_API_KEY);
  await setUpRulesAndProgram();

  const started = Date.now();
  const members = population();
  const actors = members.filter((m) => m.actor !== "clean");
  const clean = members.filter((m) => m.actor === "clean");
  console.log(
    `  ${actors.length} accounts in ${ACTORS.length} fraud actors, ${clean.length} clean members (×${CLEAN_FACTOR})`,
  );

  // 1. Everyone signs up and signs in (the ring's second and third with the first's code).
  await signUps(members);
  // 2. Clean members click now and buy minutes later; the actors as their kind does.
  const cleanClicks = await mapBounded(clean, 4, (m) => clicksFor(m, m.plan.clicks, TAP));
  await actorsPlay(members);
  const cleanOrders = await cleanOrdersOf(clean, cleanClicks);
  await deliverAll();
  // 3. Clean noise after the earning: sign-ins from elsewhere, destinations and redemptions.
  await cleanNoiseAndRedemptions(clean, cleanOrders);
  console.log(`  driven in ${((Date.now() - started) / 1000).toFixed(0)} s; reading the verdicts…`);

  const outcomes = await settledOutcomes(members);
  const verdicts = ACTORS.map((actor) =>
    judgeActor(
      actor,
      outcomes.filter((o) => o.actor === actor.kind),
    ),
  );
  const cleanOutcomes = outcomes.filter((o) => o.actor === "clean");
  const cleanHeld = cleanOutcomes.filter((o) => o.heldCodes.length > 0);
  const cleanFlagged = cleanOutcomes.filter((o) => o.scoreCodes.length > 0);
  report(verdicts, cleanOutcomes.length, cleanHeld, cleanFlagged);
  const holdRate = cleanHeld.length / Math.max(1, cleanOutcomes.length);
  const pass = verdicts.every((v) => v.met) && holdRate <= 0.01;
  if (restartsSeen > 0)
    console.log(`(${restartsSeen} requests cut short by the local proxy were sent again)`);
  console.log(pass ? "PASS" : "FAIL (targets: every actor held with its reason, ≤ 1% clean held)");
  return pass ? 0 : 1;
}

/** The deposit rule that qualifies a referral, the fraud starter set, published; the program. */
async function setUpRulesAndProgram(): Promise<void> {
  ok(
    await admin.PUT("/admin/v1/rules/draft", {
      body: {
        timeZone: "UTC",
        groups: [{ name: "base", mode: "stackable" }],
        rules: [
          {
            id: "referral-first-deposit",
            name: "Referral reward on the first deposit",
            eventTypes: ["deposit.completed"],
            conditions: { all: [{ attr: "referral.state", op: "eq", value: "signed_up" }] },
            effects: [
              {
                kind: "referral_reward",
                programId: "default",
                referrer: { amountMinor: 10_000, currency: "INR" },
                referee: { amountMinor: 5_000, currency: "INR" },
              },
            ],
            priority: 10,
            group: "base",
            active: true,
          },
        ],
      } as never,
    }),
  );
  const starter = ok(await admin.POST("/admin/v1/rules/draft/fraud-starter", {})) as {
    added?: string[];
  };
  const published = ok(
    await admin.POST("/admin/v1/rules/publish", {
      body: { note: `fraud scenario seed ${SEED}` },
    }),
  ) as { version?: number };
  ok(
    await admin.PUT("/admin/v1/referrals/program", {
      body: {
        settings: {
          programId: "default",
          attribution: { touch: "first", windowDays: 30, probabilisticWindowHours: 2 },
          destinations: {
            webSignupUrl: "https://app.example.com/signup",
            iosAppStoreUrl: null,
            androidPlayStoreUrl: null,
          },
        },
      } as never,
    }),
  );
  console.log(
    `  rules v${published.version ?? "?"} published: the referral rule and ${starter.added?.length ?? 0} fraud starter rules`,
  );
}

// ---------------------------------------------------------------------------------------------
// The population

function population(): Member[] {
  const members: Member[] = [];
  const member = (actor: Member["actor"], label: string, over: Partial<Member> = {}): Member => {
    const m: Member = {
      id: `${tag}-${label}`,
      actor,
      device: `dev-${tag}-${label}`,
      ip: randomIp(),
      country: "IN",
      asn: pick([55836, 45609, 24560, 9829]),
      noise: [],
      ...over,
      plan: { clicks: 1, sales: [], delayMs: 0 },
    };
    members.push(m);
    return m;
  };
  // Self-referral ring: three accounts, one phone, one card.
  for (const k of ["a", "b", "c"]) {
    member("referral_ring", `ring-${k}`, { device: `dev-${tag}-ring`, ip: "49.36.80.17" });
  }
  member("return_abuser", "returner");
  // Cookie stuffer: 22 accounts behind one address (more than the 20 the starter rule allows).
  for (let i = 0; i < 22; i++) member("cookie_stuffer", `stuffer-${i}`, { ip: "103.21.58.9" });
  member("account_takeover", "ato-victim");
  member("click_flood", "flooder");

  const actorCount = members.length;
  const cleanCount = actorCount * CLEAN_FACTOR;
  let i = 0;
  while (i < cleanCount) {
    // Households: two to four members behind one home address, each with their own phone.
    if (prng.chance(0.12) && cleanCount - i >= 4) {
      const size = 2 + prng.int(3);
      const ip = randomIp();
      for (let k = 0; k < size; k++) member("clean", `c${i++}`, { ip, noise: ["household"] });
      continue;
    }
    const m = member("clean", `c${i++}`);
    // One draw decides which, if any, of the sign-in noises the member brings.
    const draw = prng.next();
    if (draw < 0.05) m.noise.push("traveller");
    else if (draw < 0.15) m.noise.push("mobile_networks");
    else if (draw < 0.2) m.noise.push("new_phone");
  }
  // Noise on orders, independent of the above.
  for (const m of members) {
    if (m.actor !== "clean") continue;
    if (prng.chance(0.15)) m.noise.push("one_return");
    if (prng.chance(0.35)) m.noise.push("redeems");
    if (m.noise.includes("redeems") && prng.chance(0.2)) m.noise.push("changes_destination");
    // One to three clicks; the first buys, a later one sometimes.
    m.plan.clicks = 1 + prng.int(3);
    m.plan.sales = Array.from({ length: m.plan.clicks }, (_, k) =>
      k === 0 || prng.chance(0.6) ? 110_000 + prng.int(300_000) : null,
    );
    // A member who returns one order has another they kept (one return, not all of them).
    if (m.noise.includes("one_return") && m.plan.sales.filter((s) => s !== null).length < 2) {
      m.plan.clicks = Math.max(2, m.plan.clicks);
      m.plan.sales = [m.plan.sales[0] ?? 110_000, 110_000 + prng.int(300_000)];
    }
  }
  for (const m of members) {
    if (m.actor === "cookie_stuffer") {
      m.plan.delayMs = 1_000 + prng.int(2_000);
      m.plan.sales = [120_000 + prng.int(50_000)];
    }
  }
  return members;
}

function randomIp(): string {
  return `${pick([49, 103, 106, 117, 152, 157, 183])}.${prng.int(256)}.${prng.int(256)}.${1 + prng.int(254)}`;
}

function pick<T>(items: readonly T[]): T {
  return items[prng.int(items.length)] as T;
}

// ---------------------------------------------------------------------------------------------
// What each kind does

async function signUps(members: Member[]): Promise<void> {
  const now = Date.now();
  const ringA = members.find((m) => m.id === `${tag}-ring-a`) as Member;
  const events: unknown[] = [];
  const signup = (m: Member, atMs: number, extra: Record<string, unknown> = {}) =>
    events.push(
      event("user.signed_up", m.id, atMs, {
        displayName: m.id,
        deviceId: m.device,
        ipAddress: m.ip,
        userAgent: BROWSER_UA,
        ...extra,
      }),
    );
  // The ring's first account signs up first; its code is read before the others sign up.
  signup(ringA, now - 3 * HOUR, { paymentInstrumentHash: `card-${tag}-ring` });
  await sendEvents(events.splice(0));
  const code = await referralCodeOf(ringA.id);
  // Its identifiers reach D1 through the wallet's outbox and the ledger consumer: a few
  // seconds, before its referees are weighed against them.
  await new Promise((r) => setTimeout(r, 8_000));
  for (const m of members) {
    if (m === ringA) continue;
    if (m.actor === "referral_ring") {
      signup(m, now - 2 * HOUR, { referralCode: code, paymentInstrumentHash: `card-${tag}-ring` });
    } else if (m.noise.includes("traveller")) {
      // Signed up and last seen at home before the flight (cleanNoiseAndRedemptions).
      signup(m, now - 12 * HOUR);
    } else {
      signup(m, now - 2 * HOUR - prng.int(HOUR));
    }
    if (!m.noise.includes("traveller")) {
      events.push(
        event("user.logged_in", m.id, now - HOUR - prng.int(30 * MINUTE), login(m, m.device)),
      );
    }
  }
  events.push(event("user.logged_in", ringA.id, now - HOUR, login(ringA, ringA.device)));
  await sendEvents(events);
  // The ring's referees qualify: a deposit paid with the ring's card.
  await sendEvents(
    members
      .filter((m) => m.actor === "referral_ring" && m !== ringA)
      .map((m) =>
        event("deposit.completed", m.id, now - 30 * MINUTE, {
          amountMinor: 100_000,
          currency: "INR",
          paymentInstrumentHash: `card-${tag}-ring`,
        }),
      ),
  );
  console.log(`  ${members.length} sign-ups and sign-ins through the events API`);
}

function login(m: Member, device: string, over: Partial<Member> = {}): Record<string, unknown> {
  return {
    deviceId: device,
    platform: "android",
    ipAddress: over.ip ?? m.ip,
    userAgent: BROWSER_UA,
    country: over.country ?? m.country,
    asn: over.asn ?? m.asn,
  };
}

async function actorsPlay(members: Member[]): Promise<void> {
  const of = (kind: ActorKind) => members.filter((m) => m.actor === kind);

  // The ring earns a little each and cashes out to one UPI id.
  for (const m of of("referral_ring")) {
    const [subId] = await clicksFor(m, 1, TAP);
    await order(`${m.id}-o1`, subId as string, 200_000, "approved");
  }

  // The return abuser: ten orders, eight of them returned after the network approved them.
  const returner = of("return_abuser")[0] as Member;
  const returnerClicks = await clicksFor(returner, 10, TAP);
  for (const [i, subId] of returnerClicks.entries()) {
    await order(`${returner.id}-o${i}`, subId, 150_000 + prng.int(100_000), "approved");
  }

  // The cookie stuffer: each account's click loaded in an iframe from the one address, the
  // purchase seconds later.
  await mapBounded(of("cookie_stuffer"), 4, async (m) => {
    const [subId] = await clicksFor(m, 1, { ...IFRAME, "cf-connecting-ip": m.ip });
    await new Promise((r) => setTimeout(r, m.plan.delayMs));
    await order(`${m.id}-o1`, subId as string, m.plan.sales[0] as number, "approved");
  });

  // The account takeover's victim: an ordinary member with confirmed cashback.
  const victim = of("account_takeover")[0] as Member;
  const [victimClick] = await clicksFor(victim, 1, TAP);
  await order(`${victim.id}-o1`, victimClick as string, 300_000, "approved");

  // The click flood: 80 clicks in a couple of minutes from one account, each through another
  // proxy address (repeats from one address within 30 s are one click at the redirect).
  const flooder = of("click_flood")[0] as Member;
  for (let k = 0; k < 80; k++) {
    await clicksFor(flooder, 1, { ...TAP, "cf-connecting-ip": `45.134.${k % 4}.${10 + k}` });
  }
  await deliverAll();

  // After the postbacks: the returns, then the money going out.
  for (let i = 0; i < 8; i++) await returnOrder(`${returner.id}-o${i}`);
  await deliverAll();
  await waitForConfirmed([...of("referral_ring"), returner, victim]);
  for (const m of of("referral_ring")) {
    await redeem(m, m.device, { vpa: `ring.${tag}@okaxis` });
  }
  await redeem(returner, returner.device, { vpa: `${returner.id}@okicici` });

  // The takeover, within ten minutes: a sign-in from a new phone elsewhere, a new UPI id, a
  // redemption from that phone.
  // Each step waits until the victim's risk object has heard of the one before (a few
  // seconds through the queues): a person at a keyboard takes longer than that.
  const thief = { ip: "185.220.101.4", country: "RO", asn: 200052 };
  const thiefDevice = `dev-${tag}-thief`;
  const logins = await velocityOf(victim, "login");
  await sendEvents([
    event("user.logged_in", victim.id, Date.now(), login(victim, thiefDevice, thief)),
  ]);
  await waitFor(
    async () => (await velocityOf(victim, "login")) > logins,
    "the takeover's sign-in observed",
    OBSERVED_WITHIN_MS,
  );
  const changes = await velocityOf(victim, "destination_changed");
  const destinationId = await addDestination(victim, thiefDevice, { vpa: `quick.cash.${tag}@ybl` });
  await waitFor(
    async () => (await velocityOf(victim, "destination_changed")) > changes,
    "the takeover's destination change observed",
    OBSERVED_WITHIN_MS,
  );
  await redeem(victim, thiefDevice, { vpa: "" }, destinationId);
  console.log("  actors played: ring, return abuser, cookie stuffer, takeover, click flood");
}

async function cleanOrdersOf(clean: Member[], clicks: string[][]): Promise<Map<string, string[]>> {
  const orders = new Map<string, string[]>();
  await mapBounded(
    clean.map((m, i) => ({ m, subIds: clicks[i] ?? [] })),
    4,
    async ({ m, subIds }) => {
      const ids: string[] = [];
      for (const [k, subId] of subIds.entries()) {
        const sale = m.plan.sales[k];
        if (sale === null || sale === undefined) continue;
        const id = `${m.id}-o${k}`;
        await order(id, subId, sale, "approved");
        ids.push(id);
      }
      orders.set(m.id, ids);
    },
  );
  const returns = clean.filter((m) => m.noise.includes("one_return"));
  for (const m of returns) {
    const last = orders.get(m.id)?.at(-1);
    if (last) await returnOrder(last);
  }
  console.log(
    `  clean members: ${[...orders.values()].flat().length} orders, ${returns.length} with one return`,
  );
  return orders;
}

async function cleanNoiseAndRedemptions(
  clean: Member[],
  orders: Map<string, string[]>,
): Promise<void> {
  const now = Date.now();
  const events: unknown[] = [];
  for (const m of clean) {
    if (m.noise.includes("traveller")) {
      // Home in the morning, a flight, a sign-in abroad eight hours later.
      events.push(
        event("user.logged_in", m.id, now - 9 * HOUR, login(m, m.device)),
        event(
          "user.logged_in",
          m.id,
          now - HOUR,
          login(m, m.device, { ip: randomIp(), country: pick(["AE", "SG", "GB"]), asn: 8452 }),
        ),
      );
    }
    if (m.noise.includes("mobile_networks")) {
      // Wi-Fi, then two carriers within the hour, the same phone.
      for (const [k, asn] of [45609, 55836, 24560].entries()) {
        events.push(
          event(
            "user.logged_in",
            m.id,
            now - (50 - 20 * k) * MINUTE,
            login(m, m.device, { ip: randomIp(), asn }),
          ),
        );
      }
    }
    if (m.noise.includes("new_phone")) {
      events.push(event("user.logged_in", m.id, now - 20 * MINUTE, login(m, `${m.device}-new`)));
    }
  }
  for (let i = 0; i < events.length; i += 100) await sendEvents(events.slice(i, i + 100));

  const redeemers = clean.filter((m) => m.noise.includes("redeems") && orders.get(m.id)?.length);
  await waitForConfirmed(redeemers);
  await mapBounded(redeemers, 3, async (m) => {
    const device = m.noise.includes("new_phone") ? `${m.device}-new` : m.device;
    if (m.noise.includes("changes_destination")) {
      await addDestination(m, device, { vpa: `${m.id}.old@okaxis` });
    }
    await redeem(m, device, { vpa: `${m.id}@okaxis` });
  });
  console.log(
    `  clean noise: ${clean.filter((m) => m.noise.includes("household")).length} in households, ${clean.filter((m) => m.noise.includes("traveller")).length} travellers, ${clean.filter((m) => m.noise.includes("mobile_networks")).length} changing networks, ${clean.filter((m) => m.noise.includes("new_phone")).length} on a new phone; ${redeemers.length} redemptions`,
  );
}

// ---------------------------------------------------------------------------------------------
// The surfaces

function event(type: string, userId: string, atMs: number, data: Record<string, unknown>) {
  return {
    id: `${tag}-${type.replaceAll(".", "-")}-${++eventCount}`,
    type,
    userId,
    occurredAt: new Date(atMs).toISOString(),
    data,
  };
}

async function sendEvents(events: unknown[]): Promise<void> {
  for (let i = 0; i < events.length; i += 100) {
    const body = JSON.stringify({ events: events.slice(i, i + 100) });
    const signature = await signEvents(
      eventSecret,
      DEV_EVENT_KEY_NAME,
      body,
      Math.floor(Date.now() / 1000),
    );
    const response = await fetchRetrying(`${base}/v1/events`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "boomerang-key": DEV_EVENT_KEY_NAME,
        "boomerang-signature": signature,
      },
      body,
    });
    if (response.status !== 202) {
      throw new Error(`POST /v1/events → ${response.status} ${await response.text()}`);
    }
  }
}

async function tokenFor(userId: string, device?: string): Promise<string> {
  return sign(
    { sub: userId, exp: Math.floor(Date.now() / 1000) + 3600, ...(device ? { device } : {}) },
    jwtSecret,
    "HS256",
  );
}

async function member(m: Member, device = m.device): Promise<BoomerangClient> {
  return userClient({ baseUrl: base, fetch: fetchRetrying }, await tokenFor(m.id, device));
}

/** `count` clicks on the member's tracking link with these headers; the sub-IDs minted. */
async function clicksFor(
  m: Member,
  count: number,
  headers: Record<string, string>,
): Promise<string[]> {
  let link = links.get(m.id);
  if (!link) {
    const offers = ok(await (await member(m)).GET("/v1/offers"));
    link = offers.items.find((o) => o.id === OFFER)?.trackingUrl ?? undefined;
    if (!link) throw new Error(`offer ${OFFER} not listed`);
    links.set(m.id, link);
  }
  const subIds: string[] = [];
  for (let k = 0; k < count; k++) {
    const response = await fetchRetrying(link, {
      redirect: "manual",
      headers: { "cf-connecting-ip": m.ip, ...headers },
    });
    await response.body?.cancel();
    const location = response.headers.get("location");
    if (response.status !== 302 || !location) {
      throw new Error(`click ${m.id}: ${response.status}`);
    }
    subIds.push(new URL(location).searchParams.get("subid") ?? "");
  }
  return subIds;
}

/** A POST to the sandbox network (dev/sandbox-network), not part of the api's document. */
async function sandbox(urlPath: string, body: unknown): Promise<unknown> {
  const response = await fetchRetrying(`${base}${urlPath}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  // A repeat of an order call the proxy cut short finds it done: a conflict, accepted.
  if (!response.ok && !(response.status === 409 && restartsSeen > 0)) {
    throw new Error(`POST ${urlPath} → ${response.status} ${text}`);
  }
  return text ? JSON.parse(text) : null;
}

async function order(id: string, subId: string, saleMinor: number, status: "approved" | "pending") {
  await sandbox("/sandbox/orders", {
    order_id: id,
    sub_id: subId,
    currency: "INR",
    sale_amount_minor: saleMinor,
    commission_minor: Math.floor(saleMinor / 10),
  });
  if (status === "approved") await sandbox(`/sandbox/orders/${id}/approve`, {});
}

async function returnOrder(id: string) {
  await sandbox(`/sandbox/orders/${id}/cancel`, {});
}

async function deliverAll(): Promise<void> {
  for (;;) {
    const result = (await sandbox("/sandbox/deliver", { limit: 200 })) as {
      delivered: unknown[];
      pending: number;
    };
    if (result.delivered.length === 0 && result.pending === 0) return;
    if (result.delivered.length === 0) await new Promise((r) => setTimeout(r, 200));
  }
}

async function confirmedOf(m: Member): Promise<number> {
  const wallet = ok(await (await member(m)).GET("/v1/me/wallet"));
  return wallet.balances.find((b) => b.currency === "INR")?.confirmedMinor ?? 0;
}

async function waitForConfirmed(members: Member[]): Promise<void> {
  await mapBounded(members, 4, (m) =>
    waitFor(async () => (await confirmedOf(m)) >= REDEEM_MINOR, `${m.id} confirmed cashback`),
  );
}

/**
 * Adds a UPI id; when a `require_step_up` rule's hold asks for a fresh code (403
 * `step_up_required`, docs/fraud.md "Holds"), asks for one and adds it with the code.
 */
async function addDestination(m: Member, device: string, upi: { vpa: string }): Promise<string> {
  const client = await member(m, device);
  const body = { type: "upi" as const, vpa: upi.vpa, holderName: "Member" };
  const first = await client.POST("/v1/me/payout-destinations", { body });
  if (first.response.status === 403 && JSON.stringify(first.error).includes("step_up_required")) {
    const stepUp = await stepUpCode(m, client);
    const created = ok(
      await client.POST("/v1/me/payout-destinations", { body: { ...body, stepUp } }),
    ) as { id: string };
    return created.id;
  }
  return (ok(first) as { id: string }).id;
}

/** Asks for a step-up code and reads it from the dev outbox, as the member reads their SMS. */
async function stepUpCode(
  m: Member,
  client: BoomerangClient,
): Promise<{ challengeId: string; code: string }> {
  const challenge = ok(await client.POST("/v1/me/step-up", {})) as { challengeId: string };
  const code = await waitFor(async () => {
    const notices = ok(
      await admin.GET("/admin/v1/dev/notifications", {
        params: { query: { userId: m.id, kind: "step_up_code" } },
      }),
    ) as { items: Array<{ id: string; body: Record<string, unknown> }> };
    const notice = notices.items.find((n) => n.id === challenge.challengeId);
    return typeof notice?.body.code === "string" ? notice.body.code : null;
  }, `${m.id} step-up code`);
  return { challengeId: challenge.challengeId, code };
}

/** Adds the UPI id (unless `saved` names one), asks for a step-up code, reads it from the dev outbox and redeems. */
async function redeem(
  m: Member,
  device: string,
  upi: { vpa: string },
  saved?: string,
): Promise<string> {
  const destinationId = saved ?? (await addDestination(m, device, upi));
  const client = await member(m, device);
  const stepUp = await stepUpCode(m, client);
  const payout = ok(
    await client.POST("/v1/me/redemptions", {
      params: { header: { "idempotency-key": `${m.id}-redeem-${destinationId}` } },
      body: {
        amountMinor: REDEEM_MINOR,
        currency: "INR",
        destinationId,
        stepUp,
      },
    }),
  );
  return payout.id;
}

/**
 * How many observations of `kind` the member's risk object counted in the last 24 hours
 * (a sign-in from a new device counts under `new_device_login` too: both are summed).
 */
async function velocityOf(m: Member, kind: string): Promise<number> {
  const read = ok(
    await admin.GET("/admin/v1/risk/users/{id}", { params: { path: { id: m.id } } }),
  ) as unknown as { risk: { velocity?: Record<string, Record<string, number>> | null } | null };
  const velocity = read.risk?.velocity ?? {};
  const kinds = kind === "login" ? ["login", "new_device_login"] : [kind];
  return kinds.reduce((sum, k) => sum + (velocity[k]?.["24h"] ?? 0), 0);
}

async function referralsOf(referrerId: string) {
  const page = await admin.GET("/admin/v1/referrals", {
    params: { query: { referrerId } as never },
  });
  return page.data ?? null;
}

async function referralCodeOf(userId: string): Promise<string> {
  const client = userClient({ baseUrl: base, fetch: fetchRetrying }, await tokenFor(userId));
  return ok(await client.GET("/v1/me/referrals")).code;
}

// ---------------------------------------------------------------------------------------------
// The verdicts

interface RiskRead {
  risk: { score: number; reasons: Array<{ code: string }> } | null;
  holds: Array<{ status: string; kind: string; source?: string; reasons: Array<{ code: string }> }>;
}

async function outcomeOf(m: Member): Promise<UserOutcome> {
  const read = ok(
    await admin.GET("/admin/v1/risk/users/{id}", { params: { path: { id: m.id } } }),
  ) as unknown as RiskRead;
  const active = read.holds.filter((h) => h.status === "active");
  return {
    userId: m.id,
    actor: m.actor,
    noise: m.noise,
    score: read.risk?.score ?? null,
    heldCodes: unique(active.flatMap((h) => h.reasons.map((r) => r.code))),
    holdKinds: unique(active.map((h) => `${h.kind}/${h.source ?? "rule"}`)),
    scoreCodes: unique((read.risk?.reasons ?? []).map((r) => r.code)),
    referralHeldCodes: [],
  };
}

/** Every member's outcome, read until two reads 5 s apart agree (the queues have drained). */
async function settledOutcomes(members: Member[]): Promise<UserOutcome[]> {
  let previous = "";
  let outcomes: UserOutcome[] = [];
  const deadline = Date.now() + 180_000;
  for (;;) {
    outcomes = await mapBounded(members, 6, outcomeOf);
    const ring = await referralsOf(`${tag}-ring-a`);
    for (const item of (ring as { items?: Array<Record<string, unknown>> } | null)?.items ?? []) {
      const o = outcomes.find((x) => x.userId === item.refereeId);
      if (o && item.state === "held") o.referralHeldCodes = (item.holdReasons as string[]) ?? [];
    }
    const now = JSON.stringify(outcomes);
    if (now === previous || Date.now() > deadline) return outcomes;
    previous = now;
    await new Promise((r) => setTimeout(r, 5_000));
  }
}

function report(
  verdicts: ActorVerdict[],
  cleanCount: number,
  cleanHeld: UserOutcome[],
  cleanFlagged: UserOutcome[],
): void {
  console.log(
    `\nActor (accounts)            Held        Reasons seen                      Expected`,
  );
  for (const v of verdicts) {
    console.log(
      `${`${v.label} (${v.accounts})`.padEnd(28)}${`${v.held}/${v.accounts}`.padEnd(12)}${(v.seen.join(", ") || "—").padEnd(34)}${v.met ? "✓" : "✗"} ${v.expected.join(" | ")}`,
    );
  }
  const pct = (n: number) => `${((100 * n) / Math.max(1, cleanCount)).toFixed(2)}%`;
  console.log(
    `\nClean population: ${cleanCount} members, ${cleanHeld.length} held (${pct(cleanHeld.length)}), ${cleanFlagged.length} with a score reason (${pct(cleanFlagged.length)})`,
  );
  for (const o of cleanHeld.slice(0, 10)) {
    console.log(`  held: ${o.userId} [${o.noise.join(", ")}] ${o.heldCodes.join(", ")}`);
  }
  const flaggedBy = new Map<string, number>();
  for (const o of cleanFlagged) {
    for (const c of o.scoreCodes) flaggedBy.set(c, (flaggedBy.get(c) ?? 0) + 1);
  }
  if (flaggedBy.size > 0) {
    console.log(
      `  score reasons among clean members: ${[...flaggedBy].map(([c, n]) => `${c} ×${n}`).join(", ")}`,
    );
  }
  if (values.json) {
    console.log(JSON.stringify({ seed: SEED, verdicts, cleanCount, cleanHeld }, null, 2));
  }
}

// ---------------------------------------------------------------------------------------------

/**
 * fetch, again when wrangler's local proxy answers that the runtime restarted mid-request (a
 * 503 it gives on this kind of shared machine without any change to the files). Every call
 * here is safe to repeat: events and redemptions are idempotent by id and key, and the
 * sandbox's order calls answer a repeat with a conflict the caller accepts.
 */
async function fetchRetrying(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const original = new Request(input, init);
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(original.clone());
    if (response.status !== 503 || attempt >= 4) return response;
    const text = await response.clone().text();
    if (!text.includes("restarted mid-request")) return response;
    restartsSeen++;
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

function unique(items: string[]): string[] {
  return [...new Set(items)].sort();
}

async function waitFor<T>(
  probe: () => Promise<T | null | false>,
  what: string,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
