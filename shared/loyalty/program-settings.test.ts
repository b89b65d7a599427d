import { describe, expect, test } from "vitest";
import { DEFAULT_TIER_POLICY, DEFAULT_VALIDITY } from "#durable-objects/wallet/index";
import {
  cashbackRateOf,
  DEFAULT_PROGRAM_SETTINGS,
  type ProgramSettings,
  tierPolicyOf,
  validateProgramSettings,
  validityOf,
} from "./program-settings";

const base = (): ProgramSettings => structuredClone(DEFAULT_PROGRAM_SETTINGS);

/** The settings with one change applied. */
function changed(change: (s: ProgramSettings) => void): ProgramSettings {
  const s = base();
  change(s);
  return s;
}

const pathsOf = (input: unknown) => {
  const checked = validateProgramSettings(input);
  return checked.ok ? [] : checked.issues.map((i) => i.path.join("."));
};

describe("the defaults", () => {
  test("validate, and match the wallet's defaults (12M, DEFAULT_TIER_POLICY)", () => {
    expect(validateProgramSettings(DEFAULT_PROGRAM_SETTINGS)).toEqual({
      ok: true,
      settings: DEFAULT_PROGRAM_SETTINGS,
    });
    expect(validityOf(DEFAULT_PROGRAM_SETTINGS)).toEqual(DEFAULT_VALIDITY);
    expect(tierPolicyOf(DEFAULT_PROGRAM_SETTINGS)).toEqual(DEFAULT_TIER_POLICY);
    expect(cashbackRateOf(DEFAULT_PROGRAM_SETTINGS)).toBeNull();
  });
});

describe("validateProgramSettings refuses, at the path", () => {
  test.each<{ label: string; input: unknown; paths: string[] }>([
    {
      label: "an unknown time zone",
      input: changed((s) => {
        s.timeZone = "Mars/Olympus";
      }),
      paths: ["timeZone"],
    },
    {
      label: "a lower-case currency",
      input: changed((s) => {
        s.currency = "inr";
      }),
      paths: ["currency"],
    },
    {
      label: "a malformed validity period",
      input: changed((s) => {
        s.points.validity.period = "twelve";
      }),
      paths: ["points.validity.period"],
    },
    {
      label: "a validity over ten years",
      input: changed((s) => {
        s.points.validity.period = "11Y";
      }),
      paths: ["points.validity.period"],
    },
    {
      label: "pending days over a year",
      input: changed((s) => {
        s.points.pendingDays = 366;
      }),
      paths: ["points.pendingDays"],
    },
    {
      label: "a cashback rate of 0 points",
      input: changed((s) => {
        s.points.redemption.cashback = { points: 0, amountMinor: 50 };
      }),
      paths: ["points.redemption.cashback.points"],
    },
    {
      label: "a first tier above 0",
      input: changed((s) => {
        s.tiers.tiers = [{ name: "Silver", thresholdMinor: 100 }];
      }),
      paths: ["tiers.tiers.0.thresholdMinor"],
    },
    {
      label: "tiers not rising",
      input: changed((s) => {
        s.tiers.tiers = [
          { name: "Bronze", thresholdMinor: 0 },
          { name: "Silver", thresholdMinor: 500 },
          { name: "Gold", thresholdMinor: 500 },
        ];
      }),
      paths: ["tiers.tiers.2.thresholdMinor"],
    },
    {
      label: "a repeated tier name",
      input: changed((s) => {
        s.tiers.tiers = [
          { name: "Bronze", thresholdMinor: 0 },
          { name: "Bronze", thresholdMinor: 10 },
        ];
      }),
      paths: ["tiers.tiers.1.name"],
    },
    {
      label: "no tiers",
      input: changed((s) => {
        s.tiers.tiers = [];
      }),
      paths: ["tiers.tiers"],
    },
    {
      label: "a window over 36 months",
      input: changed((s) => {
        s.tiers.windowMonths = 37;
      }),
      paths: ["tiers.windowMonths"],
    },
    {
      label: "an unknown field",
      input: { ...base(), pointsPerRupee: 1 },
      paths: [""],
    },
  ])("$label", ({ input, paths }) => {
    expect(pathsOf(input)).toEqual(paths);
  });
});

describe("what the wallet gets", () => {
  const program = changed((s) => {
    s.timeZone = "Asia/Kolkata";
    s.currency = "USD";
    s.points.validity = { period: "6M", roundUpTo: "quarter", from: "activation" };
    s.points.redemption = { cashback: { points: 100, amountMinor: 25 }, minPoints: 500 };
    s.tiers = {
      enabled: true,
      tiers: [
        { name: "Member", thresholdMinor: 0 },
        { name: "Plus", thresholdMinor: 50_000, benefits: { pointsMultiplierBps: 15_000 } },
      ],
      windowMonths: 6,
      graceDays: 0,
      upgradeImmediately: false,
    };
  });

  test.each([
    {
      label: "the cashback rate, in the program's currency",
      got: () => cashbackRateOf(program),
      want: { points: 100, amountMinor: 25, currency: "USD" },
    },
    {
      label: "the validity as earnPoints takes it",
      got: () => validityOf(program),
      want: { period: "6M", roundUpTo: "quarter", from: "activation" },
    },
    {
      label: "the tier policy, in the program's zone and currency",
      got: () => tierPolicyOf(program),
      want: {
        tiers: [
          { name: "Member", thresholdMinor: 0 },
          { name: "Plus", thresholdMinor: 50_000, benefits: { pointsMultiplierBps: 15_000 } },
        ],
        currency: "USD",
        windowMonths: 6,
        graceDays: 0,
        upgradeImmediately: false,
        timeZone: "Asia/Kolkata",
      },
    },
    {
      label: "no tier policy when tiers are off",
      got: () => tierPolicyOf({ ...program, tiers: { ...program.tiers, enabled: false } }),
      want: null,
    },
  ])("$label", ({ got, want }) => {
    expect(validateProgramSettings(program).ok).toBe(true);
    expect(got()).toEqual(want);
  });
});
