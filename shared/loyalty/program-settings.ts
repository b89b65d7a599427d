import { z } from "zod";
import {
  type CashbackRate,
  rateProblem,
  type TierPolicy,
  tierPolicyProblem,
  type Validity,
  validityProblem,
} from "#durable-objects/wallet/index";
import { isValidTimeZone } from "../rules/local-time";

/**
 * The loyalty program's settings: the operator's configuration of the points program (the
 * calendar it runs on, how long points last, how long they stay pending, what they buy) and
 * of its tiers. Pure (zod 4): saved as immutable versions through the admin API
 * (`PUT /admin/v1/loyalty/program`), read by the wallet's event processing through
 * `live-program-settings.ts`. docs/loyalty.md "Program settings".
 *
 * Only functions are imported from the wallet (never its constants at module level), so the
 * wallet's own code may import this module without an initialisation cycle.
 */

export const MAX_TIERS = 20;

const BenefitValue = z.union([z.string().max(200), z.number(), z.boolean()]);

const ValiditySchema = z.strictObject({
  period: z
    .string()
    .regex(/^\d{1,4}[DMY]$/, "a period is <n>D, <n>M or <n>Y, e.g. 12M")
    .describe("how long a lot stays spendable: `<n>D`, `<n>M` or `<n>Y` (12M by default)"),
  roundUpTo: z
    .enum(["month", "quarter", "half_year", "year"])
    .nullable()
    .optional()
    .describe("extend the last valid day to the end of its month, quarter, half-year or year"),
  from: z
    .enum(["earn", "activation"])
    .optional()
    .describe("count the period from the earn (default) or from when pending points activate"),
});

const TierSchema = z.strictObject({
  name: z.string().trim().min(1).max(40),
  thresholdMinor: z
    .number()
    .int()
    .min(0)
    .max(Number.MAX_SAFE_INTEGER)
    .describe("qualifying spend over the window that reaches this tier, in minor units"),
  benefits: z
    .record(z.string().min(1).max(64), BenefitValue)
    .refine((b) => Object.keys(b).length <= 32, "at most 32 benefits a tier")
    .optional()
    .describe("what the tier gives, for rules and the member API (`pointsMultiplierBps: 12500`)"),
});

const CashbackRedemptionSchema = z.strictObject({
  points: z.number().int().min(1).max(1_000_000_000).describe("this many points buy …"),
  amountMinor: z
    .number()
    .int()
    .min(1)
    .max(1_000_000_000_000)
    .describe("… this much cashback, in minor units of the program's currency"),
});

export const ProgramSettingsSchema = z
  .strictObject({
    timeZone: z
      .string()
      .min(1)
      .max(64)
      .describe("IANA time zone: validity days, months and tier windows are local"),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, "an ISO 4217 code, e.g. INR")
      .describe("qualifying spend and points-bought cashback are in it"),
    points: z.strictObject({
      validity: ValiditySchema,
      pendingDays: z
        .number()
        .int()
        .min(0)
        .max(365)
        .describe("days earned points stay pending (the return window); 0: spendable at once"),
      redemption: z.strictObject({
        cashback: CashbackRedemptionSchema.nullable().describe(
          "the rate points convert into cashback at; null: the program offers no cashback",
        ),
        minPoints: z
          .number()
          .int()
          .min(0)
          .max(1_000_000_000)
          .describe("the fewest points one cashback redemption may convert"),
      }),
    }),
    tiers: z.strictObject({
      enabled: z.boolean(),
      tiers: z
        .array(TierSchema)
        .min(1)
        .max(MAX_TIERS)
        .describe("lowest first; the first tier's threshold is 0; thresholds rise strictly"),
      windowMonths: z
        .number()
        .int()
        .min(1)
        .max(36)
        .describe("the rolling window spend counts over"),
      graceDays: z
        .number()
        .int()
        .min(0)
        .max(730)
        .describe("how long a member keeps a tier after their spend falls below it"),
      upgradeImmediately: z
        .boolean()
        .describe("true: up as soon as spend crosses a threshold; false: at the nightly review"),
    }),
  })
  .superRefine(
    (settings, ctx) => {
      for (const issue of settingsIssues(settings)) ctx.addIssue({ code: "custom", ...issue });
    },
    // Only once every field has its shape: one problem is reported once, where it is.
    { when: (payload) => payload.issues.length === 0 },
  );

export type ProgramSettings = z.output<typeof ProgramSettingsSchema>;

/** One problem of settings that have the right shape, at its path. */
export interface SettingsIssue {
  path: (string | number)[];
  message: string;
}

/**
 * Pure: what the shapes cannot say, each at its path — an unknown time zone, a validity the
 * wallet refuses, tiers that do not start at 0 or do not rise, repeated tier names, a rate the
 * wallet refuses — and, last, the wallet's own verdict on the tier policy, so what is saved is
 * exactly what the wallet accepts.
 */
export function settingsIssues(settings: ProgramSettings): SettingsIssue[] {
  const issues: SettingsIssue[] = [];
  if (!isValidTimeZone(settings.timeZone)) {
    issues.push({ path: ["timeZone"], message: `unknown IANA time zone "${settings.timeZone}"` });
  }
  const validity = validityProblem(settings.points.validity as Validity);
  if (validity !== null) issues.push({ path: ["points", "validity", "period"], message: validity });
  const rate = cashbackRateOf(settings);
  const rateIssue = rate === null ? null : rateProblem(rate);
  if (rateIssue !== null) {
    issues.push({ path: ["points", "redemption", "cashback"], message: rateIssue });
  }

  const tiers = settings.tiers.tiers;
  if (tiers[0] && tiers[0].thresholdMinor !== 0) {
    issues.push({
      path: ["tiers", "tiers", 0, "thresholdMinor"],
      message: "the first tier's threshold is 0: every member has a tier",
    });
  }
  const seen = new Set<string>();
  tiers.forEach((tier, i) => {
    if (seen.has(tier.name)) {
      issues.push({ path: ["tiers", "tiers", i, "name"], message: `"${tier.name}" is repeated` });
    }
    seen.add(tier.name);
    const before = tiers[i - 1];
    if (before && tier.thresholdMinor <= before.thresholdMinor) {
      issues.push({
        path: ["tiers", "tiers", i, "thresholdMinor"],
        message: `thresholds rise strictly: ${tier.thresholdMinor} is not above "${before.name}"'s ${before.thresholdMinor}`,
      });
    }
  });
  if (issues.length === 0) {
    // The wallet's check is the last word (it refuses a policy on every tier write).
    const policy = tierPolicyProblem(policyOf(settings));
    if (policy !== null) issues.push({ path: ["tiers"], message: policy });
  }
  return issues;
}

/** UTC, INR, 12 months, nothing pending, no cashback, Bronze / Silver / Gold on 12 months. */
export const DEFAULT_PROGRAM_SETTINGS: ProgramSettings = {
  timeZone: "UTC",
  currency: "INR",
  points: {
    validity: { period: "12M" },
    pendingDays: 0,
    redemption: { cashback: null, minPoints: 0 },
  },
  tiers: {
    enabled: true,
    // The wallet's DEFAULT_TIER_POLICY, written out (a table test keeps them equal).
    tiers: [
      { name: "Bronze", thresholdMinor: 0 },
      { name: "Silver", thresholdMinor: 2_500_000 },
      { name: "Gold", thresholdMinor: 10_000_000 },
    ],
    windowMonths: 12,
    graceDays: 30,
    upgradeImmediately: true,
  },
};

function policyOf(settings: ProgramSettings): TierPolicy {
  return {
    tiers: settings.tiers.tiers.map((t) => ({
      name: t.name,
      thresholdMinor: t.thresholdMinor,
      ...(t.benefits ? { benefits: { ...t.benefits } } : {}),
    })),
    currency: settings.currency,
    windowMonths: settings.tiers.windowMonths,
    graceDays: settings.tiers.graceDays,
    upgradeImmediately: settings.tiers.upgradeImmediately,
    timeZone: settings.timeZone,
  };
}

/**
 * Pure: the tier policy the wallet takes (`recordQualifyingSpend`), or null when the program
 * has no tiers.
 *
 * @example
 * tierPolicyOf(DEFAULT_PROGRAM_SETTINGS)?.tiers.map((t) => t.name); // ["Bronze", "Silver", "Gold"]
 */
export function tierPolicyOf(settings: ProgramSettings): TierPolicy | null {
  return settings.tiers.enabled ? policyOf(settings) : null;
}

/**
 * Pure: the rate points buy cashback at (`redeemPointsForCashback`), in the program's
 * currency, or null when the program offers no cashback redemption.
 *
 * @example
 * cashbackRateOf({ ...settings, points: { ...settings.points, redemption: {
 *   cashback: { points: 100, amountMinor: 50 }, minPoints: 500 } } });
 * // { points: 100, amountMinor: 50, currency: "INR" }
 */
export function cashbackRateOf(settings: ProgramSettings): CashbackRate | null {
  const cashback = settings.points.redemption.cashback;
  return cashback === null
    ? null
    : { points: cashback.points, amountMinor: cashback.amountMinor, currency: settings.currency };
}

/** Pure: the validity new lots get (`earnPoints`'s `validity`). */
export function validityOf(settings: ProgramSettings): Validity {
  const { period, roundUpTo, from } = settings.points.validity;
  return {
    period,
    ...(roundUpTo === undefined ? {} : { roundUpTo }),
    ...(from === undefined ? {} : { from }),
  };
}

/**
 * Pure: checks settings from anywhere (a request body, a stored version) with every problem at
 * its path (`tiers.tiers[2].thresholdMinor`), defaults filled in.
 *
 * @example
 * const checked = validateProgramSettings(body);
 * if (!checked.ok) return problem(checked.issues);
 */
export function validateProgramSettings(
  input: unknown,
): { ok: true; settings: ProgramSettings } | { ok: false; issues: SettingsIssue[] } {
  const parsed = ProgramSettingsSchema.safeParse(input);
  if (parsed.success) return { ok: true, settings: parsed.data };
  return {
    ok: false,
    issues: parsed.error.issues.map((issue) => ({
      path: issue.path.map((p) => (typeof p === "number" ? p : String(p))),
      message: issue.message,
    })),
  };
}
