import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, test } from "vitest";
import { InjectedFault, installFaultInjector } from "#durable-objects/shared/faults";
import { userDb } from "#shared/db/router";
import { eventId, purchase, sendEvents } from "./events-client";
import { ADMIN_HEADERS, api, balances, eventually, uniqueUser, walletStub } from "./helpers";

/**
 * Cashback from events and rules with budgets, end to end: the operator publishes rules, the
 * backend's events go through the events worker into each user's wallet, and a budgeted reward
 * is granted by its budget objects after the event's transaction (the two-step grant) — never
 * past a budget, however many wallets ask at once — and released when a refund takes it back.
 */

const rule = (id: string, eventTypes: string[], effects: unknown[], extra: object = {}) => ({
  id,
  name: id,
  eventTypes,
  conditions: { all: [] },
  effects,
  priority: 10,
  group: "base",
  active: true,
  ...extra,
});

/** 5% cashback on purchases of merchant `m-plain`, no budget. */
const PLAIN = rule(
  "plain-5pc",
  ["purchase.completed"],
  [{ kind: "cashback_percent", rateBps: 500 }],
  {
    conditions: { all: [{ attr: "event.merchantId", op: "eq", value: "m-plain" }] },
  },
);
/** 5% on `m-capped`, at most 10,000 minor in all. */
const CAPPED = rule(
  "capped-5pc",
  ["purchase.completed"],
  [{ kind: "cashback_percent", rateBps: 500 }],
  {
    conditions: { all: [{ attr: "event.merchantId", op: "eq", value: "m-capped" }] },
    budgets: [
      { entity: "global", period: "lifetime", limit: { amountMinor: 10_000, currency: "INR" } },
    ],
  },
);
/** 5% on `m-disputed`, at most 100,000 minor in all (the chargeback test's own budget). */
const DISPUTED = rule(
  "disputed-5pc",
  ["purchase.completed"],
  [{ kind: "cashback_percent", rateBps: 500 }],
  {
    conditions: { all: [{ attr: "event.merchantId", op: "eq", value: "m-disputed" }] },
    budgets: [
      { entity: "global", period: "lifetime", limit: { amountMinor: 100_000, currency: "INR" } },
    ],
  },
);
/** 80 points a review, at most 100 per user per month and 120 in all. */
const REVIEWS = rule("reviews-80", ["review.published"], [{ kind: "points_fixed", points: 80 }], {
  budgets: [
    { entity: "user", period: "month", limit: { points: 100 } },
    { entity: "global", period: "lifetime", limit: { points: 120 } },
  ],
});

let version = 0;
beforeAll(async () => {
  const draft = await api("/admin/v1/rules/draft", {
    method: "PUT",
    headers: ADMIN_HEADERS,
    body: JSON.stringify({
      timeZone: "Asia/Kolkata",
      groups: [{ name: "base", mode: "stackable" }],
      rules: [PLAIN, CAPPED, DISPUTED, REVIEWS],
      basedOnVersion: null,
    }),
  });
  expect(draft.status, await draft.clone().text()).toBe(200);
  const published = await api("/admin/v1/rules/publish", {
    method: "POST",
    headers: ADMIN_HEADERS,
    body: JSON.stringify({ note: "grants test" }),
  });
  expect(published.status, await published.clone().text()).toBe(201);
  version = ((await published.json()) as { version: number }).version;
});

const buy = (user: string, id: string, amountMinor: number, merchantId: string) =>
  purchase(user, id, amountMinor, { merchantId });

const refund = (user: string, originalEventId: string, amountMinor: number) => ({
  id: eventId("refund"),
  type: "refund.completed",
  userId: user,
  occurredAt: "2026-11-21T10:00:00Z",
  data: { originalEventId, amountMinor, currency: "INR" },
});

const chargeback = (user: string, originalEventId: string, outcome?: "user_won" | "user_lost") => ({
  id: eventId("cb"),
  type: outcome ? "chargeback.resolved" : "chargeback.created",
  userId: user,
  occurredAt: "2026-11-25T10:00:00Z",
  data: { originalEventId, ...(outcome ? { outcome } : {}) },
});

async function usage(key: string) {
  const response = await api(`/admin/v1/budgets/${encodeURIComponent(key)}`, {
    headers: ADMIN_HEADERS,
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as {
    grantedTotal: number;
    outstanding: number;
    remaining: number;
  };
}

async function rewardsOf(user: string, id: string) {
  return (await walletStub(user).getEvent(id))?.outcome?.rewards;
}

/** The user's money ledger, newest first, as the wallet object keeps it. */
function ledger(user: string) {
  return walletStub(user).listLedger(null, 50);
}

describe("cashback from events", () => {
  test("a purchase earns its rule's cashback in confirmed, and the entry names the rule version", async () => {
    const user = uniqueUser("grant-cash");
    const id = eventId("buy");
    expect((await sendEvents(buy(user, id, 100_000, "m-plain"))).status).toBe(202);
    expect(await balances(user)).toMatchObject({ confirmed: 5_000 });
    expect(await rewardsOf(user, id)).toEqual([
      {
        ruleId: "plain-5pc",
        ruleVersion: version,
        kind: "cashback",
        amountMinor: 5_000,
        currency: "INR",
      },
    ]);
    const entries = await ledger(user);
    expect(entries).toContainEqual(
      expect.objectContaining({
        kind: "event_cashback",
        bucket: "confirmed",
        amountMinor: 5_000,
        ruleId: "plain-5pc",
        ruleVersion: version,
      }),
    );
  });

  test("the balances projection in D1 follows an event's cashback and its take-back", async () => {
    const user = uniqueUser("grant-projected");
    const id = eventId("buy");
    const projected = async () =>
      (
        await userDb(env, user)
          .prepare(`SELECT balance_minor FROM wallet_balances WHERE user_id = ? AND bucket = ?`)
          .bind(user, "confirmed")
          .first<{ balance_minor: number }>()
      )?.balance_minor ?? null;
    expect((await sendEvents(buy(user, id, 100_000, "m-plain"))).status).toBe(202);
    await eventually(async () => (await projected()) === 5_000);
    await sendEvents(refund(user, id, 33_333));
    await eventually(async () => (await projected()) === 5_000 - 1_666);
  });

  test("the same event sent 20 times at once earns once", async () => {
    const user = uniqueUser("grant-twenty");
    const id = eventId("buy");
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => sendEvents(buy(user, id, 100_000, "m-plain"))),
    );
    expect(answers.filter((r) => r.status === 202)).toHaveLength(1);
    expect(answers.filter((r) => r.status === 200)).toHaveLength(19);
    expect(await balances(user)).toMatchObject({ confirmed: 5_000 });
  });

  test("a partial refund takes its share back, the refund that completes it takes the rest", async () => {
    const user = uniqueUser("grant-refund");
    const id = eventId("buy");
    await sendEvents(buy(user, id, 100_000, "m-plain"));
    await sendEvents(refund(user, id, 33_333));
    // floor(5,000 × 33,333 / 100,000) = 1,666
    expect(await balances(user)).toMatchObject({ confirmed: 5_000 - 1_666 });
    await sendEvents(refund(user, id, 66_667));
    expect(await balances(user)).toMatchObject({ confirmed: 0 });
    expect(await walletStub(user).audit()).toEqual({ ok: true, violations: [] });
    const rollbacks = (await ledger(user)).filter((e) => e.kind === "event_cashback_rollback");
    expect(rollbacks.map((e) => e.amountMinor).sort()).toEqual([-1_666, -3_334].sort());
  });

  test("a chargeback takes all of it back; won by the member, all of it comes back", async () => {
    const user = uniqueUser("grant-cb");
    const id = eventId("buy");
    await sendEvents(buy(user, id, 100_000, "m-plain"));
    await sendEvents(chargeback(user, id));
    expect(await balances(user)).toMatchObject({ confirmed: 0 });
    await sendEvents(chargeback(user, id, "user_won"));
    expect(await balances(user)).toMatchObject({ confirmed: 5_000 });
    expect(await walletStub(user).audit()).toEqual({ ok: true, violations: [] });
  });
});

describe("rules with budgets", () => {
  test("wallets asking one global budget at once are never granted past it", async () => {
    const users = Array.from({ length: 4 }, (_, i) => uniqueUser(`grant-global-${i}`));
    const ids = users.map(() => eventId("buy"));
    await Promise.all(
      users.map((u, i) => sendEvents(buy(u, ids[i] as string, 100_000, "m-capped"))),
    );
    const confirmed = await Promise.all(users.map(async (u) => (await balances(u)).confirmed ?? 0));
    // Four asks of 5,000 against 10,000: two are granted in full, the others nothing.
    expect(confirmed.reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(confirmed.filter((c) => c === 5_000)).toHaveLength(2);
    const key = "rule:capped-5pc:global:lifetime";
    expect(await usage(key)).toMatchObject({
      grantedTotal: 10_000,
      outstanding: 10_000,
      remaining: 0,
    });
    const refused = users.findIndex((_, i) => confirmed[i] === 0);
    expect(await rewardsOf(users[refused] as string, ids[refused] as string)).toEqual([
      expect.objectContaining({ ruleId: "capped-5pc", kind: "skipped", asked: 5_000 }),
    ]);

    // A full refund gives its grant back to the budget; the next purchase is granted again.
    const paid = confirmed.indexOf(5_000);
    await sendEvents(refund(users[paid] as string, ids[paid] as string, 100_000));
    expect(await usage(key)).toMatchObject({ outstanding: 5_000, remaining: 5_000 });
    const late = uniqueUser("grant-global-late");
    await sendEvents(buy(late, eventId("buy"), 100_000, "m-capped"));
    expect(await balances(late)).toMatchObject({ confirmed: 5_000 });
  });

  test("a reward under two budgets gets what the tightest grants, and neither holds more", async () => {
    const first = uniqueUser("grant-two-a");
    const second = uniqueUser("grant-two-b");
    const review = (user: string) => ({
      id: eventId("review"),
      type: "review.published",
      userId: user,
      occurredAt: "2026-11-20T10:00:00Z",
      data: { reviewId: eventId("r") },
    });
    await sendEvents(review(first));
    const secondReview = review(second);
    await sendEvents(secondReview);
    const active = async (u: string) => (await walletStub(u).getPointsBalance()).activePoints;
    expect(await active(first)).toBe(80);
    // 120 in all: the second member's user budget (100) would give 80, the global one 40.
    expect(await active(second)).toBe(40);
    expect(await rewardsOf(second, secondReview.id)).toEqual([
      { ruleId: "reviews-80", ruleVersion: version, kind: "points", points: 40, asked: 80 },
    ]);
    const month = "2026-11";
    expect(await usage(`rule:reviews-80:user:${second}:month:${month}`)).toMatchObject({
      grantedTotal: 80,
      outstanding: 40,
    });
    expect(await usage("rule:reviews-80:global:lifetime")).toMatchObject({ outstanding: 120 });
  });

  test("a chargeback keeps the budget held until it is resolved; lost, it is released", async () => {
    const user = uniqueUser("grant-cb-budget");
    const key = "rule:disputed-5pc:global:lifetime";
    const id = eventId("buy");
    await sendEvents(buy(user, id, 40_000, "m-disputed"));
    expect(await balances(user)).toMatchObject({ confirmed: 2_000 });
    expect(await usage(key)).toMatchObject({ outstanding: 2_000 });
    await sendEvents(chargeback(user, id));
    expect(await balances(user)).toMatchObject({ confirmed: 0 });
    expect(await usage(key)).toMatchObject({ outstanding: 2_000 });
    await sendEvents(chargeback(user, id, "user_lost"));
    expect(await usage(key)).toMatchObject({ outstanding: 0, grantedTotal: 2_000 });
    expect(await balances(user)).toMatchObject({ confirmed: 0 });
  });

  test("a refund while a chargeback is open is final: won, the member gets back only what the refund left, and the budget holds that", async () => {
    const user = uniqueUser("grant-cb-refund");
    const key = "rule:disputed-5pc:global:lifetime";
    const id = eventId("buy");
    const at = (day: number) => `2026-11-${day}T10:00:00Z`;
    const start = (await usage(key)).outstanding;
    await sendEvents({ ...buy(user, id, 40_000, "m-disputed"), occurredAt: at(20) });
    await sendEvents({ ...chargeback(user, id), occurredAt: at(21) });
    // A quarter of the purchase refunded while the dispute is open: its share, ⌊2,000 / 4⌋,
    // is final, so the budget holds the rest and a won dispute gives back only the rest.
    await sendEvents({ ...refund(user, id, 10_000), occurredAt: at(22) });
    expect(await balances(user)).toMatchObject({ confirmed: 0 });
    expect((await usage(key)).outstanding - start).toBe(1_500);
    await sendEvents({ ...chargeback(user, id, "user_won"), occurredAt: at(23) });
    expect(await balances(user)).toMatchObject({ confirmed: 1_500 });
    expect((await usage(key)).outstanding - start).toBe(1_500);
    expect(await walletStub(user).audit()).toEqual({ ok: true, violations: [] });

    // Lost instead: the refund's share and the rest are both gone, and the budget lets go.
    const other = uniqueUser("grant-cb-refund-lost");
    const lostId = eventId("buy");
    await sendEvents({ ...buy(other, lostId, 40_000, "m-disputed"), occurredAt: at(20) });
    await sendEvents({ ...chargeback(other, lostId), occurredAt: at(21) });
    await sendEvents({ ...refund(other, lostId, 10_000), occurredAt: at(22) });
    await sendEvents({ ...chargeback(other, lostId, "user_lost"), occurredAt: at(23) });
    expect(await balances(other)).toMatchObject({ confirmed: 0 });
    expect((await usage(key)).outstanding - start).toBe(1_500);
  });

  test("a grant whose budget call failed is retried once runDue is driven past its 30 s wait, and posted once", async () => {
    const user = uniqueUser("grant-asof");
    const key = "rule:disputed-5pc:global:lifetime";
    const id = eventId("buy");
    // Run alone, no reward has drawn on this budget yet (404): it holds nothing.
    const read = await api(`/admin/v1/budgets/${encodeURIComponent(key)}`, {
      headers: ADMIN_HEADERS,
    });
    const start = read.status === 404 ? 0 : (await usage(key)).outstanding;
    // The budget grants; the wallet, alive, throws before posting the grant, once: the grant
    // is postponed 30 s (GRANT_RETRY_MS).
    const wallet = env.WALLET.idFromName(user).toString();
    let thrown = 0;
    installFaultInjector((point, scope) => {
      if (point === "wallet.grant.after_budget" && scope === wallet && thrown++ === 0)
        throw new InjectedFault(point);
    });
    try {
      expect((await sendEvents(buy(user, id, 40_000, "m-disputed"))).status).toBe(202);
    } finally {
      installFaultInjector(null);
    }
    expect(thrown).toBe(1);
    expect((await balances(user)).confirmed ?? 0).toBe(0);
    expect((await usage(key)).outstanding - start).toBe(2_000);

    // As of now the retry is not due; driven 31 s ahead it is asked again (the same value,
    // saved before the first ask) and posted; a second run finds nothing owed.
    await walletStub(user).runDue(Date.now());
    expect((await balances(user)).confirmed ?? 0).toBe(0);
    for (let run = 0; run < 2; run++) await walletStub(user).runDue(Date.now() + 31_000);
    expect(await balances(user)).toMatchObject({ confirmed: 2_000 });
    expect((await usage(key)).outstanding - start).toBe(2_000);
    expect(await rewardsOf(user, id)).toEqual([
      expect.objectContaining({ ruleId: "disputed-5pc", amountMinor: 2_000 }),
    ]);
    expect((await ledger(user)).filter((e) => e.kind === "event_cashback")).toHaveLength(1);
    expect(await walletStub(user).audit()).toEqual({ ok: true, violations: [] });
  });
});

describe("the simulator and budgets", () => {
  test("a simulated event shows what its budgets would grant now, and why it is capped", async () => {
    // capped-5pc's 10,000 is all granted by the tests above.
    const response = await api("/admin/v1/rules/simulate", {
      method: "POST",
      headers: ADMIN_HEADERS,
      body: JSON.stringify({
        against: "live",
        event: buy(uniqueUser("grant-sim"), eventId("buy"), 100_000, "m-capped"),
      }),
    });
    expect(response.status, await response.clone().text()).toBe(200);
    const body = (await response.json()) as {
      budgets: Array<{ ruleId: string; asked: number; wouldGrant: number; reason: string | null }>;
    };
    expect(body.budgets).toEqual([
      expect.objectContaining({
        ruleId: "capped-5pc",
        asked: 5_000,
        wouldGrant: 0,
        reason: "capped by rule:capped-5pc:global:lifetime: 0 of 10000 left",
      }),
    ]);
    // A read: the budget is as it was.
    expect(await usage("rule:capped-5pc:global:lifetime")).toMatchObject({ outstanding: 10_000 });
  });
});
