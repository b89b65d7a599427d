import type { WalletTx } from "../core/wallet-tx";
import type { EarnTerms } from "../events/post-reward";
import { holdsKeeping, type StoredHold } from "../holds/hold-store";
import { schedule } from "../schedule/schedule-store";
import { approve } from "./referral-review";
import {
  findReferral,
  moveReferral,
  readReferralHistory,
  referralProjection,
  type StoredReferral,
} from "./referral-store";

/**
 * The risk system's `referral` holds, as the referral program reads them (docs/referrals.md
 * "Fraud holds", docs/fraud.md "Holds"), in the referee's wallet where the referral and its
 * rewards live:
 *
 * - a referral covered by a hold — active on it or user-wide, or upheld on it — is not
 *   rewarded: qualification holds it (`fraud_rule_hold`, the hold's reason codes in its
 *   history), a held one is relabelled, the program's approve is refused while it lasts;
 * - when the last such hold is released (an operator, or its own window), the referral goes on
 *   once, in the same transaction: approved and rewarded (`risk_hold_released`), or back to the
 *   program's own review (`risk_hold`) when its own signals still hold it;
 * - an upheld hold keeps it held for the referral review's reject.
 *
 * A hold that lands after the referral qualified takes nothing back: what was credited stays,
 * and the hold is for review (the referral review's reject reverses what it can).
 */

const HOUR_MS = 3_600_000;

/** The holds keeping a referral from its reward: active (its own, user-wide) or upheld on it. */
export function referralRiskHolds(sql: SqlStorage, referralId: string): StoredHold[] {
  return holdsKeeping(sql, "referral", referralId);
}

/** `risk: shared_device,velocity`: the holds' reason codes, each once, for the history. */
export function riskHoldNote(holds: readonly Pick<StoredHold, "reasons">[]): string {
  const codes = [...new Set(holds.flatMap((h) => h.reasons.map((r) => r.code)))];
  return codes.length > 0 ? `risk: ${codes.join(",")}` : "risk";
}

/** Whether the hold is about this wallet's referral (its own subject, or user-wide). */
function covers(hold: StoredHold, referral: StoredReferral | null): referral is StoredReferral {
  return referral !== null && (hold.subjectRef === null || hold.subjectRef === referral.referralId);
}

/**
 * A `referral` hold was placed (holds/apply-assessment.ts): a referral already held by the
 * program's own review is now held by the risk system too, and says so. A signed-up one waits
 * for qualification, which reads the hold.
 */
export function afterReferralHoldPlaced(tx: WalletTx, hold: StoredHold, nowMs: number): void {
  const referral = findReferral(tx.sql);
  if (!covers(hold, referral) || referral.state !== "held") return;
  if (referral.reason === "fraud_rule_hold") return;
  const moved = moveReferral(tx.sql, referral, "held", "fraud_rule_hold", null, nowMs, {
    decidedBy: { actor: "system", note: riskHoldNote([hold]) },
  });
  tx.enqueue(referralProjection(moved, null));
}

/**
 * A `referral` hold was released (holds/hold-ended.ts): once no hold covers the held referral,
 * it is approved now (or, without the program's earn terms at hand, at the schedule's next
 * run), or goes back to the program's own review if its signals still hold it.
 */
export function afterReferralHoldReleased(
  tx: WalletTx,
  hold: StoredHold,
  earn: EarnTerms | null,
  nowMs: number,
): void {
  const referral = findReferral(tx.sql);
  if (!covers(hold, referral) || referral.state !== "held") return;
  if (referralRiskHolds(tx.sql, referral.referralId).length > 0) return;
  const by = { actor: hold.decidedBy ?? "system", note: hold.decisionNote };
  if (referral.riskHold) {
    // The program's own signals held it: its review decides, its delay counted from the hold.
    // Already labelled so (the released hold never relabelled it): no move, no history row.
    if (referral.reason !== "risk_hold") {
      const moved = moveReferral(tx.sql, referral, "held", "risk_hold", null, nowMs, {
        decidedBy: by,
      });
      tx.enqueue(referralProjection(moved, null));
    }
    if (referral.autoApproveAfterHours !== null) {
      const heldAtMs =
        readReferralHistory(tx.sql, referral.referralId).find((h) => h.state === "held")?.atMs ??
        nowMs;
      schedule(
        tx.sql,
        "referral_auto_approve",
        referral.referralId,
        heldAtMs + referral.autoApproveAfterHours * HOUR_MS,
      );
    }
    return;
  }
  if (earn === null) {
    schedule(tx.sql, "referral_auto_approve", referral.referralId, nowMs);
    return;
  }
  approve(
    tx,
    referral,
    { decision: "approve", actor: by.actor, note: by.note },
    earn,
    nowMs,
    "risk_hold_released",
  );
}
