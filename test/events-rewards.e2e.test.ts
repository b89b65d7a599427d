import { beforeAll, describe, expect, test } from "vitest";
import { eventId, purchase, sendEvents } from "./events-client";
import { ADMIN_HEADERS, api, mintUserJwt, uniqueUser, walletStub } from "./helpers";

/**
 * Events earn points through the published rules, end to end: an operator publishes a rule set
 * through the admin API; the backend's events go through the events worker into the user's
 * wallet, which evaluates the live version and earns lots keyed by (event, rule); refunds take
 * back their share, a chargeback all of it, and a chargeback the member wins restores it.
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

async function publish(rules: unknown[]) {
  const draft = await api("/admin/v1/rules/draft", {
    method: "PUT",
    headers: ADMIN_HEADERS,
    body: JSON.stringify({
      timeZone: "Asia/Kolkata",
      groups: [{ name: "base", mode: "stackable" }],
      rules,
      basedOnVersion: await liveVersion(),
    }),
  });
  expect(draft.status, await draft.clone().text()).toBe(200);
  const published = await api("/admin/v1/rules/publish", {
    method: "POST",
    headers: ADMIN_HEADERS,
    body: JSON.stringify({ note: "test" }),
  });
  expect(published.status, await published.clone().text()).toBe(201);
  return ((await published.json()) as { version: number }).version;
}

async function liveVersion(): Promise<number | null> {
  const live = await api("/admin/v1/rules/live", { headers: ADMIN_HEADERS });
  return live.status === 200 ? ((await live.json()) as { version: number }).version : null;
}

async function points(user: string) {
  const response = await api("/v1/me/points", {
    headers: { authorization: `Bearer ${await mintUserJwt(user)}` },
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { balance: Record<string, number> }).balance;
}

/** The event as the user's wallet holds it (status and outcome). */
function outcomeOf(user: string, id: string) {
  return walletStub(user).getEvent(id);
}

const PER_RUPEE = rule(
  "per-rupee",
  ["purchase.completed"],
  [{ kind: "points_per_unit", points: 1, perUnitMinor: 100 }],
  { conditions: { all: [{ attr: "event.amountMinor", op: "gte", value: 10_000 }] } },
);
const WELCOME = rule("welcome", ["user.signed_up"], [{ kind: "points_fixed", points: 500 }]);
const REVIEWS = rule("reviews", ["review.published"], [{ kind: "points_fixed", points: 50 }], {
  budgets: [{ entity: "user", period: "month", limit: { points: 100 } }],
});

let version = 0;
beforeAll(async () => {
  version = await publish([PER_RUPEE, WELCOME, REVIEWS]);
});

const signUp = (user: string) =>
  sendEvents({
    id: eventId("signup"),
    type: "user.signed_up",
    userId: user,
    occurredAt: "2026-11-01T09:00:00Z",
    data: {},
  });

const refund = (user: string, originalEventId: string, amountMinor: number) => ({
  id: eventId("refund"),
  type: "refund.completed",
  userId: user,
  occurredAt: "2026-11-21T10:00:00Z",
  data: { originalEventId, amountMinor, currency: "INR" },
});

describe("events earn points through the live rules", () => {
  test("a sign-up and a purchase earn their rules' points, once however often they are sent", async () => {
    const user = uniqueUser("rewards");
    expect((await signUp(user)).status).toBe(202);
    const buy = eventId("buy");
    expect((await sendEvents(purchase(user, buy, 120_000))).status).toBe(202);
    expect((await sendEvents(purchase(user, buy, 120_000))).status).toBe(200);
    expect(await points(user)).toMatchObject({ activePoints: 500 + 1_200, pendingPoints: 0 });
    expect((await outcomeOf(user, buy))?.outcome).toEqual({
      result: "processed",
      ruleSetVersion: version,
      rewards: [{ ruleId: "per-rupee", ruleVersion: version, kind: "points", points: 1_200 }],
    });
  });

  test("a purchase below the rule's threshold earns nothing", async () => {
    const user = uniqueUser("rewards-small");
    const buy = eventId("small");
    await sendEvents(purchase(user, buy, 5_000));
    expect(await points(user)).toMatchObject({ activePoints: 0 });
    expect((await outcomeOf(user, buy))?.outcome).toEqual({
      result: "processed",
      ruleSetVersion: version,
    });
  });

  test("partial refunds take back their share; the one that completes the order takes the rest", async () => {
    const user = uniqueUser("rewards-refund");
    const buy = eventId("buy");
    await sendEvents(purchase(user, buy, 100_001));
    expect(await points(user)).toMatchObject({ activePoints: 1_000 });
    await sendEvents(refund(user, buy, 33_333));
    // A third of 1,000 points, rounded down: 333 taken back.
    expect(await points(user)).toMatchObject({ activePoints: 667, reversedPoints: 333 });
    await sendEvents(refund(user, buy, 66_668));
    expect(await points(user)).toMatchObject({ activePoints: 0, reversedPoints: 1_000 });
  });

  test("a refund of nothing takes nothing, and the inbox goes on", async () => {
    const user = uniqueUser("rewards-zero");
    const buy = eventId("buy");
    await sendEvents(purchase(user, buy, 100_000));
    const zero = refund(user, buy, 0);
    await sendEvents(zero);
    const after = eventId("buy");
    await sendEvents(purchase(user, after, 20_000));
    expect(await points(user)).toMatchObject({ activePoints: 1_200, reversedPoints: 0 });
    expect((await outcomeOf(user, zero.id))?.status).toBe("processed");
  });

  test("a refund that arrives before its purchase waits, then takes back its share", async () => {
    const user = uniqueUser("rewards-order");
    const buy = eventId("buy");
    await sendEvents(refund(user, buy, 50_000));
    await sendEvents(purchase(user, buy, 200_000));
    expect(await points(user)).toMatchObject({ activePoints: 1_500, reversedPoints: 500 });
  });

  test("a chargeback takes it all back; a chargeback the member wins restores it exactly", async () => {
    const user = uniqueUser("rewards-cb");
    const buy = eventId("buy");
    await sendEvents(purchase(user, buy, 80_000));
    const chargeback = (type: string, data: object) =>
      sendEvents({
        id: eventId("cb"),
        type,
        userId: user,
        occurredAt: "2026-11-25T10:00:00Z",
        data: { originalEventId: buy, ...data },
      });
    await chargeback("chargeback.created", {});
    expect(await points(user)).toMatchObject({ activePoints: 0, reversedPoints: 800 });
    await chargeback("chargeback.resolved", { outcome: "user_won" });
    expect(await points(user)).toMatchObject({ activePoints: 800, reversedPoints: 0 });
  });

  test("points already spent when a refund comes become visible debt, never a negative balance", async () => {
    const user = uniqueUser("rewards-debt");
    const buy = eventId("buy");
    await sendEvents(purchase(user, buy, 100_000));
    const spent = await walletStub(user).redeemPointsForCashback(
      user,
      { key: "spend-all", points: 1_000 },
      { points: 100, amountMinor: 100, currency: "INR" },
    );
    expect(spent.status).toBe("created");
    await sendEvents(refund(user, buy, 100_000));
    expect(await points(user)).toMatchObject({ activePoints: 0, debtPoints: 1_000 });
  });

  test("a rule with a budget earns until the budget is used up, never past it", async () => {
    const user = uniqueUser("rewards-budget");
    const reviews = [eventId("review"), eventId("review"), eventId("review")];
    for (const [i, review] of reviews.entries()) {
      await sendEvents({
        id: review,
        type: "review.published",
        userId: user,
        occurredAt: "2026-11-20T10:00:00Z",
        data: { reviewId: `r${i}` },
      });
    }
    // 50 a review, 100 per member per month: the third review is granted nothing.
    expect(await points(user)).toMatchObject({ activePoints: 100 });
    expect((await outcomeOf(user, reviews[2] as string))?.outcome).toMatchObject({
      rewards: [{ ruleId: "reviews", kind: "skipped", asked: 50 }],
    });
  });

  test("a new version takes effect without a deploy; lots record the version that earned them", async () => {
    const next = await publish([
      { ...PER_RUPEE, effects: [{ kind: "points_per_unit", points: 2, perUnitMinor: 100 }] },
      WELCOME,
    ]);
    expect(next).toBe(version + 1);
    const user = uniqueUser("rewards-v2");
    const buy = eventId("buy");
    await sendEvents(purchase(user, buy, 10_000));
    expect(await points(user)).toMatchObject({ activePoints: 200 });
    const lots = await api("/v1/me/points/lots", {
      headers: { authorization: `Bearer ${await mintUserJwt(user)}` },
    });
    const { items } = (await lots.json()) as { items: { ruleId: string; ruleVersion: number }[] };
    expect(items).toEqual([expect.objectContaining({ ruleId: "per-rupee", ruleVersion: next })]);
  });
});
