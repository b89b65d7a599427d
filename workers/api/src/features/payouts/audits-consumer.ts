import type { BatchItem } from "drizzle-orm/batch";
import type { ApiEnv } from "#shared/env";
import { USER_ID_PATTERN } from "#shared/ids";
import { createLogger, errorFields } from "#shared/observability/logger";
import type { WalletAuditMessage } from "#shared/payouts/types";
import { runInBatches } from "../../db/batch";
import { walletOf } from "../../wallet-client";
import { fanOutAuditPage } from "./audit-fanout";
import { discrepancyStatement } from "./recon-store";

const log = createLogger({ worker: "api", feature: "payouts" });

/** Violations kept per wallet: enough to start an investigation, bounded in size. */
const MAX_VIOLATIONS_KEPT = 50;

/**
 * Runs the daily audit of each wallet (buckets against the sum of ledger entries, and
 * against what its transactions hold) and records a `wallet_buckets_mismatch` discrepancy
 * for one that fails. The detail is the failing checks only: buckets, currencies, amounts.
 * Idempotent: a redelivered message writes the same row, which is ignored.
 */
export async function consumeWalletAudits(
  batch: MessageBatch<WalletAuditMessage>,
  env: Pick<ApiEnv, "DB" | "WALLET" | "WALLET_AUDITS">,
): Promise<void> {
  const nowMs = Date.now();
  const failing: Array<{ message: Message<WalletAuditMessage>; statement: BatchItem<"sqlite"> }> =
    [];
  await Promise.all(
    batch.messages.map(async (message) => {
      const body = message.body;
      if (body?.kind === "wallet_audit_page") {
        try {
          await fanOutAuditPage(env, body);
          message.ack();
        } catch (error) {
          log.error("wallet_audit.page_failed", { runId: body.runId, ...errorFields(error) });
          message.retry();
        }
        return;
      }
      if (
        body?.kind !== "wallet_audit" ||
        typeof body.runId !== "string" ||
        typeof body.userId !== "string" ||
        !USER_ID_PATTERN.test(body.userId)
      ) {
        // Redelivery cannot fix a malformed message.
        log.error("wallet_audit.malformed_dropped", { messageId: message.id });
        message.ack();
        return;
      }
      let report: { ok: boolean; violations: string[] };
      try {
        const wallet = walletOf(env, body.userId);
        report = await wallet.audit();
        // The same daily pass moves personal data off retired keys (docs/payouts.md).
        const { unreadable } = await wallet.resealDestinations();
        if (unreadable > 0) {
          report = {
            ok: false,
            violations: [...report.violations, `${unreadable} sealed destination(s) do not open`],
          };
        }
      } catch (error) {
        log.error("wallet_audit.failed", { runId: body.runId, ...errorFields(error) });
        message.retry();
        return;
      }
      if (report.ok && report.violations.length === 0) {
        message.ack();
        return;
      }
      failing.push({
        message,
        statement: discrepancyStatement(
          env.DB,
          body.runId,
          {
            kind: "wallet_buckets_mismatch",
            subject: body.userId,
            detail: {
              violations: report.violations.slice(0, MAX_VIOLATIONS_KEPT),
              violationCount: report.violations.length,
            },
          },
          nowMs,
        ),
      });
    }),
  );
  if (failing.length === 0) return;
  try {
    // At most one batch of messages: one D1 transaction.
    await runInBatches(
      env.DB,
      failing.map((f) => f.statement),
    );
    for (const f of failing) f.message.ack();
  } catch (error) {
    log.error("wallet_audit.record_failed", { count: failing.length, ...errorFields(error) });
    for (const f of failing) f.message.retry();
  }
}
