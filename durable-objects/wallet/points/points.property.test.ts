import { env } from "cloudflare:workers";
import fc from "fast-check";
import { expect, test } from "vitest";
import { MS_PER_DAY } from "#shared/time/clock";

/**
 * Property: any sequence of earns (some pending), spends, time passing (activation, expiry),
 * confirmations, partial or full rollbacks and restores, applied to the real wallet object,
 * never makes a bucket negative and keeps, for every lot, earned = pending + active + spent +
 * expired + reversed — the wallet audit checks both after every step, with the buckets against
 * the lots and the draws.
 */

const T0 = Date.UTC(2027, 0, 1);
const SOURCES = ["s0", "s1", "s2"];

// Weighted so that spends, rollbacks of spent sources (debt) and restores happen often.
const op = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("earn" as const),
      source: fc.constantFrom(...SOURCES),
      rule: fc.constantFrom("r0", "r1"),
      points: fc.integer({ min: 1, max: 400 }),
      pendingDays: fc.option(fc.integer({ min: 0, max: 20 }), { nil: null, freq: 2 }),
      validityDays: fc.integer({ min: 1, max: 60 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("spend" as const),
      points: fc.integer({ min: 1, max: 300 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("advance" as const),
      days: fc.integer({ min: 1, max: 40 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("confirm" as const),
      source: fc.constantFrom(...SOURCES),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("rollback" as const),
      source: fc.constantFrom(...SOURCES),
      bps: fc.integer({ min: 1, max: 10_000 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("restore" as const),
      index: fc.integer({ min: 0, max: 5 }),
    }),
  },
);

let run = 0;

test("random earn/spend/expire/rollback sequences keep every bucket and lot whole", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 10, maxLength: 40 }), async (ops) => {
      const userId = `points-prop-${++run}-${Math.random().toString(36).slice(2, 8)}`;
      const stub = env.WALLET.get(env.WALLET.idFromName(userId));
      let now = T0;
      const rollbacks: string[] = [];
      for (const [i, o] of ops.entries()) {
        now += 1_000;
        switch (o.kind) {
          case "earn":
            await stub.earnPoints(userId, {
              key: `e${i}`,
              sourceType: "event",
              sourceId: o.source,
              ruleId: o.rule,
              ruleVersion: 1,
              points: o.points,
              pendingUntilMs: o.pendingDays === null ? null : now + o.pendingDays * MS_PER_DAY,
              validity: { period: `${o.validityDays}D` },
              nowMs: now,
            });
            break;
          case "spend":
            await stub.redeemPointsForCashback(
              userId,
              { key: `sp${i}`, points: o.points },
              { points: 1, amountMinor: 1, currency: "INR" },
              now,
            );
            break;
          case "advance":
            now += o.days * MS_PER_DAY;
            await stub.runDue(now);
            break;
          case "confirm":
            await stub.confirmPointsSource(userId, "event", o.source, now);
            break;
          case "rollback": {
            const result = await stub.rollbackPoints(
              userId,
              { key: `rb${i}`, sourceType: "event", sourceId: o.source, fraction: { bps: o.bps } },
              now,
            );
            if (result.status === "created") rollbacks.push(`rb${i}`);
            break;
          }
          case "restore": {
            const key = rollbacks[o.index % Math.max(1, rollbacks.length)];
            if (key) await stub.restorePoints(userId, key, now);
            break;
          }
        }
        const audit = await stub.audit();
        expect(audit.violations, `after step ${i} (${o.kind})`).toEqual([]);
      }
      const balance = await stub.getPointsBalance(now);
      for (const value of [
        balance.activePoints,
        balance.pendingPoints,
        balance.spentPoints,
        balance.expiredPoints,
        balance.reversedPoints,
        balance.debtPoints,
      ]) {
        expect(value).toBeGreaterThanOrEqual(0);
      }
      for (const lot of await stub.getPointsLots(null, 100)) {
        expect(lot.earnedPoints).toBe(
          lot.remainingPoints + lot.spentPoints + lot.expiredPoints + lot.reversedPoints,
        );
      }
    }),
    { numRuns: 40 },
  );
}, 120_000);
