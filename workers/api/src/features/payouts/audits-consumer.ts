import type { BatchItem } from "drizzle-orm/batch";
import type { ApiEnv } from "#shared/env";
import { USER_ID_PATTERN } from "#shared/ids";
import { createLogger, errorFields } from "#shared/observability/logger";
import type { WalletAuditMessage } from "#shared/payouts/types";
import { runInBatches } from "../../db/batch";
import { walletOf } from "../../wallet-client";
import {
  anchorStatement,
  anchorsOf,
  type ChainAnchor,
  fullVerifyDays,
  fullVerifyDue,
  verifyFrom,
  writeAnchorObject,
} from "./audit-anchors";
import { fanOutAuditPage } from "./audit-fanout";
import { discrepancyStatement } from "./recon-store";

const log = createLogger({ worker: "api", feature: "payouts" });

/** Violations kept per wallet: enough to start an investigation, bounded in size. */
const MAX_VIOLATIONS_KEPT = 50;

/**
 * Runs the daily audit of each wallet (buckets against the sum of ledger entries, against what
 * its transactions hold, and its ledger hash chain from the wallet's last anchor, or from its
 * first entry on the wallet's day of the LEDGER_FULL_VERIFY_DAYS cycle) and records a
 * `wallet_buckets_mismatch` discrepancy for one that fails. The detail is the failing checks
 * only: buckets, currencies, amounts, the first ledger entry that does not verify. Every wallet
 * audited gets its new chain anchor (audit-anchors.ts): the batch's findings and anchors are one
 * D1 batch, and its anchors one R2 object, before any message is acknowledged.
 * Idempotent: a redelivered message writes the same rows, and an anchor never moves back.
 */
export async function consumeWalletAudits(
  batch: MessageBatch<WalletAuditMessage>,
  env: Pick<
    ApiEnv,
    "DB" | "WALLET" | "WALLET_AUDITS" | "LEDGER_ANCHORS" | "LEDGER_FULL_VERIFY_DAYS"
  >,
): Promise<void> {
  const nowMs = Date.now();
  const fullDays = fullVerifyDays(env.LEDGER_FULL_VERIFY_DAYS);
  const audits: Array<{ message: Message<WalletAuditMessage>; runId: string; userId: string }> = [];
  const pages: Array<Promise<void>> = [];
  for (const message of batch.messages) {
    const body = message.body;
    if (body?.kind === "wallet_audit_page") {
      pages.push(
        fanOutAuditPage(env, body).then(
          () => message.ack(),
          (error) => {
            log.error("wallet_audit.page_failed", { runId: body.runId, ...errorFields(error) });
            message.retry();
          },
        ),
      );
      continue;
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
      continue;
    }
    audits.push({ message, runId: body.runId, userId: body.userId });
  }
  if (audits.length === 0) {
    await Promise.all(pages);
    return;
  }

  let anchors: Map<string, ChainAnchor>;
  try {
    anchors = await anchorsOf(
      env,
      audits.map((a) => a.userId),
    );
  } catch (error) {
    log.error("wallet_audit.anchors_unreadable", errorFields(error));
    for (const a of audits) a.message.retry();
    await Promise.all(pages);
    return;
  }

  const done: Array<{ message: Message<WalletAuditMessage>; anchor: ChainAnchor }> = [];
  const statements: BatchItem<"sqlite">[] = [];
  // Anchors live in the user databases (shared/db/router.ts): one batch per database.
  const anchorStatements = new Map<D1Database, BatchItem<"sqlite">[]>();
  await Promise.all(
    audits.map(async ({ message, runId, userId }) => {
      let report: { ok: boolean; violations: string[] };
      let anchor: ChainAnchor;
      try {
        const wallet = walletOf(env, userId);
        // From the last anchor, or (the wallet's day in the cycle) from the first entry, the
        // anchor checked on the way: an entry edited below the anchor is named too.
        const audited = await wallet.auditFrom(verifyFrom(anchors.get(userId)), {
          fromGenesis: fullVerifyDue(userId, nowMs, fullDays),
        });
        const { chain } = audited;
        report = { ok: audited.ok, violations: audited.violations };
        anchor = {
          userId,
          headSeq: chain.headSeq,
          headHash: chain.headHash,
          status: chain.status,
          firstBadSeq: chain.firstBadSeq,
          runId,
          verifiedAtMs: nowMs,
        };
        // The same daily pass moves personal data off retired keys (docs/payouts.md).
        const { unreadable } = await wallet.resealDestinations();
        if (unreadable > 0) {
          report = {
            ok: false,
            violations: [...report.violations, `${unreadable} sealed destination(s) do not open`],
          };
        }
      } catch (error) {
        log.error("wallet_audit.failed", { runId, ...errorFields(error) });
        message.retry();
        return;
      }
      done.push({ message, anchor });
      const upsert = anchorStatement(env, anchor);
      anchorStatements.set(upsert.db, [
        ...(anchorStatements.get(upsert.db) ?? []),
        upsert.statement,
      ]);
      if (report.ok && report.violations.length === 0) return;
      statements.push(
        discrepancyStatement(
          env.DB,
          runId,
          {
            kind: "wallet_buckets_mismatch",
            subject: userId,
            detail: {
              violations: report.violations.slice(0, MAX_VIOLATIONS_KEPT),
              violationCount: report.violations.length,
            },
          },
          nowMs,
        ),
      );
    }),
  );
  await Promise.all(pages);
  if (done.length === 0) return;
  try {
    await writeAnchorObject(
      env.LEDGER_ANCHORS,
      done.map((d) => d.anchor),
      nowMs,
    );
    // At most one batch of messages: one D1 transaction per database. The findings (global)
    // before the anchors in other user databases, so an anchor is never ahead of its findings;
    // at one user database the anchors join the global batch, as before.
    const sameDb = anchorStatements.get(env.DB) ?? [];
    anchorStatements.delete(env.DB);
    await runInBatches(env.DB, [...sameDb, ...statements]);
    await Promise.all([...anchorStatements].map(([db, upserts]) => runInBatches(db, upserts)));
    for (const d of done) d.message.ack();
  } catch (error) {
    log.error("wallet_audit.record_failed", { count: done.length, ...errorFields(error) });
    for (const d of done) d.message.retry();
  }
}
