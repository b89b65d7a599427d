import type { ApiEnv } from "#shared/env";
import type { WalletAuditMessage } from "#shared/payouts/types";
import { usersWithBalancesAfter } from "../ledger/index";
import { auditCursorOf, claimAuditPage, openAuditCursor } from "./recon-store";

/** The wallet-audit fan-out of a payout reconciliation run: page messages on WALLET_AUDITS. */

const AUDIT_PAGE = 500;
/** Queues take at most 100 messages per sendBatch. */
const SEND_BATCH = 100;

/**
 * Starts the wallet audits: the first page message. Each page (fanOutAuditPage, run by the audits consumer)
 * queues one audit per wallet with a balance projection, keyset-paged over wallet_balances'
 * primary key (every wallet that ever moved money has rows there), then the next page.
 */
export async function startWalletAudits(
  env: Pick<ApiEnv, "DB" | "WALLET_AUDITS">,
  runId: string,
): Promise<void> {
  await openAuditCursor(env.DB, runId);
  await env.WALLET_AUDITS.send({ kind: "wallet_audit_page", runId, afterUserId: "" });
}

/**
 * One page of the fan-out, safe under redelivery. The run's cursor says which page is next.
 * The page's audits are sent before the cursor moves (a crash resends them, which is harmless:
 * audits are idempotent), and the next page message after. A message for the page that last
 * moved the cursor (`audit_page_start`) is a retry or a duplicate: it sends only the next page
 * message, so a crash between the claim and that send never ends the chain, and a duplicate
 * chain dies at the next claim. Any other message is stale and does nothing.
 */
export async function fanOutAuditPage(
  env: Pick<ApiEnv, "DB" | "WALLET_AUDITS">,
  page: { runId: string; afterUserId: string },
): Promise<{ queued: number }> {
  const run = await auditCursorOf(env.DB, page.runId);
  if (!run || run.auditCursor === null) return { queued: 0 };
  const next = (afterUserId: string) =>
    env.WALLET_AUDITS.send({ kind: "wallet_audit_page", runId: page.runId, afterUserId });

  if (run.auditCursor !== page.afterUserId) {
    if (run.auditPageStart === page.afterUserId) await next(run.auditCursor);
    return { queued: 0 };
  }
  const userIds = await usersWithBalancesAfter(env, page.afterUserId, AUDIT_PAGE);
  for (let i = 0; i < userIds.length; i += SEND_BATCH) {
    await env.WALLET_AUDITS.sendBatch(
      userIds.slice(i, i + SEND_BATCH).map((userId) => ({
        body: { kind: "wallet_audit", runId: page.runId, userId } as WalletAuditMessage,
      })),
    );
  }
  const last = userIds.at(-1) ?? page.afterUserId;
  const claimed = await claimAuditPage(env.DB, page.runId, {
    from: page.afterUserId,
    to: last,
    queued: userIds.length,
  });
  if (claimed && userIds.length === AUDIT_PAGE) await next(last);
  return { queued: userIds.length };
}
