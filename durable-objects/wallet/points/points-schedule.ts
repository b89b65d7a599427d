import { schedule, unschedule } from "../schedule/schedule-store";
import { nextPointsDue } from "./lot-store";
import { publishLoyaltyDue } from "./loyalty-due";

/**
 * Keeps the three points rows of the wallet's schedule at the earliest lot that needs each
 * (three indexed MIN queries), so the alarm wakes exactly when something is due. Called at the
 * end of every points change and run.
 */
export function reschedulePoints(sql: SqlStorage, _nowMs: number): void {
  const due = nextPointsDue(sql);
  const set = (kind: "points_activate" | "points_expire" | "points_notice", at: number | null) => {
    if (at === null) unschedule(sql, kind, "lots");
    else schedule(sql, kind, "lots", at);
  };
  set("points_activate", due.activateAtMs);
  set("points_expire", due.expireAtMs);
  set("points_notice", due.noticeAtMs);
  publishLoyaltyDue(sql);
}
