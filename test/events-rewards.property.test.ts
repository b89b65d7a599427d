import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, expect, test } from "vitest";
import { budgetFor } from "#durable-objects/budget/index";
import { eventId, sendEvents } from "./events-client";
import { ADMIN_HEADERS, api, uniqueUser, walletStub } from "./helpers";

/**
 * Random sequences of purchases, partial and full refunds, chargebacks and their resolutions,
 * sent in random order and some twice, through the real events worker into one member's
 * wallet, under rules that pay points, cashback and a budgeted bonus. Whatever the sequence:
 * the wallet's audit holds (every bucket, lot and conservation), no reward ever holds less than
 * nothing or more than it was granted, what the member holds equals what the rewards say, and
 * the budget holds exactly what the member was granted and still has (or a chargeback keeps).
 */

const BONUS_LIMIT = 400;

beforeAll(async () => {
  const rule = (id: string, effects: unknown[], extra: object = {}) => ({
    id,
    name: id,
    eventTypes: ["purchase.completed"],
    conditions: { all: [] },
    effects,
    priority: 10,
    group: "base",
    active: true,
    ...extra,
  });
  const draft = await api("/admin/v1/rules/draft", {
    method: "PUT",
    headers: ADMIN_HEADERS,
    body: JSON.stringify({
      timeZone: "UTC",
      groups: [{ name: "base", mode: "stackable" }],
      rules: [
        rule("points", [{ kind: "points_per_unit", points: 3, perUnitMinor: 100 }]),
        rule("cashback", [{ kind: "cashback_percent", rateBps: 700 }]),
        rule("bonus", [{ kind: "points_fixed", points: 150 }], {
          budgets: [{ entity: "user", period: "lifetime", limit: { points: BONUS_LIMIT } }],
        }),
      ],
      basedOnVersion: null,
    }),
  });
  expect(draft.status).toBe(200);
  const published = await api("/admin/v1/rules/publish", {
    method: "POST",
    headers: ADMIN_HEADERS,
    body: JSON.stringify({ note: "property" }),
  });
  expect(published.status).toBe(201);
});

type Step =
  | { kind: "buy"; amountMinor: number }
  | { kind: "refund"; of: number; shareBps: number }
  | { kind: "chargeback"; of: number }
  | { kind: "resolve"; of: number; won: boolean };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant("buy" as const),
    amountMinor: fc.integer({ min: 1, max: 90_000 }),
  }),
  fc.record({
    kind: fc.constant("refund" as const),
    of: fc.nat(5),
    shareBps: fc.integer({ min: 1, max: 10_000 }),
  }),
  fc.record({ kind: fc.constant("chargeback" as const), of: fc.nat(5) }),
  fc.record({ kind: fc.constant("resolve" as const), of: fc.nat(5), won: fc.boolean() }),
);

/** The events a sequence of steps means, each refund never above what is left to refund. */
function eventsOf(user: string, steps: Step[]) {
  const purchases: Array<{ id: string; amountMinor: number; refundedMinor: number }> = [];
  const events: Array<{ id: string; type: string; data: Record<string, unknown> }> = [];
  for (const s of steps) {
    if (s.kind === "buy") {
      const id = eventId("p-buy");
      purchases.push({ id, amountMinor: s.amountMinor, refundedMinor: 0 });
      events.push({
        id,
        type: "purchase.completed",
        data: { amountMinor: s.amountMinor, currency: "INR", orderId: `o-${id}` },
      });
      continue;
    }
    const target = purchases[s.of % Math.max(purchases.length, 1)];
    if (!target) continue;
    if (s.kind === "refund") {
      const left = target.amountMinor - target.refundedMinor;
      const amountMinor = Math.max(1, Math.floor((left * s.shareBps) / 10_000));
      if (left <= 0) continue;
      target.refundedMinor += amountMinor;
      events.push({
        id: eventId("p-refund"),
        type: "refund.completed",
        data: { originalEventId: target.id, amountMinor, currency: "INR" },
      });
    } else if (s.kind === "chargeback") {
      events.push({
        id: eventId("p-cb"),
        type: "chargeback.created",
        data: { originalEventId: target.id },
      });
    } else {
      events.push({
        id: eventId("p-res"),
        type: "chargeback.resolved",
        data: { originalEventId: target.id, outcome: s.won ? "user_won" : "user_lost" },
      });
    }
  }
  return events.map((e, i) => ({
    ...e,
    userId: user,
    occurredAt: new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString(),
  }));
}

interface RewardRowView {
  unit: string;
  rule_id: string;
  posted: number;
  taken: number;
  desired: number;
  granted: number | null;
}

test("random event sequences keep every reward, bucket and budget whole", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(step, { minLength: 1, maxLength: 9 }),
      fc.array(fc.nat(), { maxLength: 3 }),
      async (steps, resendAt) => {
        const user = uniqueUser("prop-rewards");
        const events = eventsOf(user, steps);
        for (const event of events) expect((await sendEvents(event)).status).toBeLessThan(300);
        // Some again: duplicates change nothing.
        for (const i of resendAt) {
          const again = events[i % Math.max(events.length, 1)];
          if (again) expect((await sendEvents(again)).status).toBe(200);
        }
        const wallet = walletStub(user);
        expect(await wallet.audit()).toEqual({ ok: true, violations: [] });

        const rows = await runInDurableObject(wallet, (_i, state) =>
          state.storage.sql
            .exec<RewardRowView & Record<string, SqlStorageValue>>(
              `SELECT unit, rule_id, posted, taken, desired, granted FROM event_rewards`,
            )
            .toArray(),
        );
        for (const row of rows) {
          expect(row.taken).toBeGreaterThanOrEqual(0);
          expect(row.taken).toBeLessThanOrEqual(row.posted);
          if (row.granted !== null) expect(row.posted).toBe(row.granted);
        }
        // Cashback: what the member holds (no withdrawals here) is what the rewards say.
        const balances = await wallet.getBalances();
        const money = (bucket: string) =>
          balances.find((b) => b.bucket === bucket && b.currency === "INR")?.balanceMinor ?? 0;
        const cashbackHeld = rows
          .filter((r) => r.unit === "INR")
          .reduce((sum, r) => sum + r.posted - r.taken, 0);
        expect(money("confirmed") - money("debt")).toBe(cashbackHeld);

        // The bonus budget never holds more than its limit (what a refund or a lost
        // chargeback released may be granted again), and holds exactly what the member still
        // has of it or a chargeback keeps.
        const bonus = rows.filter((r) => r.rule_id === "bonus");
        const usage = await budgetFor(env, `rule:bonus:user:${user}:lifetime`).usage();
        const held = bonus.reduce((sum, r) => sum + r.desired, 0);
        expect(usage?.outstanding ?? 0).toBe(held);
        expect(held).toBeLessThanOrEqual(BONUS_LIMIT);
      },
    ),
    { numRuns: 40 },
  );
});
