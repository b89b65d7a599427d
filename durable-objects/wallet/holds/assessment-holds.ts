import type {
  Assessment,
  FraudEffectKind,
  HoldInput,
  HoldKind,
  Observation,
} from "#shared/fraud/risk-contract";

/**
 * Pure: the holds an assessment's fraud effects place (docs/fraud.md "Holds"). One hold per
 * (rule, observation, kind), keyed `rule:<ruleId>:<observationId>:<kind>`, so the same
 * assessment applied twice (a redelivered observation) places each hold once, and one rule
 * with two holding effects places both. `flag` and `ignore_click` hold nothing: the first is
 * for review, the second is the click path's (it never attributes).
 */

export interface PlannedHold {
  holdId: string;
  hold: HoldInput;
}

/** Effect → hold kind and whether it covers the observation's subject or the whole user. */
const HOLD_OF: Record<FraudEffectKind, { kind: HoldKind; scope: "user" | "subject" } | null> = {
  hold_payouts: { kind: "payouts", scope: "user" },
  hold_transaction: { kind: "transaction", scope: "subject" },
  hold_referral: { kind: "referral", scope: "subject" },
  require_step_up: { kind: "step_up", scope: "user" },
  flag: null,
  ignore_click: null,
};

const HOUR_MS = 3_600_000;

/**
 * The effect's auto-release time: its rule's `releaseAfterHours` (the condition clears when
 * the window passes) after the assessment; null when the rule has none (an operator ends it).
 */
function autoReleaseAtMs(effect: Assessment["effects"][number], assessedAtMs: number) {
  const hours = (effect as { releaseAfterHours?: unknown }).releaseAfterHours;
  return typeof hours === "number" && Number.isFinite(hours) && hours > 0
    ? assessedAtMs + Math.round(hours * HOUR_MS)
    : null;
}

/**
 * @example
 * holdsOfAssessment({ observationId: "redeem:pay_1", kind: "redemption", … },
 *   { effects: [{ kind: "hold_payouts", ruleId: "ring", reason }], ruleVersion: 4, … })
 * // [{ holdId: "rule:ring:redeem:pay_1:payouts", hold: { kind: "payouts", subjectRef: null, … } }]
 */
export function holdsOfAssessment(
  observation: Pick<Observation, "observationId" | "subjectRef">,
  assessment: Pick<Assessment, "effects" | "ruleVersion" | "assessedAtMs">,
): PlannedHold[] {
  const planned: PlannedHold[] = [];
  const seen = new Set<string>();
  for (const effect of assessment.effects) {
    // An effect kind this wallet does not know (a newer rule set) holds nothing here.
    const target = HOLD_OF[effect.kind] ?? null;
    if (!target) continue;
    // A subject hold without a subject (a login holding "the transaction") has nothing to hold.
    if (target.scope === "subject" && !observation.subjectRef) continue;
    const holdId = `rule:${effect.ruleId}:${observation.observationId}:${target.kind}`;
    if (seen.has(holdId)) continue;
    seen.add(holdId);
    planned.push({
      holdId,
      hold: {
        kind: target.kind,
        subjectRef: target.scope === "subject" ? (observation.subjectRef ?? null) : null,
        reasons: [effect.reason],
        source: "rule",
        ruleId: effect.ruleId,
        ruleVersion: assessment.ruleVersion,
        autoReleaseAtMs: autoReleaseAtMs(effect, assessment.assessedAtMs),
      },
    });
  }
  return planned;
}
