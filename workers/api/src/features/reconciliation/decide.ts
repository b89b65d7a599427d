import type { NormalizedConversion } from "#shared/networks/types";
import type { ConversionOutcome } from "../../wallet-client";
import type { ProjectedTransaction } from "../ledger/index";

/**
 * The pure decisions of report reconciliation: whether the network's view of an order agrees
 * with our projection, and how an applied conversion is counted. No I/O.
 */

export type ReconciliationOutcome =
  | "matched"
  | "created"
  | "updated"
  | "rejected"
  | "untrusted"
  | "report_behind"
  | "ignored"
  | "waiting_for_click"
  | "unparseable"
  | "unknown_to_network";

/** Outcomes that need a person: everything else is explained by the run itself. */
export const UNEXPLAINED: ReadonlySet<ReconciliationOutcome> = new Set([
  "report_behind",
  "ignored",
  "unparseable",
  "unknown_to_network",
]);

/** Counts per outcome, plus every order the report listed. */
export type OutcomeCounts = Record<ReconciliationOutcome | "reported", number>;

export function emptyCounts(): OutcomeCounts {
  return {
    reported: 0,
    matched: 0,
    created: 0,
    updated: 0,
    rejected: 0,
    untrusted: 0,
    report_behind: 0,
    ignored: 0,
    waiting_for_click: 0,
    unparseable: 0,
    unknown_to_network: 0,
  };
}

/** The projected row of a transaction, as reconciliation compares it. */
export type Projection = Pick<
  ProjectedTransaction,
  "status" | "userId" | "rejectReason" | "saleAmountMinor" | "commissionMinor"
>;

/**
 * The network's state and ours agree. "pending" at the network also agrees with our
 * "confirmed": the return window may close before the network approves.
 */
export function sameAsProjection(row: Projection, c: NormalizedConversion): boolean {
  // A wallet's rejection is final, except two: a row with no user was never judged by a
  // wallet (the report may carry the sub-ID the postback lacked), and a missing click may have
  // arrived since. Both go through the wallet path again.
  if (row.status === "rejected")
    return row.userId !== null && row.rejectReason !== "click_not_found";
  const statusAgrees =
    (c.status === "cancelled" && row.status === "cancelled") ||
    (c.status === "approved" && row.status === "confirmed") ||
    (c.status === "pending" && (row.status === "pending" || row.status === "confirmed"));
  return (
    statusAgrees &&
    row.saleAmountMinor === c.saleAmountMinor &&
    row.commissionMinor === c.commissionMinor
  );
}

export function classify(
  applied:
    | { kind: "untrusted" }
    | { kind: "duplicate_order" }
    | { kind: "wallet"; outcome: ConversionOutcome },
): ReconciliationOutcome {
  if (applied.kind === "untrusted") return "untrusted";
  // Another user owns the order: recorded rejected for review, like a wallet's rejection.
  if (applied.kind === "duplicate_order") return "rejected";
  switch (applied.outcome) {
    case "created":
      return "created";
    case "updated":
      return "updated";
    case "duplicate":
      // The wallet already holds this state; the projection had not caught up yet.
      return "matched";
    case "stale":
      return "report_behind";
    case "rejected":
      return "rejected";
    case "ignored":
      return "ignored";
    case "retry_later":
      return "waiting_for_click";
  }
}

export function describe(
  row: Projection | undefined,
  c: NormalizedConversion,
  reason: string | null,
) {
  const theirs = `${c.status} ${c.saleAmountMinor}/${c.commissionMinor} ${c.currency}`;
  const ours = row ? `${row.status} ${row.saleAmountMinor}/${row.commissionMinor}` : "none";
  return `network: ${theirs}; ours before: ${ours}${reason ? `; ${reason}` : ""}`;
}
