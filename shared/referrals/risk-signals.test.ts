import { describe, expect, test } from "vitest";
import {
  assessReferralRisk,
  DEFAULT_FRAUD_SETTINGS,
  type FraudSettings,
  type RiskEvidence,
} from "./risk-signals";

const base: RiskEvidence = {
  refereeId: "bea",
  referrerId: "ana",
  method: "code",
  identifiers: [
    { kind: "device", hash: "D1" },
    { kind: "ip_prefix", hash: "N1" },
    { kind: "email", hash: "E1" },
    { kind: "payment_instrument", hash: "P1" },
  ],
  flags: [],
  holders: [],
  chain: [],
  referrerReferralsLastDay: 0,
};

const S = DEFAULT_FRAUD_SETTINGS;

describe("assessReferralRisk", () => {
  test.each<{
    label: string;
    evidence: Partial<RiskEvidence>;
    settings?: FraudSettings;
    codes: string[];
    score: number;
    hold: boolean;
  }>([
    { label: "nothing shared: no signal, no hold", evidence: {}, codes: [], score: 0, hold: false },
    {
      label: "the referrer's device → shared_device (60 ≥ 50: held)",
      evidence: { holders: [{ kind: "device", hash: "D1", userId: "ana" }] },
      codes: ["shared_device"],
      score: 60,
      hold: true,
    },
    {
      label: "the referrer's network only → 20, not held",
      evidence: { holders: [{ kind: "ip_prefix", hash: "N1", userId: "ana" }] },
      codes: ["shared_ip_prefix"],
      score: 20,
      hold: false,
    },
    {
      label: "the referrer's payment instrument and e-mail",
      evidence: {
        holders: [
          { kind: "email", hash: "E1", userId: "ana" },
          { kind: "payment_instrument", hash: "P1", userId: "ana" },
        ],
      },
      codes: ["shared_payment_instrument", "shared_email"],
      score: 160,
      hold: true,
    },
    {
      label: "a stranger holding the device is no signal",
      evidence: { holders: [{ kind: "device", hash: "D1", userId: "zed" }] },
      codes: [],
      score: 0,
      hold: false,
    },
    {
      label: "a holder of a hash the referee does not have is ignored",
      evidence: { holders: [{ kind: "device", hash: "OTHER", userId: "ana" }] },
      codes: [],
      score: 0,
      hold: false,
    },
    {
      label: "someone up the referrer's chain shares the device → referral_ring",
      evidence: { chain: ["cam", "dan"], holders: [{ kind: "device", hash: "D1", userId: "dan" }] },
      codes: ["referral_ring"],
      score: 70,
      hold: true,
    },
    {
      label: "the referee is up the referrer's chain (A refers B refers A) → referral_ring",
      evidence: { chain: ["bea"] },
      codes: ["referral_ring"],
      score: 70,
      hold: true,
    },
    {
      label: "the referrer's 20th referral today is within the limit of 20",
      evidence: { referrerReferralsLastDay: 19 },
      codes: [],
      score: 0,
      hold: false,
    },
    {
      label: "the 21st is over it → referrer_velocity (40, not held alone)",
      evidence: { referrerReferralsLastDay: 20 },
      codes: ["referrer_velocity"],
      score: 40,
      hold: false,
    },
    {
      label: "disposable domain and datacenter IP from intake's flags",
      evidence: { flags: ["disposable_email_domain", "datacenter_ip"] },
      codes: ["disposable_email_domain", "datacenter_ip"],
      score: 80,
      hold: true,
    },
    {
      label: "a probabilistic match alone → 20, not held",
      evidence: { method: "probabilistic" },
      codes: ["probabilistic_attribution"],
      score: 20,
      hold: false,
    },
    {
      label: "the operator's weights and threshold win over the defaults",
      evidence: { method: "probabilistic" },
      settings: { ...S, holdThreshold: 10, weights: { probabilistic_attribution: 15 } },
      codes: ["probabilistic_attribution"],
      score: 15,
      hold: true,
    },
    {
      label: "a signal weighted 0 is shown but holds nothing",
      evidence: { holders: [{ kind: "device", hash: "D1", userId: "ana" }] },
      settings: { ...S, weights: { shared_device: 0 } },
      codes: ["shared_device"],
      score: 0,
      hold: false,
    },
  ])("$label", ({ evidence, settings, codes, score, hold }) => {
    const assessed = assessReferralRisk({ ...base, ...evidence }, settings ?? S);
    expect(assessed.signals.map((s) => s.code)).toEqual(codes);
    expect(assessed.score).toBe(score);
    expect(assessed.hold).toBe(hold);
    for (const s of assessed.signals) expect(s.reason.length).toBeGreaterThan(10);
  });

  test("one signal per code, however many holders share it", () => {
    const assessed = assessReferralRisk(
      {
        ...base,
        holders: [
          { kind: "device", hash: "D1", userId: "ana" },
          { kind: "device", hash: "D1", userId: "ana" },
        ],
      },
      S,
    );
    expect(assessed.signals).toHaveLength(1);
  });
});
