import type { WalletTx } from "../core/wallet-tx";
import { tierChangedEvent } from "../notify/notification-events";
import { shiftLocalMonths } from "../points/local-calendar";
import { publishLoyaltyDue } from "../points/loyalty-due";
import { schedule, unschedule } from "../schedule/schedule-store";
import { decideTier, type TierDecision } from "./decide-tier";
import type { TierPolicy } from "./tier-policy";
import { tierPolicyProblem } from "./tier-policy";
import {
  findSpendOf,
  insertTierHistory,
  readTierState,
  setSpend,
  spendsSince,
  writeTierState,
} from "./tier-store";

/** Qualifying purchases read per decision: a bound on one member's window. */
const MAX_SPENDS_READ = 10_000;

export interface QualifyingSpendInput {
  sourceType: string;
  sourceId: string;
  /** What this source counts for now: the purchase amount, lowered by refunds (0 when fully refunded). */
  amountMinor: number;
  currency: string;
  /** When the purchase happened: it leaves the rolling window that long after. */
  atMs: number;
  nowMs: number;
  policy: TierPolicy;
}

export type TierView = Omit<TierDecision, "reviewAtMs" | "changed"> & {
  benefits: Record<string, string | number | boolean>;
};

/**
 * Records what one purchase counts towards the tier, as a target (the amount after refunds, so
 * a repeated or reordered message sets the same value), then recomputes the tier: an upgrade
 * can apply at once, a drop starts the grace period. Runs inside the caller's transaction.
 *
 * @example
 * commit((tx) => recordQualifyingSpend(tx, { sourceType: "event", sourceId: "evt_1",
 *   amountMinor: 250_000, currency: "INR", atMs, nowMs, policy }))
 * // { status: "ok", tier: "Silver", changed: "upgrade", … }
 */
export function recordQualifyingSpend(
  tx: WalletTx,
  input: QualifyingSpendInput,
): ({ status: "ok" } & TierDecision) | { status: "invalid"; reason: string } {
  const problem = tierPolicyProblem(input.policy);
  if (problem !== null) return { status: "invalid", reason: problem };
  if (input.currency !== input.policy.currency) {
    return { status: "invalid", reason: `qualifying spend is counted in ${input.policy.currency}` };
  }
  if (!Number.isSafeInteger(input.amountMinor) || input.amountMinor < 0) {
    return { status: "invalid", reason: "amountMinor must be a non-negative integer" };
  }
  const known = findSpendOf(tx.sql, input.sourceType, input.sourceId);
  setSpend(tx.sql, {
    sourceType: input.sourceType,
    sourceId: input.sourceId,
    atMs: known?.at_ms ?? input.atMs,
    amountMinor: input.amountMinor,
    nowMs: input.nowMs,
  });
  return { status: "ok", ...applyTier(tx, input.policy, input.nowMs, "spend") };
}

/** The nightly review (the schedule's `tier_review`), with the policy last given to the wallet. */
export function reviewTier(tx: WalletTx, nowMs: number): TierDecision | null {
  const state = readTierState(tx.sql);
  if (!state) {
    unschedule(tx.sql, "tier_review", "tier");
    publishLoyaltyDue(tx.sql);
    return null;
  }
  return applyTier(tx, state.policy, nowMs, "review");
}

function decide(sql: SqlStorage, policy: TierPolicy, nowMs: number, trigger: "spend" | "review") {
  const state = readTierState(sql);
  // One month of slack before the window: decideTier applies the exact edge per purchase.
  const sinceMs = shiftLocalMonths(nowMs, -(policy.windowMonths + 1), policy.timeZone);
  const decision = decideTier(
    policy,
    { tier: state?.tier ?? null, graceEndsAtMs: state?.graceEndsAtMs ?? null },
    spendsSince(sql, sinceMs, MAX_SPENDS_READ),
    nowMs,
    trigger,
  );
  return { state, decision };
}

function applyTier(
  tx: WalletTx,
  policy: TierPolicy,
  nowMs: number,
  trigger: "spend" | "review",
): TierDecision {
  const { state, decision } = decide(tx.sql, policy, nowMs, trigger);
  // A move between tiers is told. Every member starts in the lowest tier (threshold 0), so a
  // first spend that lands higher is a move from it; one that lands there is not news.
  const fromTier = state?.tier ?? policy.tiers[0]?.name ?? null;
  if (fromTier !== null && fromTier !== decision.tier) {
    tx.enqueue(tierChangedEvent(tx.userId(), { fromTier, toTier: decision.tier }, nowMs));
  }
  if (!state || state.tier !== decision.tier) {
    insertTierHistory(tx.sql, {
      fromTier: state?.tier ?? null,
      toTier: decision.tier,
      reason: state ? decision.changed : "first",
      qualifyingMinor: decision.qualifyingSpendMinor,
      atMs: nowMs,
    });
  }
  writeTierState(tx.sql, {
    tier: decision.tier,
    graceEndsAtMs: decision.graceEndsAtMs,
    keptUntilMs: decision.keptUntilMs,
    qualifyingMinor: decision.qualifyingSpendMinor,
    policy,
    updatedAtMs: nowMs,
  });
  if (decision.reviewAtMs === null) unschedule(tx.sql, "tier_review", "tier");
  else schedule(tx.sql, "tier_review", "tier", decision.reviewAtMs);
  publishLoyaltyDue(tx.sql);
  return decision;
}

/**
 * The member's tier as of `nowMs` (read-only): the stored standing re-decided against the
 * window now, with progress to the next tier and the date the tier is kept until; null for a
 * member with no qualifying spend ever recorded. `user.tier` in rule conditions reads this.
 */
export function readTier(sql: SqlStorage, nowMs: number): TierView | null {
  const state = readTierState(sql);
  if (!state) return null;
  const { decision } = decide(sql, state.policy, nowMs, "spend");
  const { reviewAtMs: _r, changed: _c, ...view } = decision;
  const benefits = state.policy.tiers.find((t) => t.name === decision.tier)?.benefits ?? {};
  return { ...view, benefits };
}
