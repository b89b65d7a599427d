import {
  auditLedger,
  type InvariantReport,
  readBalance,
  readBalances,
} from "../ledger/ledger-store";
import { openPayoutsMinor } from "../payouts/lifecycle/payout-store";
import { heldByCurrency, txnsOffTarget } from "./audit-store";
import { conservationViolations } from "./decide-audit";

/** Transactions off target listed per audit; the report is for people, not a full dump. */
const MAX_OFF_TARGET_LISTED = 20;

/**
 * The ledger's own audit (ledger-store.ts) plus conservation against transactions and payouts
 * (decide-audit.ts), and every transaction holding exactly its target.
 */
export function auditWallet(sql: SqlStorage): InvariantReport {
  const report = auditLedger(sql);
  const held = heldByCurrency(sql);
  const currencies = new Set([
    ...held.map((h) => h.currency),
    ...readBalances(sql).map((b) => b.currency),
  ]);
  for (const currency of currencies) {
    const h = held.find((row) => row.currency === currency) ?? {
      pendingMinor: 0,
      confirmedMinor: 0,
    };
    report.violations.push(
      ...conservationViolations(
        currency,
        (bucket) => readBalance(sql, bucket, currency),
        h,
        openPayoutsMinor(sql, currency),
      ),
    );
  }
  for (const t of txnsOffTarget(sql, MAX_OFF_TARGET_LISTED)) {
    report.violations.push(
      `transaction ${t.txnId} holds ${t.heldMinor}, its target is ${t.targetMinor}`,
    );
  }
  return { ok: report.violations.length === 0, violations: report.violations };
}
