import type { ProcessorPayout, ProcessorStatus } from "#shared/payouts/processor";
import { FINAL_PAYOUT_STATUSES, PAYOUT_STATUSES, type PayoutStatus } from "#shared/payouts/types";
import type { ReconPayout } from "./store";

/**
 * The pure decisions of payout reconciliation: whether our status and the processor's agree,
 * and which discrepancies one payout shows. No I/O.
 */

export const PAYOUT_DISCREPANCY_KINDS = [
  "missing_at_processor",
  "unknown_to_us",
  "status_mismatch",
  "amount_mismatch",
  "wallet_buckets_mismatch",
  "stale_in_flight",
] as const;
export type PayoutDiscrepancyKind = (typeof PAYOUT_DISCREPANCY_KINDS)[number];

/** Statuses in which the processor must know the payout: it accepted it (or paid it). */
export const MUST_BE_AT_PROCESSOR: ReadonlySet<string> = new Set<PayoutStatus>([
  "submitted",
  "processing",
  "paid",
]);
/** Statuses in which the payout is with the processor, as far as we know. */
const OURS_IN_FLIGHT_AT_PROCESSOR: ReadonlySet<string> = new Set<PayoutStatus>([
  "submitting",
  "retrying",
  "submitted",
  "processing",
]);

export type StatusVerdict = "match" | "mismatch" | "not_yet";

/**
 * Pure: whether our status and the processor's agree.
 *
 * - Both final: paid ↔ completed, failed or cancelled ↔ failed; anything else is a mismatch
 *   at once (money paid and credited back, or taken and never paid).
 * - Theirs final, ours not: we missed the outcome (a lost webhook). A mismatch once ours has
 *   been still for `PAYOUT_SETTLE_MS`; before that the webhook may be on its way.
 * - Theirs in flight (accepted, processing): agrees with ours in flight at the processor;
 *   ours final (paid on a report that has not caught up, or credited back while the processor
 *   may still pay), held, queued or stuck is a mismatch once ours has settled.
 * - A status of ours this code does not know is a mismatch.
 */
export function compareStatuses(
  ours: string,
  theirs: ProcessorStatus,
  oursSettled: boolean,
): StatusVerdict {
  if (!(PAYOUT_STATUSES as readonly string[]).includes(ours)) return "mismatch";
  const oursFinal = FINAL_PAYOUT_STATUSES.has(ours as PayoutStatus);
  const lateMismatch: StatusVerdict = oursSettled ? "mismatch" : "not_yet";
  switch (theirs) {
    case "completed":
      if (ours === "paid") return "match";
      return oursFinal ? "mismatch" : lateMismatch;
    case "failed":
      if (ours === "failed" || ours === "cancelled") return "match";
      return oursFinal ? "mismatch" : lateMismatch;
    case "accepted":
    case "processing":
      return OURS_IN_FLIGHT_AT_PROCESSOR.has(ours) ? "match" : lateMismatch;
  }
}

export interface PayoutDiscrepancy {
  kind: PayoutDiscrepancyKind;
  /** The payout id (the user id for wallet checks). */
  subject: string;
  detail: Record<string, unknown>;
}

/** Status and amount differences between our row and the processor's view of one payout. */
export function judge(
  row: ReconPayout,
  payout: ProcessorPayout,
  settled: boolean,
): PayoutDiscrepancy[] {
  const out: PayoutDiscrepancy[] = [];
  const detail = { ours: ourView(row), theirs: theirView(payout) };
  if (compareStatuses(row.status, payout.status, settled) === "mismatch") {
    out.push({ kind: "status_mismatch", subject: row.id, detail });
  }
  // A row whose amount has not reached D1 yet has nothing to compare.
  if (
    row.amountMinor !== null &&
    (row.amountMinor !== payout.amountMinor || row.currency !== payout.currency)
  ) {
    out.push({ kind: "amount_mismatch", subject: row.id, detail });
  }
  return out;
}

export function missing(row: ReconPayout, reason: string): PayoutDiscrepancy {
  return { kind: "missing_at_processor", subject: row.id, detail: { ours: ourView(row), reason } };
}

const ourView = (row: ReconPayout) => ({
  status: row.status,
  amountMinor: row.amountMinor,
  currency: row.currency,
  processorRef: row.processorRef,
  updatedAtMs: row.updatedAtMs,
});

export const theirView = (p: ProcessorPayout) => ({
  status: p.status,
  amountMinor: p.amountMinor,
  currency: p.currency,
  processorRef: p.processorRef,
  failureCode: p.failureCode,
  updatedAtMs: p.updatedAtMs,
});
