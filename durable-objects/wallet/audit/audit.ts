import { eventCashbackMinor } from "../events/reward-store";
import {
  type ChainPoint,
  type ChainReport,
  chainViolations,
  verifyChain,
} from "../ledger/chain-store";
import {
  auditLedger,
  type InvariantReport,
  readBalance,
  readBalances,
} from "../ledger/ledger-store";
import { openPayoutsMinor } from "../payouts/lifecycle/payout-store";
import { pointsCashbackMinor } from "../points/lot-store";
import { pointsViolations } from "../points/points-audit";
import { referralMoneyHeld } from "../referrals/party-money-store";
import { heldByCurrency, txnsOffTarget } from "./audit-store";
import { conservationViolations } from "./decide-audit";

/** Transactions off target listed per audit; the report is for people, not a full dump. */
const MAX_OFF_TARGET_LISTED = 20;

/**
 * The ledger's own audit (ledger-store.ts) plus conservation against transactions and payouts
 * (decide-audit.ts), every transaction holding exactly its target, the points invariants
 * (points/points-audit.ts: every lot adds up, buckets equal lots, draws explain them) and the
 * ledger's hash chain from `from` (the wallet's last anchor; null: from genesis, checking
 * `anchor` on the way), which names the first entry that does not verify
 * (ledger/chain-store.ts).
 */
export function auditWallet(
  sql: SqlStorage,
  from: ChainPoint | null = null,
  /** With `from` null: a previous anchor the walk from genesis checks on its way. */
  anchor: ChainPoint | null = null,
): InvariantReport & { chain: ChainReport } {
  const report = auditLedger(sql);
  const chain = verifyChain(sql, from, anchor);
  report.violations.push(...chainViolations(chain));
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
    // Cashback bought with points, and cashback events' rules paid, is confirmed money no
    // transaction holds: counted beside them.
    // So are confirmed referral bonuses; unconfirmed ones are the referral_bonus bucket.
    const referral = referralMoneyHeld(sql, currency);
    const withPoints = {
      ...h,
      confirmedMinor:
        h.confirmedMinor +
        pointsCashbackMinor(sql, currency) +
        eventCashbackMinor(sql, currency) +
        referral.confirmedMinor,
    };
    const bonus = readBalance(sql, "referral_bonus", currency);
    if (bonus !== referral.bonusMinor) {
      report.violations.push(
        `${currency}: referral_bonus ${bonus} != unconfirmed referral bonuses ${referral.bonusMinor}`,
      );
    }
    report.violations.push(
      ...conservationViolations(
        currency,
        (bucket) => readBalance(sql, bucket, currency),
        withPoints,
        openPayoutsMinor(sql, currency),
      ),
    );
  }
  report.violations.push(...pointsViolations(sql));
  for (const t of txnsOffTarget(sql, MAX_OFF_TARGET_LISTED)) {
    report.violations.push(
      `transaction ${t.txnId} holds ${t.heldMinor}, its target is ${t.targetMinor}`,
    );
  }
  return { ok: report.violations.length === 0, violations: report.violations, chain };
}
