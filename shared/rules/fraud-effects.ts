import { z } from "zod";
import { ACTIVITY_KINDS, type ActivityKind, FRAUD_EFFECT_KINDS } from "../fraud/risk-contract";

/**
 * Fraud rules' effects (docs/fraud.md "Fraud rules"): what a rule listening to a
 * `risk.<activityKind>` event does to the user — a hold, a step-up, a flag, a click ignored —
 * each with the score points it adds and the stable reason code every hold shows. They never
 * give points or money, and they apply only to `risk.*` event types (rule-schema.ts checks
 * both ways), so the earning path never meets one.
 */

/** `[a-z][a-z0-9_]{1,63}`: stable, shown on holds and in the score's reasons. */
export const REASON_CODE_PATTERN = /^[a-z][a-z0-9_]{1,63}$/;

/** The longest a reason may stay in force by itself: 90 days. */
export const MAX_RELEASE_AFTER_HOURS = 24 * 90;

const fraudEffect = <K extends (typeof FRAUD_EFFECT_KINDS)[number]>(kind: K) =>
  z.strictObject({
    kind: z.literal(kind),
    score: z
      .number()
      .int()
      .min(0)
      .max(100)
      .describe("score points this adds while its reason is in force (0–100)"),
    reasonCode: z
      .string()
      .regex(REASON_CODE_PATTERN, "a reason code is [a-z][a-z0-9_], 2–64 characters")
      .describe("the stable reason shown on the hold and in the score (shared_device)"),
    releaseAfterHours: z
      .number()
      .int()
      .min(1)
      .max(MAX_RELEASE_AFTER_HOURS)
      .optional()
      .describe(
        "the condition clears by itself after this many hours: the reason leaves the score and " +
          "the hold ends on its own; absent: the reason stays the default window and a hold waits for an operator",
      ),
  });

export const HoldPayoutsEffect = fraudEffect("hold_payouts");
export const HoldTransactionEffect = fraudEffect("hold_transaction");
export const HoldReferralEffect = fraudEffect("hold_referral");
export const RequireStepUpEffect = fraudEffect("require_step_up");
export const FlagEffect = fraudEffect("flag");
export const IgnoreClickEffect = fraudEffect("ignore_click");

export type FraudEffect =
  | z.infer<typeof HoldPayoutsEffect>
  | z.infer<typeof HoldTransactionEffect>
  | z.infer<typeof HoldReferralEffect>
  | z.infer<typeof RequireStepUpEffect>
  | z.infer<typeof FlagEffect>
  | z.infer<typeof IgnoreClickEffect>;

/**
 * Whether an effect is a fraud rule's.
 *
 * @example
 * isFraudEffect({ kind: "flag", score: 10, reasonCode: "click_flood" }) // true
 * isFraudEffect({ kind: "points_fixed", points: 50 }) // false
 */
export function isFraudEffect(effect: { kind: string }): effect is FraudEffect {
  return (FRAUD_EFFECT_KINDS as readonly string[]).includes(effect.kind);
}

/** The event types fraud rules listen to: `risk.<activityKind>`. */
export const RISK_EVENT_PREFIX = "risk.";

/**
 * The activity kind of a `risk.<kind>` event type; undefined for any other type (including a
 * `risk.` type naming no activity).
 *
 * @example
 * riskActivityOf("risk.redemption") // "redemption"
 * riskActivityOf("purchase.completed") // undefined
 */
export function riskActivityOf(eventType: string): ActivityKind | undefined {
  if (!eventType.startsWith(RISK_EVENT_PREFIX)) return undefined;
  const kind = eventType.slice(RISK_EVENT_PREFIX.length);
  return (ACTIVITY_KINDS as readonly string[]).includes(kind) ? (kind as ActivityKind) : undefined;
}

/**
 * The event type a rule listens to for an activity.
 *
 * @example
 * riskEventType("click") // "risk.click"
 */
export function riskEventType(kind: ActivityKind): string {
  return `${RISK_EVENT_PREFIX}${kind}`;
}
