import { describe, expect, test } from "vitest";
import type { Assessment, FraudEffectKind } from "#shared/fraud/risk-contract";
import { holdsOfAssessment } from "./assessment-holds";

const reason = { code: "shared_device", score: 40, detail: "3 accounts share a device" };
const effect = (kind: FraudEffectKind, ruleId = "ring", extra: object = {}) =>
  ({ kind, reason, ruleId, ...extra }) as Assessment["effects"][number];
const assessment = (effects: Assessment["effects"]) => ({
  effects,
  ruleVersion: 7,
  assessedAtMs: 1_000,
});

describe("holdsOfAssessment", () => {
  test.each([
    {
      label: "hold_payouts holds every payout of the user",
      effects: [effect("hold_payouts")],
      subjectRef: "pay_1",
      want: [{ holdId: "rule:ring:obs_1:payouts", kind: "payouts", subjectRef: null }],
    },
    {
      label: "hold_transaction holds the observation's subject",
      effects: [effect("hold_transaction")],
      subjectRef: "txn_1",
      want: [{ holdId: "rule:ring:obs_1:transaction", kind: "transaction", subjectRef: "txn_1" }],
    },
    {
      label: "hold_transaction without a subject holds nothing",
      effects: [effect("hold_transaction")],
      subjectRef: undefined,
      want: [],
    },
    {
      label: "hold_referral holds the referral",
      effects: [effect("hold_referral")],
      subjectRef: "ref_1",
      want: [{ holdId: "rule:ring:obs_1:referral", kind: "referral", subjectRef: "ref_1" }],
    },
    {
      label: "require_step_up is a user-wide step_up hold",
      effects: [effect("require_step_up")],
      subjectRef: "pay_1",
      want: [{ holdId: "rule:ring:obs_1:step_up", kind: "step_up", subjectRef: null }],
    },
    {
      label: "flag and ignore_click hold nothing",
      effects: [effect("flag"), effect("ignore_click")],
      subjectRef: "clk_1",
      want: [],
    },
    {
      label: "one rule with two holding effects places both",
      effects: [effect("hold_payouts"), effect("require_step_up")],
      subjectRef: null,
      want: [
        { holdId: "rule:ring:obs_1:payouts", kind: "payouts", subjectRef: null },
        { holdId: "rule:ring:obs_1:step_up", kind: "step_up", subjectRef: null },
      ],
    },
    {
      label: "the same effect twice is one hold",
      effects: [effect("hold_payouts"), effect("hold_payouts")],
      subjectRef: null,
      want: [{ holdId: "rule:ring:obs_1:payouts", kind: "payouts", subjectRef: null }],
    },
    {
      label: "an effect kind the wallet does not know holds nothing",
      effects: [effect("award_points" as FraudEffectKind)],
      subjectRef: null,
      want: [],
    },
  ])("$label", ({ effects, subjectRef, want }) => {
    const planned = holdsOfAssessment(
      { observationId: "obs_1", subjectRef: subjectRef ?? undefined },
      assessment(effects),
    );
    expect(
      planned.map((p) => ({ holdId: p.holdId, kind: p.hold.kind, subjectRef: p.hold.subjectRef })),
    ).toEqual(want);
  });

  test.each([
    { label: "no releaseAfterHours: an operator ends it", extra: {}, want: null },
    { label: "releaseAfterHours 24", extra: { releaseAfterHours: 24 }, want: 1_000 + 86_400_000 },
    { label: "releaseAfterHours 0 is none", extra: { releaseAfterHours: 0 }, want: null },
  ])("$label → autoReleaseAtMs $want", ({ extra, want }) => {
    const [planned] = holdsOfAssessment(
      { observationId: "obs_1" },
      assessment([effect("hold_payouts", "ring", extra)]),
    );
    expect(planned?.hold).toMatchObject({
      source: "rule",
      ruleId: "ring",
      ruleVersion: 7,
      reasons: [reason],
      autoReleaseAtMs: want,
    });
  });
});
