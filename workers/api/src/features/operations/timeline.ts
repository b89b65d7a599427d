/**
 * A transaction's history as one timeline: what the network sent (postbacks), what its
 * report said (reconciliation rows), what the wallet decided (its history events) and each
 * money movement (ledger entries), in time order. Pure: the route reads, this orders.
 */

export type TimelineSource = "postback" | "report" | "wallet" | "ledger";

export interface TimelineItem {
  atMs: number;
  source: TimelineSource;
  /** What happened, in one word or phrase: the verdict, the outcome, the event, the entry kind. */
  title: string;
  detail: string | null;
  /** What to open for more: the postback id, the reconciliation run id, the entry's sequence. */
  ref: string | null;
  money: {
    bucket: string;
    currency: string;
    amountMinor: number;
    balanceAfterMinor: number;
  } | null;
}

export interface TimelineInput {
  postbacks: ReadonlyArray<{
    id: string;
    receivedAtMs: number;
    verdict: string;
    rejectReason: string | null;
  }>;
  reportRows: ReadonlyArray<{
    runId: string;
    outcome: string;
    detail: string | null;
    atMs: number;
  }>;
  events: ReadonlyArray<{ event: string; source: string; detail: string | null; atMs: number }>;
  entries: ReadonlyArray<{
    seq: number;
    bucket: string;
    currency: string;
    amountMinor: number;
    balanceAfterMinor: number;
    kind: string;
    createdAtMs: number;
  }>;
}

/**
 * Within one millisecond the cause comes before its effect: the postback or report row,
 * then the wallet's decision, then the money it moved.
 */
const SOURCE_ORDER: Record<TimelineSource, number> = {
  postback: 0,
  report: 1,
  wallet: 2,
  ledger: 3,
};

/**
 * Every input as one list, oldest first; equal times keep cause before effect and each
 * source's own order.
 *
 * @example
 * buildTimeline({ postbacks: [{ id: "pb1", receivedAtMs: 1, verdict: "accepted", rejectReason: null }],
 *   reportRows: [], events: [], entries: [] })[0]?.title; // "postback accepted"
 */
export function buildTimeline(input: TimelineInput): TimelineItem[] {
  const items: TimelineItem[] = [
    ...input.postbacks.map((p) => ({
      atMs: p.receivedAtMs,
      source: "postback" as const,
      title: `postback ${p.verdict}`,
      detail: p.rejectReason,
      ref: p.id,
      money: null,
    })),
    ...input.reportRows.map((r) => ({
      atMs: r.atMs,
      source: "report" as const,
      title: `report: ${r.outcome}`,
      detail: r.detail,
      ref: r.runId,
      money: null,
    })),
    ...input.events.map((e) => ({
      atMs: e.atMs,
      source: "wallet" as const,
      title: e.event,
      detail: e.detail === null ? `from ${e.source}` : `from ${e.source}: ${e.detail}`,
      ref: null,
      money: null,
    })),
    ...input.entries.map((e) => ({
      atMs: e.createdAtMs,
      source: "ledger" as const,
      title: e.kind,
      detail: null,
      ref: String(e.seq),
      money: {
        bucket: e.bucket,
        currency: e.currency,
        amountMinor: e.amountMinor,
        balanceAfterMinor: e.balanceAfterMinor,
      },
    })),
  ];
  // Array.prototype.sort is stable, so each source keeps its own order among equal keys.
  return items.sort((a, b) => a.atMs - b.atMs || SOURCE_ORDER[a.source] - SOURCE_ORDER[b.source]);
}
