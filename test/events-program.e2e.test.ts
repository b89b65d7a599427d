import { beforeAll, describe, expect, test } from "vitest";
import { eventId, sendEvents } from "./events-client";
import { ADMIN_HEADERS, api, mintUserJwt, uniqueUser } from "./helpers";

/**
 * The loyalty program's settings drive what events earn, end to end: the operator saves the
 * program (pending period, validity, tiers) through the admin API, publishes rules, and the
 * backend's purchases earn pending points that last as long as the program says, count
 * towards the tier (which rules then read), and a refund takes the spend back — the tier kept
 * through its grace period.
 */

const KOLKATA_OFFSET_MS = 5.5 * 3_600_000;
const DAY_MS = 86_400_000;

beforeAll(async () => {
  const saved = await api("/admin/v1/loyalty/program", {
    method: "PUT",
    headers: ADMIN_HEADERS,
    body: JSON.stringify({
      settings: {
        timeZone: "Asia/Kolkata",
        currency: "INR",
        points: {
          validity: { period: "3M", roundUpTo: "month" },
          pendingDays: 7,
          redemption: { cashback: null, minPoints: 0 },
        },
        tiers: {
          enabled: true,
          tiers: [
            { name: "Bronze", thresholdMinor: 0 },
            { name: "Silver", thresholdMinor: 50_000 },
            { name: "Gold", thresholdMinor: 200_000 },
          ],
          windowMonths: 12,
          graceDays: 30,
          upgradeImmediately: true,
        },
      },
      note: "events program test",
    }),
  });
  expect(saved.status, await saved.clone().text()).toBeLessThan(300);
  const draft = await api("/admin/v1/rules/draft", {
    method: "PUT",
    headers: ADMIN_HEADERS,
    body: JSON.stringify({
      timeZone: "Asia/Kolkata",
      groups: [{ name: "base", mode: "stackable" }],
      rules: [
        {
          id: "per-rupee",
          name: "a point per rupee",
          eventTypes: ["purchase.completed"],
          conditions: { all: [] },
          effects: [{ kind: "points_per_unit", points: 1, perUnitMinor: 100 }],
          priority: 10,
          group: "base",
          active: true,
        },
        {
          id: "gold-double",
          name: "Gold members earn double",
          eventTypes: ["purchase.completed"],
          conditions: { all: [{ attr: "user.tier", op: "eq", value: "Gold" }] },
          effects: [{ kind: "multiplier", factorBps: 20_000, appliesTo: "points" }],
          priority: 5,
          group: "base",
          active: true,
        },
      ],
      basedOnVersion: null,
    }),
  });
  expect(draft.status, await draft.clone().text()).toBe(200);
  const published = await api("/admin/v1/rules/publish", {
    method: "POST",
    headers: ADMIN_HEADERS,
    body: JSON.stringify({ note: "program test" }),
  });
  expect(published.status).toBe(201);
});

const buy = (user: string, amountMinor: number, id = eventId("buy")) => ({
  id,
  type: "purchase.completed",
  userId: user,
  occurredAt: new Date().toISOString(),
  data: { amountMinor, currency: "INR", orderId: `ord-${id}` },
});

async function summary(user: string) {
  const response = await api("/v1/me/points", {
    headers: { authorization: `Bearer ${await mintUserJwt(user)}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as {
    balance: { activePoints: number; pendingPoints: number };
    tier: { tier: string; qualifyingSpendMinor: number; graceEndsAt: string | null } | null;
  };
}

async function lots(user: string) {
  const response = await api("/v1/me/points/lots", {
    headers: { authorization: `Bearer ${await mintUserJwt(user)}` },
  });
  return (
    (await response.json()) as {
      items: Array<{
        earnedPoints: number;
        pendingUntil: string | null;
        expiresAt: string | null;
        earnedAt: string;
      }>;
    }
  ).items;
}

describe("the program's settings in earning", () => {
  test("points are pending for the program's days and last its validity, to a month's end", async () => {
    const user = uniqueUser("program-pending");
    await sendEvents(buy(user, 60_000));
    expect((await summary(user)).balance).toMatchObject({ pendingPoints: 600, activePoints: 0 });
    const [lot] = await lots(user);
    const earnedAtMs = Date.parse(lot?.earnedAt ?? "");
    expect(Date.parse(lot?.pendingUntil ?? "")).toBe(earnedAtMs + 7 * DAY_MS);
    // 3 months rounded up to the end of the month: expires at a local midnight on the 1st.
    const localExpiry = new Date(Date.parse(lot?.expiresAt ?? "") + KOLKATA_OFFSET_MS);
    expect(localExpiry.getUTCDate()).toBe(1);
    expect(localExpiry.getUTCHours() * 60 + localExpiry.getUTCMinutes()).toBe(0);
    expect(localExpiry.getTime() - earnedAtMs).toBeGreaterThan(88 * DAY_MS);
  });

  test("a purchase confirmed before its pending period ends makes its points spendable now", async () => {
    const user = uniqueUser("program-confirm");
    const purchase = buy(user, 40_000);
    const confirmation = {
      id: eventId("confirm"),
      type: "purchase.confirmed",
      userId: user,
      occurredAt: new Date().toISOString(),
      data: { originalEventId: purchase.id },
    };
    // Sent first, it waits for its purchase.
    expect((await sendEvents(confirmation)).status).toBe(202);
    expect((await summary(user)).balance).toMatchObject({ pendingPoints: 0, activePoints: 0 });
    await sendEvents(purchase);
    expect((await summary(user)).balance).toMatchObject({ pendingPoints: 0, activePoints: 400 });
  });

  test("purchases count towards the tier, rules read it, a refund takes the spend back after grace", async () => {
    const user = uniqueUser("program-tier");
    await sendEvents(buy(user, 60_000));
    expect((await summary(user)).tier).toMatchObject({
      tier: "Silver",
      qualifyingSpendMinor: 60_000,
    });

    // This purchase makes the member Gold, but is earned at the tier they held: 1,500 points.
    const big = buy(user, 150_000);
    await sendEvents(big);
    expect((await summary(user)).tier).toMatchObject({
      tier: "Gold",
      qualifyingSpendMinor: 210_000,
    });
    expect((await summary(user)).balance.pendingPoints).toBe(600 + 1_500);

    // The next one is earned as Gold: doubled.
    await sendEvents(buy(user, 10_000));
    expect((await summary(user)).balance.pendingPoints).toBe(600 + 1_500 + 200);

    // The big order refunded: its spend no longer counts, but Gold is kept through the grace.
    await sendEvents({
      id: eventId("refund"),
      type: "refund.completed",
      userId: user,
      occurredAt: new Date().toISOString(),
      data: { originalEventId: big.id, amountMinor: 150_000, currency: "INR" },
    });
    const after = await summary(user);
    expect(after.tier).toMatchObject({ tier: "Gold", qualifyingSpendMinor: 70_000 });
    expect(after.tier?.graceEndsAt).not.toBeNull();
    expect(after.balance.pendingPoints).toBe(600 + 200);
  });
});

describe("segments as facts", () => {
  test("an operator gives a member a segment and rules that read it apply from then on", async () => {
    const user = uniqueUser("program-segment");
    const put = (segments: unknown) =>
      api(`/admin/v1/users/${user}/segments`, {
        method: "PUT",
        headers: ADMIN_HEADERS,
        body: JSON.stringify({ segments }),
      });
    expect(
      (await api(`/admin/v1/users/${user}`, { method: "PUT", headers: ADMIN_HEADERS, body: "{}" }))
        .status,
    ).toBe(200);
    const bad = await put(["VIP!"]);
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");

    const draft = await api("/admin/v1/rules/draft", { headers: ADMIN_HEADERS });
    const current = (await draft.json()) as {
      ruleSet: { rules: unknown[] };
      basedOnVersion: number;
    };
    const saved = await api("/admin/v1/rules/draft", {
      method: "PUT",
      headers: ADMIN_HEADERS,
      body: JSON.stringify({
        ...current.ruleSet,
        rules: [
          ...current.ruleSet.rules,
          {
            id: "vip-bonus",
            name: "VIPs get 100 points a purchase",
            eventTypes: ["purchase.completed"],
            conditions: { all: [{ attr: "user.segments", op: "contains_any", value: ["vip"] }] },
            effects: [{ kind: "points_fixed", points: 100 }],
            priority: 1,
            group: "base",
            active: true,
          },
        ],
        basedOnVersion: current.basedOnVersion,
      }),
    });
    expect(saved.status, await saved.clone().text()).toBe(200);
    const published = await api("/admin/v1/rules/publish", {
      method: "POST",
      headers: ADMIN_HEADERS,
      body: JSON.stringify({ note: "vip" }),
    });
    expect(published.status).toBe(201);

    await sendEvents(buy(user, 10_000));
    expect((await summary(user)).balance.pendingPoints).toBe(100);
    const set = await put(["vip", "students", "vip"]);
    expect(await set.json()).toEqual({ segments: ["students", "vip"] });
    await sendEvents(buy(user, 10_000));
    expect((await summary(user)).balance.pendingPoints).toBe(100 + 100 + 100);
  });
});
