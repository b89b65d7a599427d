import { env, runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { BudgetDurableObject, BudgetReserveInput } from "./budget-object";
import { budgetFor } from "./client";

/**
 * The budget object through the real Durable Object (wrangler.toml binds BUDGET): what a
 * wallet sees over RPC, under concurrency, with the pure decision tested in
 * decide-budget.test.ts.
 */

let keys = 0;
/** A fresh budget key per test, so objects never share state. */
const freshKey = (period = "month:2026-03") => `rule:r${++keys}:global:${period}`;

const request = (
  budgetKey: string,
  reference: string,
  desired: number,
  seq = 1,
  extra: Partial<BudgetReserveInput> = {},
): BudgetReserveInput => ({
  budgetKey,
  unit: "points",
  limit: 50,
  holder: "u1",
  reference,
  desired,
  seq,
  ...extra,
});

describe("BudgetDurableObject", () => {
  it("grants exactly the limit to 200 concurrent reserves of 1 against a limit of 50", async () => {
    const key = freshKey();
    const stub = budgetFor(env, key);
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        stub.reserve(request(key, `reward-${i}`, 1, 1, { holder: `u${i % 7}` })),
      ),
    );
    expect(results.reduce((sum, r) => sum + r.granted, 0)).toBe(50);
    expect(results.filter((r) => r.granted === 1)).toHaveLength(50);
    expect(await stub.usage()).toMatchObject({
      limit: 50,
      askedTotal: 200,
      grantedTotal: 50,
      releasedTotal: 0,
      outstanding: 50,
      remaining: 0,
      reservations: 200,
      partialReservations: 150,
    });
    expect(await stub.audit()).toEqual({ ok: true, violations: [] });
  });

  it("answers a repeat with the same grant, and a stale reserve after a release changes nothing", async () => {
    const key = freshKey();
    const stub = budgetFor(env, key);
    expect(await stub.reserve(request(key, "a", 30))).toEqual({
      status: "granted",
      granted: 30,
      desired: 30,
      remaining: 20,
      seq: 1,
      unit: "points",
      limit: 50,
    });
    expect(await stub.reserve(request(key, "a", 30))).toMatchObject({
      status: "repeat",
      granted: 30,
      remaining: 20,
    });
    expect(await stub.reserve(request(key, "b", 30))).toMatchObject({ granted: 20 });

    // Rolled back; then the original reserve arrives late (seq 1 < 2): nothing moves.
    const { limit: _limit, desired: _desired, ...release } = request(key, "a", 0, 2);
    expect(await stub.release(release)).toMatchObject({ status: "granted", granted: 0 });
    const before = await stub.usage();
    expect(await stub.reserve(request(key, "a", 30, 1))).toMatchObject({
      status: "stale",
      granted: 0,
      seq: 2,
    });
    expect(await stub.usage()).toEqual(before);
    expect(before).toMatchObject({
      askedTotal: 30,
      grantedTotal: 50,
      releasedTotal: 30,
      outstanding: 20,
      remaining: 30,
      reservations: 1,
      partialReservations: 1,
    });
    expect(await stub.audit()).toEqual({ ok: true, violations: [] });
  });

  it("records a release that arrives before its reserve, so the reserve is stale", async () => {
    const key = freshKey();
    const stub = budgetFor(env, key);
    expect(
      await stub.release({
        budgetKey: key,
        unit: "points",
        holder: "u1",
        reference: "early",
        seq: 2,
      }),
    ).toMatchObject({ status: "granted", granted: 0 });
    expect(await stub.reserve(request(key, "early", 10, 1))).toMatchObject({ status: "stale" });
    expect(await stub.usage()).toMatchObject({ outstanding: 0, limit: 0, reservations: 0 });
    // The next reward's request brings the limit.
    expect(await stub.reserve(request(key, "next", 10, 1))).toMatchObject({ granted: 10 });
    expect(await stub.usage()).toMatchObject({ limit: 50, remaining: 40 });
  });

  it("refuses a request in another unit and changes nothing", async () => {
    const key = freshKey();
    const stub = budgetFor(env, key);
    await stub.reserve(request(key, "a", 10, 1, { unit: "INR", limit: 1_000 }));
    const before = await stub.usage();
    expect(await stub.reserve(request(key, "b", 10, 1, { unit: "points" }))).toMatchObject({
      status: "unit_mismatch",
      granted: 0,
      unit: "INR",
    });
    expect(await stub.reserve(request(key, "a", 0, 2, { unit: "USD" }))).toMatchObject({
      status: "unit_mismatch",
      granted: 10,
    });
    expect(await stub.usage()).toEqual(before);
  });

  it("applies the newest limit to new grants and never takes back a grant", async () => {
    const key = freshKey();
    const stub = budgetFor(env, key);
    const v = (limit: number, limitVersion: number) => ({ limit, limitVersion });
    await stub.reserve(request(key, "a", 40, 1, v(50, 1)));
    // Version 2 lowers the limit to 30: nothing new, the 40 stays.
    expect(await stub.reserve(request(key, "b", 5, 1, v(30, 2)))).toMatchObject({
      granted: 0,
      limit: 30,
      remaining: 0,
    });
    expect(await stub.usage()).toMatchObject({ outstanding: 40, overLimit: 10, limit: 30 });
    // A late request from version 1 does not bring the old limit back.
    expect(await stub.reserve(request(key, "c", 5, 1, v(50, 1)))).toMatchObject({
      granted: 0,
      limit: 30,
    });
    // Rolling back 25 brings the outstanding value under the new limit.
    await stub.reserve(request(key, "a", 15, 2, v(30, 2)));
    expect(await stub.usage()).toMatchObject({ outstanding: 15, overLimit: 0, remaining: 15 });
    // Version 3 raises it: new grants use it.
    expect(await stub.reserve(request(key, "d", 40, 1, v(60, 3)))).toMatchObject({
      granted: 40,
      remaining: 5,
    });
    expect(await stub.audit()).toEqual({ ok: true, violations: [] });
  });

  it("reports the period parsed from the key", async () => {
    const key = "rule:loyalty-1:user:u%3A7:week:2026-W13";
    const stub = budgetFor(env, key);
    expect(await stub.usage()).toBeNull();
    await stub.reserve(request(key, "a", 5, 1, { holder: "u:7" }));
    expect(await stub.usage()).toMatchObject({
      budgetKey: key,
      ruleId: "loyalty-1",
      entity: "user",
      entityId: "u:7",
      period: "week",
      periodKey: "week:2026-W13",
    });
  });

  it("refuses a malformed request before touching storage", async () => {
    const key = freshKey();
    const stub = budgetFor(env, key);
    // Called on the instance: a RangeError is a caller's bug, thrown before any write.
    await runInDurableObject(stub, (instance) => {
      const object = instance as BudgetDurableObject;
      expect(() => object.reserve(request("not-a-key", "a", 1))).toThrow(/not a budget key/);
      expect(() => object.reserve(request(key, "a", 1, 1, { unit: "eur" }))).toThrow(/unit/);
      expect(() => object.reserve(request(key, "", 1))).toThrow(/reference/);
      expect(() => object.reserve(request(key, "a", -1))).toThrow(/desired/);
      expect(() => object.reserve(request(key, "a", 1, 0))).toThrow(/seq/);
    });
    expect(await stub.usage()).toBeNull();
  });

  it("lets SQLite refuse totals past the limit even if the code tried", async () => {
    const key = freshKey();
    const stub = budgetFor(env, key);
    await stub.reserve(request(key, "a", 50));
    await runInDurableObject(stub, (_instance, state) => {
      expect(() =>
        state.storage.sql.exec(`UPDATE budget SET granted_total = granted_total + 1`),
      ).toThrow(/CHECK/);
    });
  });

  it("random reserve and release sequences never exceed the limit and keep totals = Σ rows", async () => {
    const step = fc.record({
      reference: fc.constantFrom("a", "b", "c", "d", "e"),
      holder: fc.constantFrom("u1", "u2"),
      desired: fc.integer({ min: 0, max: 30 }),
      seq: fc.integer({ min: 1, max: 5 }),
      release: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 60 }),
        fc.array(step, { minLength: 1, maxLength: 25 }),
        async (limit, steps) => {
          const key = freshKey("lifetime");
          const stub = budgetFor(env, key);
          // Sent concurrently: the object orders them; every outcome must keep the bounds.
          await Promise.all(
            steps.map((s) =>
              s.release
                ? stub.release({ budgetKey: key, unit: "points", limit, ...s })
                : stub.reserve({ budgetKey: key, unit: "points", limit, ...s }),
            ),
          );
          const usage = await stub.usage();
          expect(usage?.outstanding).toBeLessThanOrEqual(limit);
          expect(usage?.outstanding).toBeGreaterThanOrEqual(0);
          expect(await stub.audit()).toEqual({ ok: true, violations: [] });
        },
      ),
      { numRuns: 30 },
    );
  });

  it("random requests under changing rule versions keep every grant within the newest limit", async () => {
    const step = fc.record({
      reference: fc.constantFrom("a", "b", "c", "d"),
      holder: fc.constant("u1"),
      desired: fc.integer({ min: 0, max: 30 }),
      seq: fc.integer({ min: 1, max: 4 }),
      terms: fc.constantFrom(
        { limit: 20, limitVersion: 1 },
        { limit: 50, limitVersion: 2 },
        { limit: 10, limitVersion: 3 },
      ),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 20 }), async (steps) => {
        const key = freshKey("day:2026-03-29");
        const stub = budgetFor(env, key);
        let highestVersion = 0;
        for (const { terms, ...s } of steps) {
          const before = await stub.usage();
          const result = await stub.reserve({ budgetKey: key, unit: "points", ...terms, ...s });
          // A stale request changes nothing, its limit included.
          if (result.status !== "stale") {
            highestVersion = Math.max(highestVersion, terms.limitVersion);
          }
          const after = await stub.usage();
          const grew = (after?.outstanding ?? 0) > (before?.outstanding ?? 0);
          // A grant never takes the outstanding value past the newest limit seen.
          if (grew) expect(after?.outstanding).toBeLessThanOrEqual(after?.limit ?? 0);
          expect(after?.limitVersion).toBe(highestVersion);
          expect(result.limit).toBe(after?.limit);
        }
        expect(await stub.audit()).toEqual({ ok: true, violations: [] });
      }),
      { numRuns: 20 },
    );
  });
});

describe("BudgetDurableObject.configure", () => {
  const campaignKey = (id: string) => `rule:campaign.${id}:campaign:${id}:lifetime`;
  const reserveInr = (budgetKey: string, reference: string, desired: number, seq = 1) => ({
    budgetKey,
    unit: "INR",
    holder: "u1",
    reference,
    desired,
    seq,
  });

  it("creates, raises and lowers a limit, never below what is outstanding", async () => {
    const key = freshKey("lifetime");
    const stub = budgetFor(env, key);
    expect(await stub.configure({ budgetKey: key, unit: "INR", limit: 1_000 })).toMatchObject({
      status: "configured",
      usage: { limit: 1_000, limitVersion: 0, outstanding: 0, remaining: 1_000, unit: "INR" },
    });
    // Without a limit, the configured one applies.
    expect(await stub.reserve(reserveInr(key, "a", 700))).toMatchObject({
      status: "granted",
      granted: 700,
      remaining: 300,
      limit: 1_000,
    });
    expect(await stub.configure({ budgetKey: key, unit: "INR", limit: 2_000 })).toMatchObject({
      status: "configured",
      usage: { limit: 2_000, remaining: 1_300 },
    });
    const before = await stub.usage();
    expect(await stub.configure({ budgetKey: key, unit: "INR", limit: 699 })).toMatchObject({
      status: "below_outstanding",
      usage: { limit: 2_000, outstanding: 700 },
    });
    expect(await stub.usage()).toEqual(before);
    // Down to exactly what is outstanding: nothing more is granted.
    expect(await stub.configure({ budgetKey: key, unit: "INR", limit: 700 })).toMatchObject({
      status: "configured",
      usage: { limit: 700, remaining: 0, overLimit: 0 },
    });
    expect(await stub.reserve(reserveInr(key, "b", 10))).toMatchObject({ granted: 0 });
    expect(await stub.audit()).toEqual({ ok: true, violations: [] });
  });

  it("refuses another unit and writes nothing", async () => {
    const key = freshKey("lifetime");
    const stub = budgetFor(env, key);
    await stub.configure({ budgetKey: key, unit: "INR", limit: 1_000 });
    const before = await stub.usage();
    expect(await stub.configure({ budgetKey: key, unit: "USD", limit: 5_000 })).toMatchObject({
      status: "unit_mismatch",
      usage: { unit: "INR", limit: 1_000 },
    });
    expect(await stub.usage()).toEqual(before);
  });

  it("keeps the newest rule version, so an older rule-carried limit does not undo it", async () => {
    const key = freshKey("lifetime");
    const stub = budgetFor(env, key);
    await stub.reserve(request(key, "a", 10, 1, { limit: 50, limitVersion: 3 }));
    expect(await stub.configure({ budgetKey: key, unit: "points", limit: 80 })).toMatchObject({
      usage: { limit: 80, limitVersion: 3 },
    });
    expect(
      await stub.reserve(request(key, "b", 5, 1, { limit: 50, limitVersion: 2 })),
    ).toMatchObject({ granted: 5, limit: 80 });
    expect(await stub.usage()).toMatchObject({ limit: 80, limitVersion: 3 });
  });

  it("answers not_configured to a reserve without a limit before any budget, writing nothing", async () => {
    const key = freshKey("lifetime");
    const stub = budgetFor(env, key);
    expect(await stub.reserve(reserveInr(key, "a", 500))).toMatchObject({
      status: "not_configured",
      granted: 0,
      seq: 1,
    });
    expect(await stub.usage()).toBeNull();
    await stub.configure({ budgetKey: key, unit: "INR", limit: 300 });
    expect(await stub.reserve(reserveInr(key, "a", 500))).toMatchObject({
      status: "granted",
      granted: 300,
      remaining: 0,
    });
  });

  it("a campaign's budget exists only once configured: reserve and release wait for it", async () => {
    const key = campaignKey("cfg-only");
    const stub = budgetFor(env, key);
    expect(await stub.reserve(reserveInr(key, "t1", 500))).toMatchObject({
      status: "not_configured",
    });
    // Even a request carrying a limit does not create it, nor does a release.
    expect(
      await stub.reserve({ ...reserveInr(key, "t1", 500), limit: 9_000, limitVersion: 1 }),
    ).toMatchObject({ status: "not_configured" });
    const { desired: _desired, ...release } = reserveInr(key, "t1", 0, 2);
    expect(await stub.release(release)).toMatchObject({ status: "not_configured" });
    expect(await stub.usage(key)).toBeNull();

    expect(await stub.configure({ budgetKey: key, unit: "INR", limit: 1_000 })).toMatchObject({
      status: "configured",
      usage: { ruleId: "campaign.cfg-only", entity: "campaign", entityId: "cfg-only" },
    });
    expect(await stub.reserve(reserveInr(key, "t1", 500))).toMatchObject({ granted: 500 });
    expect(await stub.release(release)).toMatchObject({ status: "granted", granted: 0 });
    expect(await stub.usage(key)).toMatchObject({ outstanding: 0, grantedTotal: 500 });
    expect(await stub.audit()).toEqual({ ok: true, violations: [] });
  });

  it("refuses a malformed configure before touching storage", async () => {
    const key = freshKey("lifetime");
    const stub = budgetFor(env, key);
    await runInDurableObject(stub, (instance) => {
      const object = instance as BudgetDurableObject;
      expect(() => object.configure({ budgetKey: "nope", unit: "INR", limit: 1 })).toThrow(
        /not a budget key/,
      );
      expect(() => object.configure({ budgetKey: key, unit: "inr", limit: 1 })).toThrow(/unit/);
      expect(() => object.configure({ budgetKey: key, unit: "INR", limit: -1 })).toThrow(/limit/);
    });
    expect(await stub.usage()).toBeNull();
  });
});
