import { beforeAll, describe, expect, it } from "vitest";
import { TEST_KEYS, withKey } from "./access-keys";
import {
  seedClaim,
  seedNetworkHealth,
  seedPayout,
  seedPayoutDiscrepancy,
  seedReconRun,
  seedRollup,
  seedTransaction,
} from "./console-overview-seed";
import { ADMIN_HEADERS, api } from "./helpers";

/**
 * GET /admin/v1/overview: every figure against rows seeded straight into D1, with `asOf`
 * fixing "today" (2026-03-10 UTC), rows on both sides of each window edge.
 */
const at = (iso: string) => Date.parse(iso);
const AS_OF = "2026-03-10T12:00:00Z";

interface Overview {
  asOf: string;
  windowDays: number;
  today: Period;
  last30Days: Period;
  payoutsInFlight: Array<{ currency: string | null; payouts: number; totalMinor: number }>;
  attention: Record<string, number>;
  daily: Array<{ day: string; clicks: number; conversions: number }>;
  cashbackPerDay: Array<{ currency: string; days: Array<{ day: string; cashbackMinor: number }> }>;
}
interface Period {
  from: string;
  to: string;
  clicks: number;
  conversions: number;
  cashback: Array<{
    currency: string;
    pendingMinor: number;
    confirmedMinor: number;
    paidMinor: number;
  }>;
}

async function overview(query = `?asOf=${AS_OF}`): Promise<Overview> {
  const response = await api(`/admin/v1/overview${query}`, { headers: ADMIN_HEADERS });
  expect(response.status).toBe(200);
  return (await response.json()) as Overview;
}

describe("GET /admin/v1/overview", () => {
  it("is all zeros on an empty database, with every day of the window", async () => {
    const empty = await overview();
    expect(empty.today).toEqual({
      from: "2026-03-10T00:00:00.000Z",
      to: "2026-03-11T00:00:00.000Z",
      clicks: 0,
      conversions: 0,
      cashback: [],
    });
    expect(empty.last30Days.from).toBe("2026-02-09T00:00:00.000Z");
    expect(empty.daily).toHaveLength(30);
    expect(empty.daily.every((d) => d.clicks === 0 && d.conversions === 0)).toBe(true);
    expect(empty.cashbackPerDay).toEqual([]);
    expect(empty.payoutsInFlight).toEqual([]);
    expect(empty.attention).toEqual({
      claimsToReview: 0,
      heldPayouts: 0,
      attentionPayouts: 0,
      reconciliationDifferences: 0,
      openCircuitBreakers: 0,
    });
  });

  describe("with seeded activity", () => {
    beforeAll(async () => {
      await seedRollup("offer-a", "2026-03-10", 5);
      await seedRollup("offer-b", "2026-03-10", 2);
      await seedRollup("offer-a", "2026-03-01", 10);
      await seedRollup("offer-a", "2026-02-08", 99); // the day before the window
      await seedRollup("offer-a", "2026-03-11", 50); // tomorrow

      await seedTransaction({
        id: "ov-t1",
        status: "pending",
        currency: "INR",
        cashbackMinor: 1_000,
        boostMinor: 50,
        convertedAtMs: at("2026-03-10T08:00:00Z"),
      });
      await seedTransaction({
        id: "ov-t2",
        status: "confirmed",
        currency: "INR",
        cashbackMinor: 2_000,
        convertedAtMs: at("2026-03-01T10:00:00Z"),
      });
      await seedTransaction({
        id: "ov-t3",
        status: "confirmed",
        currency: "EUR",
        cashbackMinor: 1_234,
        convertedAtMs: at("2026-03-10T00:00:00Z"),
      });
      await seedTransaction({
        id: "ov-t4",
        status: "cancelled",
        currency: "INR",
        cashbackMinor: 500,
        convertedAtMs: at("2026-03-05T10:00:00Z"),
      });
      await seedTransaction({
        id: "ov-t5",
        status: "rejected",
        currency: "INR",
        cashbackMinor: 700,
        convertedAtMs: at("2026-03-10T09:00:00Z"),
      });
      await seedTransaction({
        id: "ov-t6",
        status: "pending",
        currency: "INR",
        cashbackMinor: 300,
        convertedAtMs: at("2026-02-08T23:59:59.999Z"),
      });

      const created = at("2026-02-01T00:00:00Z");
      await seedPayout({
        id: "ov-p-paid-today",
        status: "paid",
        currency: "INR",
        amountMinor: 5_000,
        createdAtMs: created,
        paidAtMs: at("2026-03-10T09:00:00Z"),
      });
      await seedPayout({
        id: "ov-p-paid-feb",
        status: "paid",
        currency: "INR",
        amountMinor: 1_000,
        createdAtMs: created,
        paidAtMs: at("2026-02-20T00:00:00Z"),
        attention: "processor reported failed after paid",
      });
      await seedPayout({
        id: "ov-p-paid-old",
        status: "paid",
        currency: "EUR",
        amountMinor: 100,
        createdAtMs: created,
        paidAtMs: at("2026-02-01T00:00:00Z"),
      });
      for (const id of ["ov-p-held-1", "ov-p-held-2"]) {
        await seedPayout({
          id,
          status: "held",
          currency: "INR",
          amountMinor: 3_000,
          createdAtMs: created,
        });
      }
      await seedPayout({
        id: "ov-p-queued",
        status: "queued",
        currency: "USD",
        amountMinor: 1_200,
        createdAtMs: created,
      });
      await seedPayout({
        id: "ov-p-failed",
        status: "failed",
        currency: "INR",
        amountMinor: 999,
        createdAtMs: created,
      });

      await seedClaim("ov-c1", "review", created);
      await seedClaim("ov-c2", "review", created);
      await seedClaim("ov-c3", "open", created);

      await seedReconRun("ov-run-new", at("2026-03-05T01:00:00Z"), [
        "report_behind",
        "created",
        "unknown_to_network",
        "rejected",
      ]);
      await seedReconRun("ov-run-old", at("2026-01-01T01:00:00Z"), ["ignored"]);
      await seedPayoutDiscrepancy("ov-prun-new", "ov-p-paid-feb", at("2026-03-02T00:00:00Z"));
      await seedPayoutDiscrepancy("ov-prun-old", "ov-p-paid-old", at("2026-01-02T00:00:00Z"));

      await seedNetworkHealth("ov-net-open", "open", created);
      await seedNetworkHealth("ov-net-closed", "closed", created);
    });

    it("sums today's clicks, conversions and cashback per currency", async () => {
      expect((await overview()).today).toEqual({
        from: "2026-03-10T00:00:00.000Z",
        to: "2026-03-11T00:00:00.000Z",
        clicks: 7,
        conversions: 2,
        cashback: [
          { currency: "EUR", pendingMinor: 0, confirmedMinor: 1_234, paidMinor: 0 },
          { currency: "INR", pendingMinor: 1_050, confirmedMinor: 0, paidMinor: 5_000 },
        ],
      });
    });

    it("sums the last 30 days, the window's edges excluded", async () => {
      expect((await overview()).last30Days).toEqual({
        from: "2026-02-09T00:00:00.000Z",
        to: "2026-03-11T00:00:00.000Z",
        clicks: 17,
        conversions: 4,
        cashback: [
          { currency: "EUR", pendingMinor: 0, confirmedMinor: 1_234, paidMinor: 0 },
          { currency: "INR", pendingMinor: 1_050, confirmedMinor: 2_000, paidMinor: 6_000 },
        ],
      });
    });

    it("counts payouts in flight and every queue needing attention", async () => {
      const o = await overview();
      expect(o.asOf).toBe("2026-03-10T12:00:00.000Z");
      expect(o.payoutsInFlight).toEqual([
        { currency: "INR", payouts: 2, totalMinor: 6_000 },
        { currency: "USD", payouts: 1, totalMinor: 1_200 },
      ]);
      expect(o.attention).toEqual({
        claimsToReview: 2,
        heldPayouts: 2,
        attentionPayouts: 1,
        reconciliationDifferences: 3,
        openCircuitBreakers: 1,
      });
    });

    it("gives per-day series with zeros for quiet days", async () => {
      const o = await overview();
      expect(o.daily).toHaveLength(30);
      expect(o.daily[0]).toEqual({ day: "2026-02-09", clicks: 0, conversions: 0 });
      const day = (d: string) => o.daily.find((x) => x.day === d);
      expect(day("2026-03-01")).toEqual({ day: "2026-03-01", clicks: 10, conversions: 1 });
      expect(day("2026-03-05")).toEqual({ day: "2026-03-05", clicks: 0, conversions: 1 });
      expect(day("2026-03-10")).toEqual({ day: "2026-03-10", clicks: 7, conversions: 2 });
      expect(o.daily.reduce((s, d) => s + d.clicks, 0)).toBe(17);

      expect(o.cashbackPerDay.map((c) => c.currency)).toEqual(["EUR", "INR"]);
      const nonZero = (currency: string) =>
        o.cashbackPerDay
          .find((c) => c.currency === currency)
          ?.days.filter((d) => d.cashbackMinor !== 0);
      expect(nonZero("EUR")).toEqual([{ day: "2026-03-10", cashbackMinor: 1_234 }]);
      expect(nonZero("INR")).toEqual([
        { day: "2026-03-01", cashbackMinor: 2_000 },
        { day: "2026-03-10", cashbackMinor: 1_050 },
      ]);
    });

    it("moves the window with asOf: a day later, the 1st of March's rows are still inside", async () => {
      const o = await overview("?asOf=2026-03-11T00:00:00Z");
      expect(o.today.clicks).toBe(50);
      expect(o.today.conversions).toBe(0);
      expect(o.last30Days.clicks).toBe(67);
    });

    it("may be read by every role", async () => {
      for (const key of Object.values(TEST_KEYS)) {
        const response = await api(`/admin/v1/overview?asOf=${AS_OF}`, withKey(key));
        expect(response.status, key).toBe(200);
      }
    });

    it("refuses a malformed asOf with a problem naming it", async () => {
      const response = await api("/admin/v1/overview?asOf=yesterday", { headers: ADMIN_HEADERS });
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
      const problem = (await response.json()) as { errors: Array<{ path: string }> };
      expect(problem.errors.map((e) => e.path)).toContain("asOf");
    });
  });
});
