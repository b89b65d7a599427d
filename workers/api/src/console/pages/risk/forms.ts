import { filtersFrom } from "../payouts/parts";
import { dayStartIso } from "../transactions/day-range";
import {
  DECISIONS,
  type Decision,
  HOLD_KINDS,
  HOLD_SOURCES,
  HOLD_STATUSES,
  LABELS,
  type Label,
} from "./types";

/**
 * The risk pages' forms as the admin API takes them: the review queue's filters (days in the
 * operator's zone → `fromMs`/`toMs`), the value of a hold's checkbox, and a decision form.
 * Values the API validates (a user id, a reason) are passed on as typed, so its problem
 * answer names what is wrong; choices from fixed lists drop anything else.
 */

export interface QueueFilters {
  status: (typeof HOLD_STATUSES)[number];
  kind?: string;
  source?: string;
  reason?: string;
  userId?: string;
  label?: string;
  /** Days (YYYY-MM-DD) as the operator picked them. */
  from?: string;
  to?: string;
}

const oneOf = <T extends string>(list: readonly T[], value: string | undefined): T | undefined =>
  list.find((item) => item === value);

const QUEUE_FILTER_KEYS = [
  "status",
  "kind",
  "source",
  "reason",
  "userId",
  "label",
  "from",
  "to",
] as const;

/** The queue's filters from its query string (status defaults to active). */
export function queueFiltersOf(query: Record<string, string | undefined>): QueueFilters {
  const f = filtersFrom(query, QUEUE_FILTER_KEYS);
  return {
    status: oneOf(HOLD_STATUSES, f.status) ?? "active",
    kind: oneOf(HOLD_KINDS, f.kind),
    source: oneOf(HOLD_SOURCES, f.source),
    reason: f.reason,
    userId: f.userId,
    label: oneOf(LABELS, f.label),
    from: f.from,
    to: f.to,
  };
}

/**
 * The admin list's query for the filters: the `from` day's start and the end of the `to` day
 * (the next day's start) in `timeZone`, as epoch milliseconds; a day that is not a date is
 * left out (the date input only sends dates).
 *
 * @example
 * queueQuery({ status: "active", from: "2026-12-01" }, "UTC"); // { status, fromMs: 1796083200000 }
 */
export function queueQuery(
  f: QueueFilters,
  timeZone: string,
): Record<string, string | number | undefined> {
  const ms = (day: string | undefined, plus: number) => {
    const iso = day ? dayStartIso(day, timeZone, plus) : null;
    return iso ? Date.parse(iso) : undefined;
  };
  return {
    status: f.status,
    kind: f.kind,
    source: f.source,
    reason: f.reason,
    userId: f.userId,
    label: f.label,
    fromMs: ms(f.from, 0),
    toMs: ms(f.to, 1),
  };
}

/** A hold's checkbox value: user and hold, which can never contain a "/" (their patterns). */
export const holdKey = (userId: string, holdId: string) => `${userId}/${holdId}`;

/** The holds ticked in the bulk form, each once, in the order given. */
export function selectedHolds(values: unknown): Array<{ userId: string; holdId: string }> {
  const list = Array.isArray(values) ? values : values === undefined ? [] : [values];
  const seen = new Set<string>();
  const out: Array<{ userId: string; holdId: string }> = [];
  for (const value of list) {
    if (typeof value !== "string" || seen.has(value)) continue;
    const slash = value.indexOf("/");
    if (slash <= 0 || slash === value.length - 1) continue;
    seen.add(value);
    out.push({ userId: value.slice(0, slash), holdId: value.slice(slash + 1) });
  }
  return out;
}

export interface DecisionForm {
  decision: Decision | undefined;
  reason: string;
  label: Label | null;
}

/** A decision form's fields: the decision (release/uphold), the reason as typed, the label. */
export function decisionFormOf(form: Record<string, unknown>): DecisionForm {
  const str = (v: unknown) => (typeof v === "string" ? v : "");
  return {
    decision: oneOf(DECISIONS, str(form.decision)),
    reason: str(form.reason).trim(),
    label: oneOf(LABELS, str(form.label)) ?? null,
  };
}
