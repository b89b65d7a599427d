import {
  createExecutionContext,
  createMessageBatch,
  getQueueResult,
  runInDurableObject,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { OpenAPIHono } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { AppError, fieldsFromZod, problemResponse } from "#shared/http/errors";
import type {
  LookupResult,
  PayoutProcessor,
  ProcessorPayout,
  ProcessorStatus,
} from "#shared/payouts/processor";
import { PAYOUT_STATUSES, type WalletAuditMessage } from "#shared/payouts/types";
import type { ApiContext } from "#workers/api/src/auth";
import {
  compareStatuses,
  fanOutAuditPage,
  registerPayoutReconAdmin,
  runPayoutReconciliation,
  type StatusVerdict,
} from "#workers/api/src/features/payouts/index";
import apiWorker from "#workers/api/src/index";
import { ADMIN_HEADERS, api, eventually, walletStub } from "./helpers";
import { userWithConfirmed } from "./payout-helpers";

const HOUR = 3_600_000;
const DAY = 86_400_000;

/**
 * A stand-in for the external payout processor: a fixed report and fixed lookups. It records
 * what it was asked, so tests can check the window.
 */
function fakeProcessor(
  report: ProcessorPayout[] | "down" | "throws",
  lookups: Record<string, LookupResult> = {},
) {
  const calls = { report: [] as Array<[number, number]>, lookup: [] as string[] };
  const processor: PayoutProcessor = {
    id: "fake",
    async create() {
      return { kind: "unavailable", reason: "not used" };
    },
    async lookup(payoutId) {
      calls.lookup.push(payoutId);
      return lookups[payoutId] ?? { kind: "not_found" };
    },
    async parseWebhook() {
      return { ok: false, reason: "malformed", detail: "not used" };
    },
    async report(fromMs, toMs) {
      calls.report.push([fromMs, toMs]);
      if (report === "down") return { kind: "unavailable", reason: "503 from processor" };
      if (report === "throws") throw new Error("socket hang up");
      return { kind: "ok", payouts: report };
    },
  };
  return { processor, calls };
}

function theirs(
  payoutId: string,
  status: ProcessorStatus,
  amountMinor: number,
  updatedAtMs: number,
  currency = "INR",
): ProcessorPayout {
  return {
    payoutId,
    processorRef: `ref_${payoutId}`,
    status,
    amountMinor,
    currency,
    failureCode: status === "failed" ? "account_closed" : null,
    updatedAtMs,
  };
}

async function seedPayouts(
  rows: Array<{
    id: string;
    status: string;
    amountMinor?: number;
    currency?: string;
    createdAtMs: number;
    updatedAtMs: number;
  }>,
) {
  // Each with its row in the payout → user index, as every payout row has (written first).
  const statements = rows.flatMap((r) => [
    env.DB.prepare(
      `INSERT OR IGNORE INTO payout_owners (payout_id, user_id, recorded_at_ms)
       VALUES (?1, 'u-recon', ?2)`,
    ).bind(r.id, r.createdAtMs),
    env.DB.prepare(
      `INSERT INTO payouts (id, user_id, status, destination_type, currency, amount_minor,
         created_at_ms, updated_at_ms) VALUES (?1, 'u-recon', ?2, 'bank', ?3, ?4, ?5, ?6)`,
    ).bind(
      r.id,
      r.status,
      r.currency ?? "INR",
      r.amountMinor ?? 5_000,
      r.createdAtMs,
      r.updatedAtMs,
    ),
  ]);
  for (let i = 0; i < statements.length; i += 50) await env.DB.batch(statements.slice(i, i + 50));
}

const PAYOUT_KINDS = [
  "missing_at_processor",
  "unknown_to_us",
  "status_mismatch",
  "amount_mismatch",
];

async function payoutDiscrepancies(runId: string): Promise<string[]> {
  const { results } = await env.DB.prepare(
    `SELECT kind, subject FROM payout_discrepancies WHERE run_id = ?1 AND kind != 'wallet_buckets_mismatch'
     ORDER BY kind, subject`,
  )
    .bind(runId)
    .all<{ kind: string; subject: string }>();
  return results.map((r) => `${r.kind} ${r.subject}`);
}

describe("status comparison (pure)", () => {
  // [ours, theirs, verdict when ours is settled, verdict when ours changed within the hour]
  const table: Array<[string, ProcessorStatus, StatusVerdict, StatusVerdict]> = [
    ["paid", "completed", "match", "match"],
    ["paid", "failed", "mismatch", "mismatch"],
    ["paid", "accepted", "mismatch", "not_yet"],
    ["paid", "processing", "mismatch", "not_yet"],
    ["failed", "failed", "match", "match"],
    ["cancelled", "failed", "match", "match"],
    ["failed", "completed", "mismatch", "mismatch"],
    ["cancelled", "completed", "mismatch", "mismatch"],
    ["failed", "processing", "mismatch", "not_yet"],
    ["cancelled", "accepted", "mismatch", "not_yet"],
    ["submitting", "accepted", "match", "match"],
    ["retrying", "accepted", "match", "match"],
    ["submitted", "accepted", "match", "match"],
    ["submitted", "processing", "match", "match"],
    ["processing", "processing", "match", "match"],
    ["processing", "accepted", "match", "match"],
    ["submitted", "completed", "mismatch", "not_yet"],
    ["processing", "completed", "mismatch", "not_yet"],
    ["submitting", "completed", "mismatch", "not_yet"],
    ["stuck", "completed", "mismatch", "not_yet"],
    ["submitted", "failed", "mismatch", "not_yet"],
    ["retrying", "failed", "mismatch", "not_yet"],
    ["stuck", "accepted", "mismatch", "not_yet"],
    ["held", "accepted", "mismatch", "not_yet"],
    ["queued", "processing", "mismatch", "not_yet"],
    ["held", "completed", "mismatch", "not_yet"],
    ["held", "processing", "mismatch", "not_yet"],
    ["held", "failed", "mismatch", "not_yet"],
    ["queued", "accepted", "mismatch", "not_yet"],
    ["queued", "completed", "mismatch", "not_yet"],
    ["queued", "failed", "mismatch", "not_yet"],
    ["submitting", "processing", "match", "match"],
    ["submitting", "failed", "mismatch", "not_yet"],
    ["retrying", "processing", "match", "match"],
    ["retrying", "completed", "mismatch", "not_yet"],
    ["stuck", "processing", "mismatch", "not_yet"],
    ["stuck", "failed", "mismatch", "not_yet"],
    ["processing", "failed", "mismatch", "not_yet"],
    ["failed", "accepted", "mismatch", "not_yet"],
    ["cancelled", "processing", "mismatch", "not_yet"],
    // A status this code does not know is never taken as agreement.
    ["exploded", "completed", "mismatch", "mismatch"],
    ["exploded", "accepted", "mismatch", "mismatch"],
  ];

  it.each(table)("ours %s vs theirs %s → %s settled, %s fresh", (ours, their, settled, fresh) => {
    expect(compareStatuses(ours, their, true)).toBe(settled);
    expect(compareStatuses(ours, their, false)).toBe(fresh);
  });

  it("the table covers every pair of our statuses and theirs", () => {
    const covered = new Set(table.map(([o, t]) => `${o}/${t}`));
    const theirStatuses: ProcessorStatus[] = ["accepted", "processing", "completed", "failed"];
    const missing = PAYOUT_STATUSES.flatMap((o) =>
      theirStatuses.map((t) => `${o}/${t}`).filter((pair) => !covered.has(pair)),
    );
    expect(missing).toEqual([]);
  });
});

describe("payout reconciliation against the processor's report", () => {
  const NOW = Date.UTC(2026, 4, 10, 4, 0, 0);

  it("records each kind of difference once, and nothing for payouts that agree", async () => {
    await seedPayouts([
      { id: "rc_ok", status: "paid", createdAtMs: NOW - 2 * DAY, updatedAtMs: NOW - 2 * DAY },
      {
        id: "rc_missing",
        status: "submitted",
        createdAtMs: NOW - 3 * HOUR,
        updatedAtMs: NOW - 2 * HOUR,
      },
      { id: "rc_lookup_down", status: "paid", createdAtMs: NOW - DAY, updatedAtMs: NOW - DAY },
      {
        id: "rc_fresh",
        status: "processing",
        createdAtMs: NOW - HOUR,
        updatedAtMs: NOW - 10 * 60_000,
      },
      {
        id: "rc_found_by_lookup",
        status: "submitted",
        createdAtMs: NOW - 5 * DAY,
        updatedAtMs: NOW - 2 * DAY,
      },
      {
        id: "rc_paid_vs_failed",
        status: "paid",
        createdAtMs: NOW - DAY,
        updatedAtMs: NOW - 5 * 60_000,
      },
      {
        id: "rc_failed_vs_completed",
        status: "failed",
        createdAtMs: NOW - DAY,
        updatedAtMs: NOW - DAY,
      },
      {
        id: "rc_late_completion",
        status: "submitted",
        createdAtMs: NOW - DAY,
        updatedAtMs: NOW - 3 * HOUR,
      },
      {
        id: "rc_fresh_completion",
        status: "submitted",
        createdAtMs: NOW - HOUR,
        updatedAtMs: NOW - 5 * 60_000,
      },
      { id: "rc_amount", status: "paid", createdAtMs: NOW - DAY, updatedAtMs: NOW - DAY },
      { id: "rc_currency", status: "paid", createdAtMs: NOW - DAY, updatedAtMs: NOW - DAY },
      // Outside the window and not reported: not checked at all.
      {
        id: "rc_old_quiet",
        status: "submitted",
        createdAtMs: NOW - 10 * DAY,
        updatedAtMs: NOW - 10 * DAY,
      },
      // Outside the window but named by the report: loaded by id.
      {
        id: "rc_old_named",
        status: "processing",
        createdAtMs: NOW - 10 * DAY,
        updatedAtMs: NOW - 10 * DAY,
      },
      // More named-only payouts than one IN (...) query may bind.
      ...Array.from({ length: 150 }, (_, i) => ({
        id: `rc_bulk_${String(i).padStart(3, "0")}`,
        status: "paid",
        createdAtMs: NOW - 20 * DAY,
        updatedAtMs: NOW - 20 * DAY,
      })),
    ]);
    const report: ProcessorPayout[] = [
      // Listed twice: the later line wins.
      theirs("rc_ok", "processing", 5_000, NOW - 2 * DAY - HOUR),
      theirs("rc_ok", "completed", 5_000, NOW - 2 * DAY),
      theirs("rc_unknown", "completed", 8_000, NOW - DAY),
      theirs("rc_paid_vs_failed", "failed", 5_000, NOW - 10 * 60_000),
      theirs("rc_failed_vs_completed", "completed", 5_000, NOW - DAY),
      theirs("rc_late_completion", "completed", 5_000, NOW - 2 * HOUR),
      theirs("rc_fresh_completion", "completed", 5_000, NOW - 60_000),
      theirs("rc_amount", "completed", 5_500, NOW - DAY),
      theirs("rc_currency", "completed", 5_000, NOW - DAY, "USD"),
      theirs("rc_old_named", "completed", 5_000, NOW - DAY),
      ...Array.from({ length: 150 }, (_, i) =>
        theirs(`rc_bulk_${String(i).padStart(3, "0")}`, "completed", 5_000, NOW - DAY),
      ),
    ];
    const lookups: Record<string, LookupResult> = {
      rc_found_by_lookup: {
        kind: "found",
        payout: theirs("rc_found_by_lookup", "accepted", 5_000, NOW - 5 * DAY),
      },
      rc_lookup_down: { kind: "unavailable", reason: "timeout" },
    };
    const expected = [
      "amount_mismatch rc_amount",
      "amount_mismatch rc_currency",
      "missing_at_processor rc_lookup_down",
      "missing_at_processor rc_missing",
      "status_mismatch rc_failed_vs_completed",
      "status_mismatch rc_late_completion",
      "status_mismatch rc_old_named",
      "status_mismatch rc_paid_vs_failed",
      "unknown_to_us rc_unknown",
    ];

    const runs: string[] = [];
    for (let i = 0; i < 2; i++) {
      const { processor, calls } = fakeProcessor(report, lookups);
      const summary = await runPayoutReconciliation(env, processor, { nowMs: NOW });
      expect(calls.report).toEqual([[NOW - 3 * DAY, NOW]]);
      // Only settled payouts missing from the report are looked up.
      expect(calls.lookup.sort()).toEqual(["rc_found_by_lookup", "rc_lookup_down", "rc_missing"]);
      expect(summary).toMatchObject({
        status: "completed",
        error: null,
        fromMs: NOW - 3 * DAY,
        toMs: NOW,
        // 11 in the window, rc_old_named and 150 bulk by id, rc_unknown.
        checkedPayouts: 163,
        discrepancies: expected.length,
      });
      expect(await payoutDiscrepancies(summary.runId)).toEqual(expected);
      runs.push(summary.runId);
    }
    expect(new Set(runs).size).toBe(2);

    // The recorded detail says both sides.
    const row = await env.DB.prepare(
      `SELECT detail FROM payout_discrepancies WHERE run_id = ?1 AND subject = 'rc_amount'`,
    )
      .bind(runs[0])
      .first<{ detail: string }>();
    expect(JSON.parse(row?.detail ?? "{}")).toMatchObject({
      ours: { status: "paid", amountMinor: 5_000, currency: "INR" },
      theirs: { status: "completed", amountMinor: 5_500, currency: "INR" },
    });

    // The admin API shows the runs and what they found.
    const listed = (await (
      await api("/admin/v1/payout-reconciliation/runs?limit=5", { headers: ADMIN_HEADERS })
    ).json()) as { items: Array<{ id: string; status: string; checkedPayouts: number }> };
    expect(listed.items.slice(0, 2).map((r) => r.id)).toEqual([runs[1], runs[0]]);
    expect(listed.items[0]).toMatchObject({ status: "completed", checkedPayouts: 163 });

    const detail = (await (
      await api(`/admin/v1/payout-reconciliation/runs/${runs[0]}`, { headers: ADMIN_HEADERS })
    ).json()) as { processorId: string; discrepancies: Array<{ kind: string; subject: string }> };
    expect(detail.processorId).toBe("fake");
    expect(
      detail.discrepancies
        .filter((d) => PAYOUT_KINDS.includes(d.kind))
        .map((d) => `${d.kind} ${d.subject}`),
    ).toEqual(expected);
    expect(
      (await api("/admin/v1/payout-reconciliation/runs/run_nope", { headers: ADMIN_HEADERS }))
        .status,
    ).toBe(404);

    // Paging through one kind across both runs: every row once, newest first.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `kind=status_mismatch&limit=3${cursor ? `&before=${cursor}` : ""}`;
      const page = (await (
        await api(`/admin/v1/payout-reconciliation/discrepancies?${query}`, {
          headers: ADMIN_HEADERS,
        })
      ).json()) as {
        items: Array<{ runId: string; kind: string; subject: string }>;
        nextCursor: string | null;
      };
      expect(page.items.every((d) => d.kind === "status_mismatch")).toBe(true);
      seen.push(...page.items.map((d) => `${d.runId} ${d.subject}`));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(8);
    expect(new Set(seen).size).toBe(8);
    expect(seen.slice(0, 4).every((s) => s.startsWith(runs[1] as string))).toBe(true);

    const badCursor = await api("/admin/v1/payout-reconciliation/discrepancies?before=xyz", {
      headers: ADMIN_HEADERS,
    });
    expect(badCursor.status).toBe(400);
  });

  it.each(["down", "throws"] as const)(
    "a processor whose report %s gives a failed run and no payout discrepancies",
    async (mode) => {
      const { processor } = fakeProcessor(mode);
      const summary = await runPayoutReconciliation(env, processor, { nowMs: NOW + DAY });
      expect(summary.status).toBe("failed");
      expect(summary.error).toContain(mode === "down" ? "503 from processor" : "socket hang up");
      expect(summary.checkedPayouts).toBe(0);
      expect(await payoutDiscrepancies(summary.runId)).toEqual([]);
      const run = await env.DB.prepare(
        `SELECT status, error, finished_at_ms FROM payout_recon_runs WHERE id = ?1`,
      )
        .bind(summary.runId)
        .first<{ status: string; error: string; finished_at_ms: number | null }>();
      expect(run?.status).toBe("failed");
      expect(run?.error).toBe(summary.error);
      expect(run?.finished_at_ms).not.toBeNull();
    },
  );
});

/** A wallet with confirmed money, credited the way the postback path does it. */
/** A wallet with confirmed cashback (test/payout-helpers.ts), once its balances reach D1. */
async function walletWithConfirmed(label: string): Promise<string> {
  const userId = await userWithConfirmed(label, 10_000);
  await eventually(() =>
    env.DB.prepare(`SELECT 1 AS n FROM wallet_balances WHERE user_id = ?1`).bind(userId).first(),
  );
  return userId;
}

async function walletMismatches(runId: string, userId: string) {
  return env.DB.prepare(
    `SELECT detail FROM payout_discrepancies
     WHERE run_id = ?1 AND kind = 'wallet_buckets_mismatch' AND subject = ?2`,
  )
    .bind(runId, userId)
    .first<{ detail: string }>();
}

describe("wallet audits", () => {
  it("a run queues one audit per wallet; a wallet whose buckets drifted is recorded", async () => {
    const broken = await walletWithConfirmed("audit-broken");
    expect((await walletStub(broken).audit()).ok).toBe(true);
    // Corrupt the materialised bucket behind the ledger's back.
    await runInDurableObject(walletStub(broken), (_instance, state) => {
      state.storage.sql.exec(
        `UPDATE buckets SET balance_minor = balance_minor + 7 WHERE bucket = 'confirmed'`,
      );
    });

    const { processor } = fakeProcessor([]);
    const summary = await runPayoutReconciliation(env, processor, { nowMs: Date.now() });
    expect(summary.status).toBe("completed");
    const wallets = await env.DB.prepare(
      `SELECT COUNT(DISTINCT user_id) AS n FROM wallet_balances`,
    ).first<{ n: number }>();
    expect(wallets?.n).toBeGreaterThanOrEqual(1);
    // The fan-out runs as page messages through the real queue; the run counts what they queued.
    await eventually(async () => {
      const row = await env.DB.prepare(`SELECT wallets_queued FROM payout_recon_runs WHERE id = ?1`)
        .bind(summary.runId)
        .first<{ wallets_queued: number }>();
      return row?.wallets_queued === wallets?.n;
    });

    // The real queue delivers the audit to the consumer, which records the drift.
    const found = await eventually(() => walletMismatches(summary.runId, broken));
    const detail = JSON.parse(found.detail) as { violations: string[]; violationCount: number };
    expect(detail.violationCount).toBeGreaterThan(0);
    expect(detail.violations.some((v) => v.startsWith("confirmed/INR"))).toBe(true);
    expect(found.detail).not.toContain(broken);
  });

  it("a redelivered fan-out page queues nothing twice and does not fork the chain", async () => {
    await walletWithConfirmed("audit-page");
    const runId = `run_page_${crypto.randomUUID().slice(0, 8)}`;
    await env.DB.prepare(
      `INSERT INTO payout_recon_runs (id, processor_id, from_ms, to_ms, status, started_at_ms, audit_cursor)
       VALUES (?1, 'sandbox', 0, 1, 'completed', 0, '')`,
    )
      .bind(runId)
      .run();
    const first = await fanOutAuditPage(env, { runId, afterUserId: "" });
    expect(first.queued).toBeGreaterThanOrEqual(1);
    const again = await fanOutAuditPage(env, { runId, afterUserId: "" });
    expect(again.queued).toBe(0);
    const row = await env.DB.prepare(
      `SELECT wallets_queued, audit_cursor FROM payout_recon_runs WHERE id = ?1`,
    )
      .bind(runId)
      .first<{ wallets_queued: number; audit_cursor: string }>();
    expect(row?.wallets_queued).toBe(first.queued);
    expect(row?.audit_cursor).not.toBe("");
  });

  it("the consumer acks a healthy wallet without a finding, and retries one it could not reach", async () => {
    const healthy = await walletWithConfirmed("audit-healthy");
    const runId = "run_consumer_test";
    const message = (id: string, userId: string) => ({
      id,
      timestamp: new Date(),
      attempts: 1,
      body: { kind: "wallet_audit", runId, userId } as WalletAuditMessage,
    });

    const batch = createMessageBatch<WalletAuditMessage>("boomerang-wallet-audits", [
      message("healthy", healthy),
      message("malformed", "not a user id!"),
    ]);
    const ctx = createExecutionContext();
    await apiWorker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(["healthy", "malformed"]);
    expect(result.retryMessages).toEqual([]);
    expect(await walletMismatches(runId, healthy)).toBeNull();

    // A wallet that cannot be reached is retried, not acked and not recorded.
    const unreachable = {
      idFromName: (name: string) => env.WALLET.idFromName(name),
      get: () => ({
        audit: async () => {
          throw new Error("durable object overloaded");
        },
        auditFrom: async () => {
          throw new Error("durable object overloaded");
        },
      }),
    } as unknown as typeof env.WALLET;
    const retryBatch = createMessageBatch<WalletAuditMessage>("boomerang-wallet-audits", [
      message("flaky", healthy),
    ]);
    const ctx2 = createExecutionContext();
    await apiWorker.queue(retryBatch, { ...env, WALLET: unreachable }, ctx2);
    const retried = await getQueueResult(retryBatch, ctx2);
    expect(retried.explicitAcks).toEqual([]);
    expect(retried.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(["flaky"]);
    expect(await walletMismatches(runId, healthy)).toBeNull();
  });
});

describe("POST /admin/v1/payout-reconciliation/run", () => {
  /** The admin routes with a fake processor in place of the configured adapter. */
  function appWithProcessor(processor: PayoutProcessor, overrides: Partial<typeof env> = {}) {
    const app = new OpenAPIHono<ApiContext>({
      defaultHook: (result) => {
        if (!result.success) {
          throw new AppError("validation_failed", "invalid", fieldsFromZod(result.error.issues));
        }
      },
    });
    app.onError((error) => problemResponse(error));
    registerPayoutReconAdmin(app, () => processor);
    return (body: unknown) =>
      app.fetch(
        new Request("https://api.test/admin/v1/payout-reconciliation/run", {
          method: "POST",
          headers: ADMIN_HEADERS,
          body: JSON.stringify(body),
        }),
        { ...env, ...overrides },
      );
  }

  it("runs now, or as of a given time where the clock may be moved", async () => {
    const { processor, calls } = fakeProcessor([]);
    const post = appWithProcessor(processor);
    const response = await post({ asOf: "2026-01-15T04:00:00Z", lookbackDays: 2 });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      status: "completed",
      from: "2026-01-13T04:00:00.000Z",
      to: "2026-01-15T04:00:00.000Z",
      discrepancies: 0,
    });
    expect(calls.report).toEqual([
      [Date.parse("2026-01-13T04:00:00Z"), Date.parse("2026-01-15T04:00:00Z")],
    ]);

    const down = await appWithProcessor(fakeProcessor("down").processor)({});
    expect(down.status).toBe(200);
    expect(await down.json()).toMatchObject({
      status: "failed",
      error: expect.stringContaining("503"),
    });
  });

  it("refuses asOf where the clock may not be moved, and runs nothing", async () => {
    const { processor, calls } = fakeProcessor([]);
    const post = appWithProcessor(processor, { ALLOW_CLOCK_OVERRIDE: undefined });
    const response = await post({ asOf: "2026-01-15T04:00:00Z" });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: Array<{ path: string }> };
    expect(problem.errors.map((e) => e.path)).toEqual(["asOf"]);
    expect(calls.report).toEqual([]);

    const bad = await post({ lookbackDays: 0 });
    expect(bad.status).toBe(400);
    const fine = await post({});
    expect(fine.status).toBe(200);
    expect(calls.report).toHaveLength(1);
  });

  it("the real route is registered and needs the admin key", async () => {
    const response = await api("/admin/v1/payout-reconciliation/run", { method: "POST" });
    expect(response.status).toBe(401);
  });
});

describe("payouts stranded before the processor", () => {
  it("a queued payout that has not moved for hours is reported as stale_in_flight", async () => {
    const id = `po_stale_${crypto.randomUUID().slice(0, 8)}`;
    const longAgo = Date.now() - 7 * 3_600_000;
    await env.DB.prepare(
      `INSERT INTO payouts (id, user_id, status, currency, amount_minor, attempts, created_at_ms,
         updated_at_ms, version) VALUES (?1, 'u-stale', 'retrying', 'INR', 5000, 3, ?2, ?2, 4)`,
    )
      .bind(id, longAgo)
      .run();
    const { processor } = fakeProcessor([]);
    const summary = await runPayoutReconciliation(env, processor, { nowMs: Date.now() });
    const row = await env.DB.prepare(
      `SELECT detail FROM payout_discrepancies WHERE run_id = ?1 AND kind = 'stale_in_flight' AND subject = ?2`,
    )
      .bind(summary.runId, id)
      .first<{ detail: string }>();
    expect(JSON.parse(row?.detail ?? "{}")).toMatchObject({ status: "retrying", attempts: 3 });
  });
});
