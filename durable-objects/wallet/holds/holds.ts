import type { HoldInput, HoldKind } from "#shared/fraud/risk-contract";
import type { WalletTx } from "../core/wallet-tx";
import { schedule, unschedule } from "../schedule/schedule-store";
import { afterHoldEnded } from "./hold-ended";
import {
  activeHoldsCovering,
  type DecisionSignals,
  endHold,
  findHold,
  type HoldLabel,
  holdsDueForRelease,
  insertHold,
  type StoredHold,
} from "./hold-store";

/**
 * The user's risk holds, inside the caller's transaction (docs/fraud.md "Holds"): a held
 * transaction keeps earning as pending but does not confirm, held payouts are not dispatched,
 * a held referral is not rewarded. The redeem and settle paths ask `heldBy` in their own
 * transaction; a hold ends by an operator's decision (a required reason) or by itself when its
 * condition clears (`autoReleaseAtMs`, on the schedule as `risk_hold_release`).
 */

/** Releases per run of the schedule. */
const MAX_RELEASES_PER_RUN = 25;

/**
 * Places a hold under `holdId` (its key: the same placement twice is one hold); schedules its
 * auto-release. Returns the hold as stored and whether this call placed it.
 *
 * @example
 * placeHold(tx, "rule:velocity-clicks:obs_1", { kind: "payouts", subjectRef: null, reasons,
 *   source: "rule", ruleId: "velocity-clicks", ruleVersion: 3, autoReleaseAtMs }, nowMs)
 */
export function placeHold(
  tx: WalletTx,
  holdId: string,
  hold: HoldInput,
  nowMs: number,
): { hold: StoredHold; placed: boolean } {
  const placed = insertHold(tx, holdId, hold, nowMs);
  if (placed && hold.autoReleaseAtMs !== null) {
    schedule(tx.sql, "risk_hold_release", holdId, hold.autoReleaseAtMs);
  }
  const stored = findHold(tx.sql, holdId);
  if (!stored) throw new Error(`hold ${holdId} was not stored`);
  return { hold: stored, placed };
}

/** The active holds of `kind` covering `subjectRef` (user-wide ones included), oldest first. */
export function heldBy(sql: SqlStorage, kind: HoldKind, subjectRef: string | null): StoredHold[] {
  return activeHoldsCovering(sql, kind, subjectRef);
}

export interface HoldDecision {
  decision: "release" | "uphold";
  actor: string;
  /** Required: why (docs/fraud.md "Review"). */
  note: string;
  label: HoldLabel | null;
  /**
   * The user's score and reasons from their risk object at the decision (the api asks it);
   * null or absent when scoring could not answer.
   */
  signals?: DecisionSignals | null;
}

/**
 * An operator's decision on an active hold: `released` or `upheld`, with who, why and the
 * label. `exists` when it was already decided (nothing changes), `not_found` when no such hold.
 */
export function decideHold(
  tx: WalletTx,
  holdId: string,
  input: HoldDecision,
  nowMs: number,
): { status: "decided" | "exists" | "not_found"; hold: StoredHold | null } {
  const hold = findHold(tx.sql, holdId);
  if (!hold) return { status: "not_found", hold: null };
  unschedule(tx.sql, "risk_hold_release", holdId);
  const ended = endHold(
    tx,
    holdId,
    {
      status: input.decision === "release" ? "released" : "upheld",
      how: "operator",
      decidedBy: input.actor,
      note: input.note,
      label: input.label,
      signals: input.signals ?? null,
    },
    nowMs,
  );
  const after = findHold(tx.sql, holdId);
  if (ended && after) afterHoldEnded(tx, after, nowMs);
  return { status: ended ? "decided" : "exists", hold: after };
}

/**
 * Holds whose condition cleared by `asOfMs` (a velocity window passed) end `released`, `auto`,
 * oldest first; returns those released this run.
 */
export function releaseDueHolds(tx: WalletTx, asOfMs: number, nowMs: number): StoredHold[] {
  const released: StoredHold[] = [];
  for (const hold of holdsDueForRelease(tx.sql, asOfMs, MAX_RELEASES_PER_RUN)) {
    const ended = endHold(
      tx,
      hold.holdId,
      {
        status: "released",
        how: "auto",
        decidedBy: "system",
        note: "condition cleared",
        label: null,
      },
      nowMs,
    );
    unschedule(tx.sql, "risk_hold_release", hold.holdId);
    const after = ended ? findHold(tx.sql, hold.holdId) : null;
    if (after) {
      afterHoldEnded(tx, after, nowMs);
      released.push(after);
    }
  }
  return released;
}
