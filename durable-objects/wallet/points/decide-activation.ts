import type { LotState } from "./lot";

export type ActivationDecision =
  | { activate: false; reason: "already_active" | "not_due" }
  | { activate: true; atMs: number; by: "period_ended" | "source_confirmed" };

/**
 * Pure: whether a pending lot becomes active: at the earliest of its pending period ending and
 * its source being confirmed (the return window closed, the network approved). The activation
 * time is that earliest moment, not the time the run happened to notice it.
 *
 * @example
 * decideActivation({ activatedAtMs: null, pendingUntilMs: 100 }, { sourceConfirmedAtMs: 50, nowMs: 60 })
 * // { activate: true, atMs: 50, by: "source_confirmed" }
 */
export function decideActivation(
  lot: Pick<LotState, "activatedAtMs" | "pendingUntilMs">,
  at: { sourceConfirmedAtMs: number | null; nowMs: number },
): ActivationDecision {
  if (lot.activatedAtMs !== null) return { activate: false, reason: "already_active" };
  // No pending period: the lot is active from the start.
  const periodEnd = lot.pendingUntilMs ?? at.nowMs;
  const confirmed = at.sourceConfirmedAtMs;
  const periodDue = periodEnd <= at.nowMs;
  const confirmedDue = confirmed !== null && confirmed <= at.nowMs;
  if (!periodDue && !confirmedDue) return { activate: false, reason: "not_due" };
  if (confirmedDue && (!periodDue || confirmed < periodEnd)) {
    return { activate: true, atMs: confirmed, by: "source_confirmed" };
  }
  return { activate: true, atMs: Math.min(periodEnd, at.nowMs), by: "period_ended" };
}
