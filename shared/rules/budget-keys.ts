import { isoWeek, localParts } from "./local-time";
import type { BudgetEntity, BudgetPeriod } from "./rule-schema";

/**
 * Budget keys: the name of the one budget a rule draws on for an entity in a period, e.g.
 * `rule:r1:user:u9:month:2026-03`. Each key will have exactly one writer (a Durable Object
 * per key), so everything that spends from the same budget must compute the same key: the
 * period is the local calendar period of the instant in the rule set's time zone.
 */

/**
 * The period part of a key for `atMs` in `timeZone`: `day:2026-03-29`, `week:2026-W13`
 * (ISO week, Monday start; the week-year may differ from the calendar year at its edges),
 * `month:2026-03`, or `lifetime`.
 *
 * @example
 * periodKey("month", Date.UTC(2026, 2, 31, 20), "Asia/Kolkata") // "month:2026-04" (01:30 on 1 April there)
 */
export function periodKey(period: BudgetPeriod, atMs: number, timeZone: string): string {
  if (period === "lifetime") return "lifetime";
  const local = localParts(atMs, timeZone);
  if (period === "month") return `month:${local.year}-${pad2(local.month)}`;
  if (period === "day") return `day:${local.year}-${pad2(local.month)}-${pad2(local.day)}`;
  const { weekYear, week } = isoWeek(local.year, local.month, local.day);
  return `week:${weekYear}-W${pad2(week)}`;
}

/**
 * The budget key of `ruleId` for `entity` in `period` at `atMs`. `entityId` is the user's or
 * campaign's id; a global budget has none. Throws a RangeError when a user or campaign budget
 * has no id (the events intake always sets `user.id`).
 *
 * @example
 * budgetKey({ ruleId: "r1", entity: "user", entityId: "u9", period: "month",
 *   atMs: Date.UTC(2026, 2, 15), timeZone: "Europe/London" }) // "rule:r1:user:u9:month:2026-03"
 */
export function budgetKey(input: {
  ruleId: string;
  entity: BudgetEntity;
  entityId?: string | undefined;
  period: BudgetPeriod;
  atMs: number;
  timeZone: string;
}): string {
  return joinBudgetKey(
    input.ruleId,
    input.entity,
    input.entityId,
    periodKey(input.period, input.atMs, input.timeZone),
  );
}

/** A budget key from its parts, the period already computed (evaluate reuses it per event). */
export function joinBudgetKey(
  ruleId: string,
  entity: BudgetEntity,
  entityId: string | undefined,
  period: string,
): string {
  const who = entity === "global" ? "global" : `${entity}:${requireId(entityId, entity)}`;
  return `rule:${ruleId}:${who}:${period}`;
}

/**
 * The entity's id, percent-encoded where it has a `:` (or `%`), so no id can make two
 * different budgets share one key. Ordinary ids are unchanged.
 */
function requireId(id: string | undefined, entity: BudgetEntity): string {
  if (id === undefined || id.length === 0) {
    throw new RangeError(`a ${entity} budget key needs the ${entity} id`);
  }
  return /[:%]/.test(id) ? id.replace(/%/g, "%25").replace(/:/g, "%3A") : id;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
