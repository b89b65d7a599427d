import { allocateProRata, applyRateBps, divRoundBig, mulDivRound } from "#shared/money/rounding";
import type { Facts } from "./attributes";
import { joinBudgetKey, periodKey } from "./budget-keys";
import {
  type CompiledGroup,
  type CompiledRule,
  type CompiledRuleSet,
  type EvalContext,
  hhmm,
  localOf,
} from "./compile";
import { DAYS_OF_WEEK } from "./conditions";
import type { Effect } from "./effects";
import type { BudgetPeriod } from "./rule-schema";
import type { EvaluationTrace, MultiplierTrace, RuleTrace } from "./trace";

/**
 * Evaluates one event against one compiled rule set version: which rules apply, what each
 * effect asks for, the budget keys each draws on, and (when asked) the trace. Pure: the
 * time is an argument.
 *
 * Order: (1) per group, in the order the rule set declares groups, the rules whose schedule
 * holds at `nowMs` and whose conditions pass are the group's candidates, and the group's mode
 * picks the winners; (2) the winners' base effects are valued (cashback, points); (3) the
 * winners' multipliers multiply the sum of the base values of their kind, the product of all
 * factors applied and rounded down once; the bonus (total − base) is split over the
 * multipliers in proportion to (factor − 1). See docs/rules.md.
 */

export interface EvaluateOptions {
  /**
   * The instant schedules and budget periods are judged at. The caller chooses it (the events
   * intake passes the event's occurrence time, clamped to when it was received); local
   * day-of-week and time-window conditions always use `event.occurredAtMs`.
   */
  nowMs: number;
  /** Build the trace (the simulator). Off by default: the wallet's path builds none. */
  trace?: boolean;
}

/** One effect of one applied rule, with its computed value. */
export interface AppliedEffect {
  ruleId: string;
  /** The rule set version the rule was evaluated in. */
  ruleVersion: number;
  group: string;
  effect: Effect;
  /** Points this effect asks for (points effects and points multipliers). */
  pointsAsked?: number;
  /** Cashback this effect asks for, in minor units of `currency`. */
  cashbackAskedMinor?: number;
  currency?: string;
  /** The budgets the rule draws on, in the order of the rule's `budgets`. */
  budgetKeys: readonly string[];
}

export interface Evaluation {
  version: number;
  applied: AppliedEffect[];
  /** Present only when `trace: true` was asked for. */
  trace?: EvaluationTrace;
}

const NO_GROUPS: readonly CompiledGroup[] = [];
const NO_KEYS: readonly string[] = Object.freeze([]);
/** Fresh arrays each time: the caller owns what it gets back. */
const nothingApplied = () => ({
  entries: [] as AppliedEffect[],
  multipliers: [] as MultiplierTrace[],
});

/**
 * Evaluates one event's facts against one compiled version: the applied effects with their
 * values and budget keys, and the trace when `options.trace` is set.
 *
 * @example
 * const result = evaluate(compiled, {
 *   "event.type": "purchase.completed", "event.amountMinor": 250_000, "event.currency": "INR",
 *   "event.occurredAtMs": nowMs, "user.id": "u9", "user.tier": "gold", "user.segments": [],
 * }, { nowMs });
 * result.applied // [{ ruleId: "gold-2x", effect: { kind: "multiplier", … }, pointsAsked: 250, … }, …]
 */
export function evaluate(
  compiled: CompiledRuleSet,
  facts: Facts,
  options: EvaluateOptions,
): Evaluation {
  const eventType = facts["event.type"];
  const groups =
    typeof eventType === "string" ? (compiled.byEventType.get(eventType) ?? NO_GROUPS) : NO_GROUPS;
  const ctx: EvalContext = { timeZone: compiled.timeZone, local: undefined };
  const nowMs = options.nowMs;
  const traces: RuleTrace[] | undefined = options.trace ? [] : undefined;

  const winners: CompiledRule[] = [];
  for (const group of groups) {
    if (traces === undefined) selectFast(group, facts, ctx, nowMs, winners);
    else selectTraced(group, facts, ctx, nowMs, winners, traces);
  }

  const applied =
    winners.length === 0 ? nothingApplied() : valueWinners(compiled, winners, facts, nowMs, traces);
  if (traces === undefined) return { version: compiled.version, applied: applied.entries };
  const local = groups.length > 0 ? localOf(facts, ctx) : null;
  return {
    version: compiled.version,
    applied: applied.entries,
    trace: {
      version: compiled.version,
      timeZone: compiled.timeZone,
      eventType: typeof eventType === "string" ? eventType : null,
      nowMs,
      local:
        local === null
          ? null
          : {
              date: `${local.year}-${pad2(local.month)}-${pad2(local.day)}`,
              dayOfWeek: DAYS_OF_WEEK[local.isoDayOfWeek - 1] ?? "mon",
              time: hhmm(local.minuteOfDay),
            },
      rules: traces,
      multipliers: applied.multipliers,
    },
  };
}

/**
 * Whether any rule for the event's type could apply, with the facts `isUnknown` names not
 * known yet (another component counts them): false only when every rule in schedule is
 * decided false by the known facts alone, so a caller may skip fetching the rest. Groups,
 * priorities and budgets only ever drop rules, so they are not consulted.
 *
 * @example
 * couldApply(compiled, { "event.type": "risk.conversion", "signal.clickToConversionSec": 600 },
 *   { nowMs, isUnknown: (attr) => attr === "signal.clicksLastMinute" }) // false under the starter rules
 */
export function couldApply(
  compiled: CompiledRuleSet,
  facts: Facts,
  options: { nowMs: number; isUnknown: (attr: string) => boolean },
): boolean {
  const eventType = facts["event.type"];
  const groups =
    typeof eventType === "string" ? (compiled.byEventType.get(eventType) ?? NO_GROUPS) : NO_GROUPS;
  const ctx: EvalContext = { timeZone: compiled.timeZone, local: undefined };
  for (const group of groups) {
    for (const rule of group.rules) {
      if (!inSchedule(rule, options.nowMs)) continue;
      if (rule.condition.possible(facts, ctx, options.isUnknown) !== false) return true;
    }
  }
  return false;
}

function inSchedule(rule: CompiledRule, nowMs: number): boolean {
  return (
    (rule.startsAtMs === undefined || nowMs >= rule.startsAtMs) &&
    (rule.endsAtMs === undefined || nowMs < rule.endsAtMs)
  );
}

/** The fast path: no trace; first_match stops at its first candidate. */
function selectFast(
  group: CompiledGroup,
  facts: Facts,
  ctx: EvalContext,
  nowMs: number,
  winners: CompiledRule[],
): void {
  const rules = group.rules;
  if (group.mode === "stackable" || group.mode === "first_match") {
    const first = group.mode === "first_match";
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i] as CompiledRule;
      if (inSchedule(rule, nowMs) && rule.test(facts, ctx)) {
        winners.push(rule);
        if (first) return;
      }
    }
    return;
  }
  let best: CompiledRule | undefined;
  let bestValue = 0;
  const rankCurrency = rankCurrencyOf(group, facts);
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i] as CompiledRule;
    if (!inSchedule(rule, nowMs) || !rule.test(facts, ctx)) continue;
    const value = rankValue(rule, facts, rankCurrency);
    if (best === undefined || (group.mode === "highest" ? value > bestValue : value < bestValue)) {
      best = rule;
      bestValue = value;
    }
  }
  if (best !== undefined) winners.push(best);
}

/** The simulator's path: every rule the event type reached gets a trace entry. */
function selectTraced(
  group: CompiledGroup,
  facts: Facts,
  ctx: EvalContext,
  nowMs: number,
  winners: CompiledRule[],
  traces: RuleTrace[],
): void {
  const entries: RuleTrace[] = [];
  const candidates: { rule: CompiledRule; entry: RuleTrace }[] = [];
  const ranked = group.mode === "highest" || group.mode === "lowest";
  const rankCurrency = ranked ? rankCurrencyOf(group, facts) : undefined;
  for (const rule of group.rules) {
    const status =
      rule.startsAtMs !== undefined && nowMs < rule.startsAtMs
        ? "not_started"
        : rule.endsAtMs !== undefined && nowMs >= rule.endsAtMs
          ? "ended"
          : "in";
    const entry: RuleTrace = {
      ruleId: rule.id,
      name: rule.name,
      group: group.name,
      mode: group.mode,
      priority: rule.priority,
      schedule: { status },
      conditions: null,
      outcome: "out_of_schedule",
      effects: [...rule.effects],
    };
    if (rule.startsAtMs !== undefined) entry.schedule.startsAtMs = rule.startsAtMs;
    if (rule.endsAtMs !== undefined) entry.schedule.endsAtMs = rule.endsAtMs;
    entries.push(entry);
    if (status !== "in") continue;
    entry.conditions = rule.condition.trace(facts, ctx);
    if (entry.conditions.result !== "pass") {
      entry.outcome = "conditions_failed";
      continue;
    }
    if (ranked) entry.rankValue = rankValue(rule, facts, rankCurrency);
    candidates.push({ rule, entry });
  }
  let winner: { rule: CompiledRule; entry: RuleTrace } | undefined;
  if (group.mode === "stackable") {
    for (const candidate of candidates) {
      candidate.entry.outcome = "applied";
      winners.push(candidate.rule);
    }
  } else {
    for (const candidate of candidates) {
      const value = candidate.entry.rankValue ?? 0;
      const bestValue = winner?.entry.rankValue ?? 0;
      if (
        winner === undefined ||
        (group.mode === "highest" && value > bestValue) ||
        (group.mode === "lowest" && value < bestValue)
      ) {
        winner = candidate;
      }
    }
    if (winner !== undefined) {
      winner.entry.outcome = "applied";
      winners.push(winner.rule);
      for (const candidate of candidates) {
        if (candidate === winner) continue;
        candidate.entry.outcome = "outranked";
        candidate.entry.outrankedBy = winner.rule.id;
      }
    }
  }
  traces.push(...entries);
}

/**
 * The currency a `highest`/`lowest` cashback group compares in: the event's, or for an event
 * without one the currency of the group's first fixed cashback. Amounts in other currencies
 * count 0: money in two currencies is never compared.
 */
function rankCurrencyOf(group: CompiledGroup, facts: Facts): string | undefined {
  const currency = facts["event.currency"];
  if (typeof currency === "string") return currency;
  for (const rule of group.rules) {
    for (const effect of rule.effects) if (effect.kind === "cashback_fixed") return effect.currency;
  }
  return undefined;
}

/** What highest/lowest compare: points, minor units in `rankCurrency`, or Π factors (bps). */
function rankValue(rule: CompiledRule, facts: Facts, rankCurrency: string | undefined): number {
  let sum = 0;
  let product = 1;
  let multiplier = false;
  for (const effect of rule.effects) {
    if (effect.kind === "multiplier") {
      multiplier = true;
      product *= effect.factorBps / 10_000;
      continue;
    }
    const value = baseValue(effect, facts);
    if (value === undefined) continue;
    if (value.unit === "points" || value.currency === rankCurrency) sum += value.amount;
  }
  return multiplier ? Math.round(product * 10_000) : sum;
}

interface BaseValue {
  unit: "points" | "cashback";
  /** Points, or minor units of `currency`. */
  amount: number;
  /** Cashback's currency; undefined for points, and for a percentage of an event without one. */
  currency: string | undefined;
}

/** A base effect's value; undefined for multipliers, referral rewards and fraud effects. */
function baseValue(effect: Effect, facts: Facts): BaseValue | undefined {
  switch (effect.kind) {
    case "points_fixed":
      return { unit: "points", amount: effect.points, currency: undefined };
    case "points_per_unit": {
      const amount = eventAmount(facts);
      const units = amount === undefined ? 0 : mulDivRound(amount, 1, effect.perUnitMinor, "floor");
      return { unit: "points", amount: units * effect.points, currency: undefined };
    }
    case "cashback_fixed":
      return { unit: "cashback", amount: effect.amountMinor, currency: effect.currency };
    case "cashback_percent": {
      const amount =
        effect.category === undefined || facts["event.category"] === effect.category
          ? eventAmount(facts)
          : undefined;
      const currency = facts["event.currency"];
      return {
        unit: "cashback",
        amount: amount === undefined ? 0 : applyRateBps(amount, effect.rateBps, "floor"),
        currency: typeof currency === "string" ? currency : undefined,
      };
    }
    case "multiplier":
    case "referral_reward":
    case "hold_payouts":
    case "hold_transaction":
    case "hold_referral":
    case "require_step_up":
    case "flag":
    case "ignore_click":
      return undefined;
  }
}

/** `event.amountMinor` when it is a whole non-negative number of minor units. */
function eventAmount(facts: Facts): number | undefined {
  const amount = facts["event.amountMinor"];
  return typeof amount === "number" && Number.isSafeInteger(amount) && amount >= 0
    ? amount
    : undefined;
}

interface MultiplierSlot {
  entry: AppliedEffect;
  factorBps: number;
}

function valueWinners(
  compiled: CompiledRuleSet,
  winners: readonly CompiledRule[],
  facts: Facts,
  nowMs: number,
  traces: RuleTrace[] | undefined,
): { entries: AppliedEffect[]; multipliers: MultiplierTrace[] } {
  const entries: AppliedEffect[] = [];
  const pointsMultipliers: MultiplierSlot[] = [];
  const cashbackMultipliers: MultiplierSlot[] = [];
  let basePoints = 0;
  const baseCashback = new Map<string, number>();
  const periods = new Map<BudgetPeriod, string>();
  for (const rule of winners) {
    const budgetKeys =
      rule.budgets.length === 0 ? NO_KEYS : keysOf(compiled, rule, facts, nowMs, periods);
    for (const effect of rule.effects) {
      const entry: AppliedEffect = {
        ruleId: rule.id,
        ruleVersion: compiled.version,
        group: rule.group,
        effect,
        budgetKeys,
      };
      entries.push(entry);
      if (effect.kind === "multiplier") {
        const slot = { entry, factorBps: effect.factorBps };
        if (effect.appliesTo === "points") pointsMultipliers.push(slot);
        else cashbackMultipliers.push(slot);
        continue;
      }
      const value = baseValue(effect, facts);
      if (value === undefined) continue;
      if (value.unit === "points") {
        entry.pointsAsked = value.amount;
        basePoints += value.amount;
      } else {
        entry.cashbackAskedMinor = value.amount;
        if (value.currency !== undefined) {
          entry.currency = value.currency;
          baseCashback.set(value.currency, (baseCashback.get(value.currency) ?? 0) + value.amount);
        }
      }
    }
  }
  const multipliers: MultiplierTrace[] = [];
  if (pointsMultipliers.length > 0) {
    const trace = multiply(basePoints, pointsMultipliers, "points", undefined);
    multipliers.push(trace);
  }
  if (cashbackMultipliers.length > 0) {
    const currency = multiplierCurrency(facts, baseCashback);
    const base = currency === undefined ? 0 : (baseCashback.get(currency) ?? 0);
    multipliers.push(multiply(base, cashbackMultipliers, "cashback", currency));
  }
  return { entries, multipliers: traces === undefined ? [] : multipliers };
}

/**
 * Cashback multipliers multiply the cashback in the event's currency; for an event without
 * one, the cashback's currency when the base effects gave exactly one.
 */
function multiplierCurrency(facts: Facts, base: ReadonlyMap<string, number>): string | undefined {
  const currency = facts["event.currency"];
  if (typeof currency === "string") return currency;
  return base.size === 1 ? (base.keys().next().value as string) : undefined;
}

/** total = floor(base × Π(factor / 10_000)), exact in BigInt; bonus split pro rata. */
function multiply(
  base: number,
  slots: readonly MultiplierSlot[],
  appliesTo: "points" | "cashback",
  currency: string | undefined,
): MultiplierTrace {
  let numerator = BigInt(base);
  let denominator = 1n;
  for (const slot of slots) {
    numerator *= BigInt(slot.factorBps);
    denominator *= 10_000n;
  }
  const total = divRoundBig(numerator, denominator, "floor");
  const bonus = total - base;
  const shares = allocateProRata(
    bonus,
    slots.map((slot) => slot.factorBps - 10_000),
  );
  slots.forEach((slot, index) => {
    const share = shares[index] ?? 0;
    if (appliesTo === "points") slot.entry.pointsAsked = share;
    else {
      slot.entry.cashbackAskedMinor = share;
      if (currency !== undefined) slot.entry.currency = currency;
    }
  });
  const trace: MultiplierTrace = {
    appliesTo,
    base,
    factorsBps: slots.map((slot) => slot.factorBps),
    total,
    bonus,
  };
  if (currency !== undefined) trace.currency = currency;
  return trace;
}

/** The rule's budget keys; `periods` caches each period's key part for this evaluation. */
function keysOf(
  compiled: CompiledRuleSet,
  rule: CompiledRule,
  facts: Facts,
  nowMs: number,
  periods: Map<BudgetPeriod, string>,
): readonly string[] {
  const userId = facts["user.id"];
  return rule.budgets.map((budget) => {
    let period = periods.get(budget.period);
    if (period === undefined) {
      period = periodKey(budget.period, nowMs, compiled.timeZone);
      periods.set(budget.period, period);
    }
    const entityId =
      budget.entity === "user"
        ? typeof userId === "string"
          ? userId
          : undefined
        : budget.entity === "campaign"
          ? rule.campaignId
          : undefined;
    return joinBudgetKey(rule.id, budget.entity, entityId, period);
  });
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
