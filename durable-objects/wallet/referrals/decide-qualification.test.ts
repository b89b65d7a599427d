import { describe, expect, test } from "vitest";
import type { AppliedEffect } from "#shared/rules/index";
import { decideQualification, type QualificationInputs } from "./decide-qualification";

const reward = (ruleId: string, extra: object = {}): AppliedEffect => ({
  ruleId,
  ruleVersion: 4,
  group: "base",
  budgetKeys: [],
  effect: {
    kind: "referral_reward",
    referrer: { amountMinor: 1_000, currency: "INR" },
    referee: { points: 50 },
    ...extra,
  },
});
const points: AppliedEffect = {
  ruleId: "pts",
  ruleVersion: 4,
  group: "base",
  budgetKeys: [],
  effect: { kind: "points_fixed", points: 10 },
  pointsAsked: 10,
};
const signedUp: QualificationInputs["referral"] = {
  state: "signed_up",
  programId: "default",
  attributedAtMs: 1_000,
};

describe("decideQualification", () => {
  test.each<{ label: string; input: QualificationInputs; want: string }>([
    {
      label: "a referral rule on an event after the signup qualifies",
      input: { referral: signedUp, event: { occurredAtMs: 2_000 }, applied: [points, reward("r")] },
      want: "qualify r",
    },
    {
      label: "at the signup's own instant it qualifies",
      input: { referral: signedUp, event: { occurredAtMs: 1_000 }, applied: [reward("r")] },
      want: "qualify r",
    },
    {
      label: "at the end of the qualification window it still qualifies",
      input: {
        referral: { ...signedUp, qualifyByMs: 5_000 },
        event: { occurredAtMs: 5_000 },
        applied: [reward("r")],
      },
      want: "qualify r",
    },
    {
      label: "after the end of the qualification window it does not",
      input: {
        referral: { ...signedUp, qualifyByMs: 5_000 },
        event: { occurredAtMs: 5_001 },
        applied: [reward("r")],
      },
      want: "window_passed",
    },
    {
      label: "no referral rule applied",
      input: { referral: signedUp, event: { occurredAtMs: 2_000 }, applied: [points] },
      want: "no_referral_rule",
    },
    {
      label: "the member was not referred",
      input: { referral: null, event: { occurredAtMs: 2_000 }, applied: [reward("r")] },
      want: "not_referred",
    },
    {
      label: "already qualified (a second qualifying event)",
      input: {
        referral: { ...signedUp, state: "qualified" },
        event: { occurredAtMs: 2_000 },
        applied: [reward("r")],
      },
      want: "not_signed_up",
    },
    {
      label: "already rewarded",
      input: {
        referral: { ...signedUp, state: "rewarded" },
        event: { occurredAtMs: 2_000 },
        applied: [reward("r")],
      },
      want: "not_signed_up",
    },
    {
      label: "held for review",
      input: {
        referral: { ...signedUp, state: "held" },
        event: { occurredAtMs: 2_000 },
        applied: [reward("r")],
      },
      want: "not_signed_up",
    },
    {
      label: "the event happened before the signup",
      input: { referral: signedUp, event: { occurredAtMs: 999 }, applied: [reward("r")] },
      want: "before_signup",
    },
    {
      label: "a rule for another program",
      input: {
        referral: signedUp,
        event: { occurredAtMs: 2_000 },
        applied: [reward("r", { programId: "vip" })],
      },
      want: "other_program",
    },
    {
      label: "the first rule for the referral's program wins",
      input: {
        referral: signedUp,
        event: { occurredAtMs: 2_000 },
        applied: [
          reward("vip", { programId: "vip" }),
          reward("a", { programId: "default" }),
          reward("b"),
        ],
      },
      want: "qualify a",
    },
  ])("$label", ({ input, want }) => {
    const decision = decideQualification(input);
    expect(decision.action === "qualify" ? `qualify ${decision.ruleId}` : decision.why).toBe(want);
  });

  test("the parties' rewards come from the effect; a party left out gets nothing", () => {
    expect(
      decideQualification({
        referral: signedUp,
        event: { occurredAtMs: 2_000 },
        applied: [reward("r", { referee: undefined })],
      }),
    ).toEqual({
      action: "qualify",
      ruleId: "r",
      ruleVersion: 4,
      referee: null,
      referrer: { amountMinor: 1_000, currency: "INR" },
    });
  });

  test("the campaign's cap and tiers for the referrer come with the decision", () => {
    const tiers = [{ fromNth: 5, reward: { amountMinor: 2_500, currency: "INR" } }];
    const decision = decideQualification({
      referral: signedUp,
      event: { occurredAtMs: 2_000 },
      applied: [reward("r", { referrerMonthlyCap: 3, referrerTiers: tiers })],
    });
    expect(decision).toMatchObject({ action: "qualify", referrerTerms: { monthlyCap: 3, tiers } });
  });
});
