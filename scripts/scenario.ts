import { sign } from "hono/jwt";
import { adminClient, ok, userClient } from "#client/index";
import { Mulberry32 } from "#dev/sandbox-network/engine/prng";
import { SANDBOX_NETWORK_ID } from "./demo-data";
import { readDevVars } from "./lib/dev-vars";

/**
 * `npm run scenario` — the cashback lifecycle at volume against a running `npm run dev`,
 * through the sandbox network: real clicks through the redirect, orders placed at the
 * sandbox, postbacks duplicated, lost and shuffled, report reconciliation, returns after
 * confirmation, then every wallet compared with an oracle computed here from the orders.
 *
 *   SCENARIO_ORDERS=1000 SCENARIO_USERS=50 npm run scenario
 *
 * (The test suite runs the same scenario, plus payouts before returns, in
 * test/scenario.e2e.test.ts.) The api is called through the typed client (client/); the
 * sandbox network and the redirect are not part of the api's document and are fetched.
 */
const BASE = process.env.BASE_URL ?? "http://localhost:8787";
const ORDERS = Number(process.env.SCENARIO_ORDERS ?? 200);
const USERS = Number(process.env.SCENARIO_USERS ?? 10);
const OFFER = "sandbox-store-5pct";
const RATE_BPS = 500;
const vars = readDevVars();
const runTag = Date.now().toString(36);
const admin = adminClient({ baseUrl: BASE }, vars.ADMIN_API_KEY);

type Klass = "cancelled" | "returned" | "partial" | "window" | "approved";
const cashbackOf = (saleMinor: number) => Math.floor((saleMinor * RATE_BPS) / 10_000);

/** A POST to the sandbox network (dev/sandbox-network), which is not in the api's document. */
async function post(path: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${BASE}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${path} → ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function tokenFor(userId: string): Promise<string> {
  return sign(
    { sub: userId, exp: Math.floor(Date.now() / 1000) + 3600 },
    vars.USER_JWT_SECRET,
    "HS256",
  );
}

async function wallet(userId: string): Promise<{ pending: number; confirmed: number }> {
  const user = userClient({ baseUrl: BASE }, await tokenFor(userId));
  const body = ok(await user.GET("/v1/me/wallet"));
  const inr = body.balances.find((b) => b.currency === "INR");
  return { pending: inr?.pendingMinor ?? 0, confirmed: inr?.confirmedMinor ?? 0 };
}

async function deliverAll(): Promise<number> {
  let sent = 0;
  for (;;) {
    const result = (await post("/sandbox/deliver", { limit: 200 })) as {
      delivered: unknown[];
      pending: number;
    };
    sent += result.delivered.length;
    if (result.delivered.length === 0 && result.pending === 0) return sent;
    if (result.delivered.length === 0) await new Promise((r) => setTimeout(r, 200));
  }
}

async function reconcile(label: string) {
  const summary = ok(
    await admin.POST("/admin/v1/networks/{id}/reconcile", {
      params: { path: { id: SANDBOX_NETWORK_ID } },
      body: {},
    }),
  );
  const { created, updated, matched, reported } = summary.counts;
  console.log(
    `  reconciliation ${label}: ${reported} reported, ${matched} matched, ${created} created, ${updated} updated, ${summary.unexplained} unexplained (${summary.runId})`,
  );
  return summary;
}

async function waitForOracle(
  users: string[],
  want: Map<string, { pending: number; confirmed: number }>,
  label: string,
) {
  const deadline = Date.now() + 120_000;
  let matched = 0;
  while (Date.now() < deadline) {
    matched = 0;
    for (const user of users) {
      const got = await wallet(user);
      const expected = want.get(user) ?? { pending: 0, confirmed: 0 };
      if (got.pending === expected.pending && got.confirmed === expected.confirmed) matched++;
    }
    if (matched === users.length) break;
    await new Promise((r) => setTimeout(r, 1_000));
  }
  console.log(`  ${label}: ${matched}/${users.length} wallets equal the oracle`);
  return matched === users.length;
}

const users = Array.from({ length: USERS }, (_, i) => `scn-${runTag}-u${i}`);
console.log(`Scenario ${runTag}: ${ORDERS} orders for ${USERS} users against ${BASE}`);

// 1. Real clicks: each order needs a sub-ID minted by the redirect worker.
const perUser = Math.ceil(ORDERS / USERS);
const subIds = new Map<string, string[]>();
for (const user of users) {
  const offers = ok(await userClient({ baseUrl: BASE }, await tokenFor(user)).GET("/v1/offers"));
  const link = offers.items.find((o) => o.id === OFFER)?.trackingUrl;
  if (!link) throw new Error(`offer ${OFFER} not listed: is the demo data loaded?`);
  const list: string[] = [];
  for (let k = 0; k < perUser; k++) {
    const response = await fetch(link, { redirect: "manual" });
    list.push(new URL(response.headers.get("location") ?? "").searchParams.get("subid") ?? "");
  }
  subIds.set(user, list);
}
console.log(`  ${USERS * perUser} clicks through the redirect`);
await new Promise((r) => setTimeout(r, 2_000));

// 2. Plan: 20% cancelled, 10% returned after confirmation, 5% partial refunds, 15% left to the
//    return window, the rest approved; every postback of 10% of orders lost, 30% duplicated.
const prng = new Mulberry32(Number.parseInt(runTag.slice(-6), 36));
const klasses: Klass[] = Array.from({ length: ORDERS }, (_, i) => {
  const f = i / ORDERS;
  return f < 0.2
    ? "cancelled"
    : f < 0.3
      ? "returned"
      : f < 0.35
        ? "partial"
        : f < 0.5
          ? "window"
          : "approved";
});
prng.shuffle(klasses);
const orders = klasses.map((klass, i) => {
  const user = users[i % USERS] as string;
  const sale = 1_000 + prng.int(500_000);
  return {
    id: `SCN-${runTag}-${i}`,
    user,
    subId: (subIds.get(user) as string[])[Math.floor(i / USERS)] as string,
    klass,
    sale,
    finalSale: klass === "partial" ? Math.floor(sale / 2) : sale,
    faults: { lose: prng.chance(0.1), duplicates: prng.chance(0.3) ? 2 : 1 },
  };
});

// 3. Phase 1 at the sandbox, delivered shuffled.
await post("/sandbox/faults", { shuffle: true });
for (const o of orders) {
  await post("/sandbox/orders", {
    order_id: o.id,
    sub_id: o.subId,
    currency: "INR",
    sale_amount_minor: o.sale,
    commission_minor: Math.floor(o.sale / 10),
    faults: o.faults,
  });
  if (o.klass === "cancelled") await post(`/sandbox/orders/${o.id}/cancel`, { faults: o.faults });
  if (o.klass === "approved" || o.klass === "returned" || o.klass === "partial") {
    await post(`/sandbox/orders/${o.id}/approve`, { faults: o.faults });
  }
  if (o.klass === "partial") {
    await post(`/sandbox/orders/${o.id}/refund`, {
      sale_amount_minor: o.sale - o.finalSale,
      commission_minor: Math.floor(o.sale / 10) - Math.floor(o.finalSale / 10),
      faults: o.faults,
    });
  }
}
console.log(
  `  phase 1: ${await deliverAll()} postbacks delivered (${orders.filter((o) => o.faults.lose).length} orders' postbacks lost)`,
);
await new Promise((r) => setTimeout(r, 3_000));
const recon1 = await reconcile("after phase 1");

const phase1 = new Map<string, { pending: number; confirmed: number }>();
const final = new Map<string, { pending: number; confirmed: number }>();
for (const o of orders) {
  const p = phase1.get(o.user) ?? { pending: 0, confirmed: 0 };
  const f = final.get(o.user) ?? { pending: 0, confirmed: 0 };
  if (o.klass === "window") {
    p.pending += cashbackOf(o.sale);
    f.confirmed += cashbackOf(o.sale);
  }
  if (o.klass === "approved" || o.klass === "returned" || o.klass === "partial")
    p.confirmed += cashbackOf(o.finalSale);
  if (o.klass === "approved" || o.klass === "partial") f.confirmed += cashbackOf(o.finalSale);
  phase1.set(o.user, p);
  final.set(o.user, f);
}
const phase1Ok = await waitForOracle(users, phase1, "after phase 1");

// 4. Phase 2: returns after confirmation.
for (const o of orders) {
  if (o.klass === "returned") await post(`/sandbox/orders/${o.id}/cancel`, { faults: o.faults });
}
console.log(`  phase 2: ${await deliverAll()} postbacks delivered`);
await new Promise((r) => setTimeout(r, 3_000));
const recon2 = await reconcile("after returns");

// 5. The return windows close (dev-only clock override), then the final comparison.
ok(
  await admin.POST("/admin/v1/confirmations/run", {
    body: { asOf: new Date(Date.now() + 31 * 86_400_000).toISOString() },
  }),
);
const finalOk = await waitForOracle(users, final, "final");

await post("/sandbox/faults", { shuffle: false });
const unexplained = recon1.unexplained + recon2.unexplained;
console.log(
  unexplained === 0 && phase1Ok && finalOk ? "PASS" : `FAIL (${unexplained} unexplained)`,
);
process.exit(unexplained === 0 && phase1Ok && finalOk ? 0 : 1);
