import { z } from "zod";
import { DEFAULT_FRAUD_SETTINGS, type FraudSettings, RISK_SIGNAL_CODES } from "./risk-signals";

/**
 * The referral program's settings: how a signup is attributed to a referral click (first or
 * last touch, the attribution window, the short window of a probabilistic match) and where
 * the share link sends a visitor on each platform. Pure (zod 4): saved as immutable versions
 * through the admin API (`PUT /admin/v1/referrals/program`), read at the edge and at signup
 * through `live-program-settings.ts`. docs/referrals.md "Program settings".
 */

import {
  DEFAULT_REFERRAL_PROGRAM_ID,
  destinationUrlProblem,
  MAX_DESTINATION_URL_CHARS,
} from "./program-settings-check";

/** The defaults and the edge's zod-free check live in program-settings-check.ts. */
export {
  checkReferralProgramSettings,
  DEFAULT_REFERRAL_PROGRAM,
  DEFAULT_REFERRAL_PROGRAM_ID,
  destinationUrlProblem,
  MAX_DESTINATION_URL_CHARS,
} from "./program-settings-check";

const DestinationUrl = z
  .string()
  .max(MAX_DESTINATION_URL_CHARS)
  .superRefine((raw, ctx) => {
    const problem = destinationUrlProblem(raw);
    if (problem !== null) ctx.addIssue({ code: "custom", message: problem });
  });

const Weight = z.number().int().min(0).max(100);

/** Fraud holds (docs/referrals.md "Fraud holds"); absent: DEFAULT_FRAUD_SETTINGS. */
export const FraudSettingsSchema = z.strictObject({
  holdThreshold: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .describe("a referral whose signals' weights add up to at least this is held (50)"),
  weights: z
    .partialRecord(z.enum(RISK_SIGNAL_CODES), Weight)
    .describe("weight 0–100 by signal code; a code left out weighs its default"),
  maxReferralsPerReferrerPerDay: z
    .number()
    .int()
    .min(1)
    .max(10_000)
    .describe(
      "more referrals than this by one referrer within 24 hours fire referrer_velocity (20)",
    ),
  autoApproveAfterHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .nullable()
    .describe("a held referral is approved by itself after this many hours; null: never (null)"),
});

export const ReferralProgramSettingsSchema = z.strictObject({
  programId: z
    .literal(DEFAULT_REFERRAL_PROGRAM_ID)
    .describe('the program these settings belong to: "default" (one program for now)'),
  attribution: z.strictObject({
    touch: z
      .enum(["first", "last"])
      .describe("which click in the window wins when a referee clicked several referral links"),
    windowDays: z
      .number()
      .int()
      .min(1)
      .max(365)
      .describe(
        "how many days after a click a signup may still be attributed to it (30 by default)",
      ),
    probabilisticWindowHours: z
      .number()
      .int()
      .min(1)
      .max(72)
      .describe(
        "how many hours after a click a signup with the same hashed IP + user agent and no " +
          "code or token is matched to it, marked probabilistic (2 by default)",
      ),
  }),
  qualification: z
    .strictObject({
      windowDays: z
        .number()
        .int()
        .min(1)
        .max(365)
        .nullable()
        .describe(
          "days after the signup within which the qualifying event must happen; after them the " +
            "referral expires (null: it never does)",
        ),
    })
    .optional()
    .describe("how long a referee has to qualify (no limit when absent)"),
  fraud: FraudSettingsSchema.optional().describe(
    "fraud holds: threshold, signal weights, velocity limit, auto-approve delay (defaults when absent)",
  ),
  destinations: z.strictObject({
    webSignupUrl: DestinationUrl.describe(
      "https page a web visitor lands on; `ref_token` and `ref_code` are added to its query",
    ),
    iosAppStoreUrl: DestinationUrl.nullable().describe(
      "https App Store page for iOS visitors; null: iOS visitors go to the web signup",
    ),
    androidPlayStoreUrl: DestinationUrl.nullable().describe(
      "https Play Store page for Android visitors, given `referrer=ref_token%3D…` (the install " +
        "referrer); null: Android visitors go to the web signup",
    ),
  }),
});

export type ReferralProgramSettings = z.output<typeof ReferralProgramSettingsSchema>;

/** One problem of submitted settings, at its path (`destinations.webSignupUrl`). */
export interface ReferralSettingsIssue {
  path: (string | number)[];
  message: string;
}

/**
 * Pure: checks settings from anywhere (a request body, a stored version), every problem at its
 * path.
 *
 * @example
 * const checked = validateReferralProgramSettings(body);
 * if (!checked.ok) return problem(checked.issues);
 */
export function validateReferralProgramSettings(
  input: unknown,
):
  | { ok: true; settings: ReferralProgramSettings }
  | { ok: false; issues: ReferralSettingsIssue[] } {
  const parsed = ReferralProgramSettingsSchema.safeParse(input);
  if (parsed.success) return { ok: true, settings: parsed.data };
  return {
    ok: false,
    issues: parsed.error.issues.map((issue) => ({
      path: issue.path.map((p) => (typeof p === "number" ? p : String(p))),
      message: issue.message,
    })),
  };
}

/**
 * Pure: the fraud settings in force: the saved ones, or the defaults when none were saved.
 *
 * @example
 * fraudSettingsOf(DEFAULT_REFERRAL_PROGRAM).holdThreshold // 50
 */
export function fraudSettingsOf(settings: ReferralProgramSettings): FraudSettings {
  return settings.fraud ?? DEFAULT_FRAUD_SETTINGS;
}
