import { FOLLOW_UP_EVENT_TYPES } from "#shared/events/event-schema";

/**
 * What to do with one unprocessed event now. Pure (table test: decide-process.test.ts).
 *
 * Events arrive at least once and in any order. A refund, chargeback or purchase confirmation
 * names the event it follows up (`originalEventId`); until that original has arrived and been
 * processed there is nothing to take back or confirm yet, so it waits. It waits at most ORPHAN_AFTER_MS from its own
 * arrival: then it is recorded as orphaned (visible to operators) rather than kept forever.
 */

/** How long a refund or chargeback waits for the event it names. */
export const ORPHAN_AFTER_MS = 7 * 24 * 3_600_000;
/** How often waiting events are looked at again when nothing else arrives. */
export const WAITING_RECHECK_MS = 3_600_000;

export type ProcessDecision =
  | { action: "process" }
  | { action: "wait"; recheckAtMs: number }
  | { action: "orphan"; detail: string };

export interface ProcessInput {
  type: string;
  data: Record<string, unknown>;
  receivedAtMs: number;
  /** The original's status when the event names one; null when it has not arrived. */
  originalStatus: "unprocessed" | "processed" | null;
  nowMs: number;
}

export function isRollbackType(type: string): boolean {
  return (FOLLOW_UP_EVENT_TYPES as readonly string[]).includes(type);
}

export function decideProcess(input: ProcessInput): ProcessDecision {
  if (!isRollbackType(input.type)) return { action: "process" };
  if (input.originalStatus === "processed") return { action: "process" };
  const deadlineMs = input.receivedAtMs + ORPHAN_AFTER_MS;
  if (input.nowMs >= deadlineMs) {
    return {
      action: "orphan",
      detail: `the event it names (${String(input.data.originalEventId)}) never arrived`,
    };
  }
  return { action: "wait", recheckAtMs: Math.min(input.nowMs + WAITING_RECHECK_MS, deadlineMs) };
}
