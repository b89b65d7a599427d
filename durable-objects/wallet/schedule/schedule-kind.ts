/**
 * Every kind of timed work the wallet keeps in its schedule table, one row per (kind, ref):
 * - `confirm`: a pending transaction whose return window closes (ref: txn id);
 * - `claim_review`: an open claim that goes to the operator's queue (ref: claim id);
 * - `prune_clicks`: the oldest click leaves retention (ref: "clicks");
 * - `boost`: a transaction owes a request to a campaign budget (ref: txn id);
 * - `events`: first-party events wait in the inbox (ref: "inbox"; events/events.ts).
 *
 * Order matters: `runDue` handles the kinds in this order.
 */
export const SCHEDULE_KINDS = [
  "confirm",
  "claim_review",
  "prune_clicks",
  "boost",
  "events",
] as const;
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];
