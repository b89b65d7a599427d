import { z } from "zod";
import {
  FlagEffect,
  HoldPayoutsEffect,
  HoldReferralEffect,
  HoldTransactionEffect,
  IgnoreClickEffect,
  RequireStepUpEffect,
} from "./fraud-effects";

/**
 * What a rule gives when it applies. Points and money are integers (money in minor units,
 * rates and factors in basis points: 10_000 = 100% = ×1). How each value is computed is
 * evaluate.ts's concern; this file holds the shapes.
 */

const Currency = z.string().regex(/^[A-Z]{3}$/, "a currency is an ISO 4217 code such as INR");
const Whole = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/**
 * `roundMinor(event.amountMinor × rateBps / 10_000)` in the event's currency. With a
 * `category`, only an event (or, for a campaign boost, an order line) of that category earns
 * it; any other gives 0.
 */
export const CashbackPercentEffect = z.strictObject({
  kind: z.literal("cashback_percent"),
  rateBps: z.number().int().min(1).max(10_000),
  category: z.string().min(1).max(64).optional(),
});
export const CashbackFixedEffect = z.strictObject({
  kind: z.literal("cashback_fixed"),
  amountMinor: Whole.min(1),
  currency: Currency,
});
export const PointsFixedEffect = z.strictObject({
  kind: z.literal("points_fixed"),
  points: Whole.min(1),
});
/** `floor(event.amountMinor / perUnitMinor) × points`. */
export const PointsPerUnitEffect = z.strictObject({
  kind: z.literal("points_per_unit"),
  points: Whole.min(1),
  perUnitMinor: Whole.min(1),
});
/** Multiplies the points (or cashback) the other applied rules give this event. ×1 to ×100. */
export const MultiplierEffect = z.strictObject({
  kind: z.literal("multiplier"),
  factorBps: z.number().int().min(10_000).max(1_000_000),
  appliesTo: z.enum(["points", "cashback"]),
});
/** What one party of a referral gets: an amount in a currency, or points. */
export const ReferralPartyReward = z.union([
  z.strictObject({ amountMinor: Whole.min(1), currency: Currency }),
  z.strictObject({ points: Whole.min(1) }),
]);
export type ReferralPartyReward = z.infer<typeof ReferralPartyReward>;

/**
 * A referral campaign's reward (docs/referrals.md, "Rewards"): applied as is, no value computed
 * here. When it applies to an event of a referred member whose referral can qualify, the
 * referral qualifies and the referee and the referrer get what it names (either may be left
 * out). `programId` limits it to referrals of that program; absent, any program's.
 */
/**
 * From the referrer's `fromNth` rewarded referral of the rule on (1 = the first), the referrer
 * gets `reward` instead of the effect's `referrer`; the tier with the highest `fromNth` reached
 * wins (docs/referrals.md, "Caps and tiers").
 */
export const ReferrerTier = z.strictObject({
  fromNth: z.number().int().min(1).max(1_000_000),
  reward: ReferralPartyReward,
});
export type ReferrerTier = z.infer<typeof ReferrerTier>;

export const MAX_REFERRER_TIERS = 10;

export const ReferralRewardEffect = z
  .strictObject({
    kind: z.literal("referral_reward"),
    programId: z.string().min(1).max(64).optional(),
    referrer: ReferralPartyReward.optional(),
    referee: ReferralPartyReward.optional(),
    /**
     * Days the referee's account must exist (from their signup) before either party's bonus
     * moves from `referral_bonus` to confirmed (points: pending → active). Absent: 0.
     */
    minAccountAgeDays: z
      .number()
      .int()
      .min(0)
      .max(365)
      .optional()
      .describe("days from the referee's signup before the bonuses are confirmed (default 0)"),
    /**
     * When true, the bonuses wait in `referral_bonus` until a `purchase.confirmed` names the
     * qualifying event. Absent: false.
     */
    awaitEventConfirmation: z
      .boolean()
      .optional()
      .describe(
        "the bonuses wait for a purchase.confirmed naming the qualifying event (default false)",
      ),
    /**
     * What a partial refund of the qualifying event does to the bonuses: `keep` them, or take
     * back the refunded share (`proportional`). A refund that completes the original amount,
     * and a chargeback, always take everything back. Absent: `keep`.
     */
    partialRefund: z
      .enum(["keep", "proportional"])
      .optional()
      .describe("what a partial refund of the qualifying event takes back (default keep)"),
    /**
     * At most this many referrer rewards of the rule per referrer and calendar month (in the
     * program's time zone, by when the qualifying event happened); null or absent: no cap.
     * A referral past the cap rewards the referee only.
     */
    referrerMonthlyCap: z.number().int().min(1).max(1_000_000).nullable().optional(),
    /** Bigger rewards from the nth rewarded referral on, ascending by `fromNth`. */
    referrerTiers: z.array(ReferrerTier).max(MAX_REFERRER_TIERS).optional(),
  })
  .superRefine((effect, ctx) => {
    const capped = effect.referrerMonthlyCap != null;
    const tiered = (effect.referrerTiers?.length ?? 0) > 0;
    if ((capped || tiered) && effect.referrer === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["referrer"],
        message: "a referrer cap or tiers need the referrer's reward",
      });
    }
    effect.referrerTiers?.forEach((tier, index) => {
      const before = effect.referrerTiers?.[index - 1];
      if (before !== undefined && tier.fromNth <= before.fromNth) {
        ctx.addIssue({
          code: "custom",
          path: ["referrerTiers", index, "fromNth"],
          message: "tiers are in ascending order of fromNth, each once",
        });
      }
    });
  });
export type ReferralRewardEffect = z.infer<typeof ReferralRewardEffect>;

export const EffectSchema = z.discriminatedUnion("kind", [
  CashbackPercentEffect,
  CashbackFixedEffect,
  PointsFixedEffect,
  PointsPerUnitEffect,
  MultiplierEffect,
  ReferralRewardEffect,
  // Fraud rules' effects (fraud-effects.ts): only on `risk.*` event types, never valued.
  HoldPayoutsEffect,
  HoldTransactionEffect,
  HoldReferralEffect,
  RequireStepUpEffect,
  FlagEffect,
  IgnoreClickEffect,
]);
export type Effect = z.infer<typeof EffectSchema>;
export type EffectKind = Effect["kind"];

/**
 * What a `highest` / `lowest` group ranks its rules by. Points compare with points, money
 * with money, multiplier factors with factors: a group in these modes holds rules of one kind.
 */
export type RankKind = "points" | "cashback" | "points_multiplier" | "cashback_multiplier";

/**
 * The one rank kind all of a rule's effects share, or `undefined` when they mix kinds (or
 * include a referral reward or a fraud effect, which have no value to rank).
 *
 * @example
 * rankKindOf([{ kind: "points_fixed", points: 50 }]) // "points"
 * rankKindOf([{ kind: "points_fixed", points: 50 }, { kind: "cashback_percent", rateBps: 100 }]) // undefined
 */
export function rankKindOf(effects: readonly Effect[]): RankKind | undefined {
  let kind: RankKind | undefined;
  for (const effect of effects) {
    const own = effectRankKind(effect);
    if (own === undefined || (kind !== undefined && own !== kind)) return undefined;
    kind = own;
  }
  return kind;
}

function effectRankKind(effect: Effect): RankKind | undefined {
  switch (effect.kind) {
    case "points_fixed":
    case "points_per_unit":
      return "points";
    case "cashback_fixed":
    case "cashback_percent":
      return "cashback";
    case "multiplier":
      return effect.appliesTo === "points" ? "points_multiplier" : "cashback_multiplier";
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
