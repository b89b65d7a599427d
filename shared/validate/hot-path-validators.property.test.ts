import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { z } from "zod";
import { checkLinkKeysJson, MAX_LINK_KEYS } from "../links/link-keys";
import { ConfirmationOptionsSchema } from "../networks/core/confirmation-options";
import {
  CONFIRMATION_POLICIES,
  networkConfirmationPolicy,
} from "../networks/core/confirmation-policy";
import { ReferralProgramSettingsSchema } from "../referrals/program-settings";
import { checkReferralProgramSettings } from "../referrals/program-settings-check";
import { RISK_SIGNAL_CODES } from "../referrals/risk-signals";

/**
 * The hot workers' hand-written validators (no zod classic in their bundles) against the zod
 * schemas they stand in for: the same inputs accepted, the same rejected, the same value.
 * Inputs are JSON (what KV, D1 and env settings hold): near-valid values with any field
 * replaced by anything, so both sides of every check are reached.
 */
const RUNS = { numRuns: 3_000 };

/** Anything JSON, or a value near the edges of the numeric and string checks. */
const junk = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(0, -1, 1, 1.5, 2 ** 53, 1_000_000, 1_000_001, 72, 73, 365, 366, "", null),
  fc.integer({ min: -5, max: 2_000_000 }),
);
/** The valid value most of the time, else anything. */
const or = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 12, arbitrary: arb }, { weight: 1, arbitrary: junk });

describe("LINK_SIGNING_KEYS: checkLinkKeysJson ≡ the zod ring schema", () => {
  const RingSchema = z
    .array(
      z
        .object({
          version: z.number().int().min(1).max(1_000_000),
          key: z.string().min(32).max(512),
          notAfter: z.iso.datetime({ offset: true }).optional(),
        })
        .strict(),
    )
    .min(1)
    .max(MAX_LINK_KEYS);
  const datetime = fc.oneof(
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    fc.constantFrom(
      "2026-06-02T00:00:00Z",
      "2026-06-02T00:00:00+05:30",
      "2026-06-02T00:00+05:30",
      "2026-02-30T00:00:00Z",
      "2024-02-29T23:59:59.123-01:00",
      "2026-06-02 00:00:00Z",
      "2026-06-02",
    ),
  );
  const key = fc.record(
    {
      version: or(fc.integer({ min: 0, max: 1_000_001 })),
      key: or(
        fc.oneof(
          fc.string({ minLength: 32, maxLength: 40 }),
          fc.constantFrom("k".repeat(31), "k".repeat(512), "k".repeat(513)),
        ),
      ),
      notAfter: or(datetime),
    },
    { requiredKeys: ["version", "key"] },
  );
  /** Sometimes a key the schema does not name. */
  const keyMaybeExtra = fc
    .tuple(key, fc.boolean(), fc.boolean(), junk)
    .map(([k, a, b, extra]) => (a && b ? { ...k, extra } : k));
  const ring = fc.oneof(
    {
      weight: 9,
      arbitrary: fc.array(keyMaybeExtra, { minLength: 0, maxLength: MAX_LINK_KEYS + 1 }),
    },
    { weight: 1, arbitrary: junk },
  );

  test("same verdict and same keys", () => {
    let accepted = 0;
    fc.assert(
      fc.property(ring, (input) => {
        const zod = RingSchema.safeParse(input);
        const hand = checkLinkKeysJson(input);
        expect(hand.ok).toBe(zod.success);
        if (hand.ok && zod.success) {
          accepted++;
          expect(hand.keys).toEqual(zod.data);
        }
      }),
      RUNS,
    );
    expect(accepted).toBeGreaterThan(20);
  });
});

describe("confirmationPolicy option: networkConfirmationPolicy ≡ ConfirmationOptionsSchema", () => {
  const options = fc.oneof(
    fc.record(
      { confirmationPolicy: or(fc.constantFrom(...CONFIRMATION_POLICIES, "never")), other: junk },
      { requiredKeys: [] },
    ),
    junk,
  );
  test("same policy, or none", () => {
    fc.assert(
      fc.property(options, (input) => {
        const parsed = ConfirmationOptionsSchema.safeParse(input ?? {});
        const zod = parsed.success ? (parsed.data.confirmationPolicy ?? null) : null;
        expect(networkConfirmationPolicy(input as Record<string, unknown> | null)).toBe(zod);
      }),
      RUNS,
    );
  });
});

describe("referral program settings: checkReferralProgramSettings ≡ ReferralProgramSettingsSchema", () => {
  const int = (min: number, max: number) => or(fc.integer({ min: min - 1, max: max + 1 }));
  const url = or(
    fc.constantFrom(
      "https://app.example.com/signup?x=1",
      "https://apps.apple.com/app/id1",
      "https://play.google.com/store/apps/details?id=com.example",
      "https://example.com/",
      "http://example.com/",
      "https://user:pw@example.com/",
      "not a url",
      `https://example.com/${"a".repeat(2_030)}`,
      `https://example.com/${"a".repeat(2_040)}`,
    ),
  );
  const settings = fc.record(
    {
      programId: or(fc.constantFrom("default", "default", "default", "other")),
      attribution: or(
        fc.record(
          {
            touch: or(fc.constantFrom("first", "last", "first", "last", "middle")),
            windowDays: int(1, 365),
            probabilisticWindowHours: int(1, 72),
          },
          { requiredKeys: ["touch", "windowDays", "probabilisticWindowHours"] },
        ),
      ),
      qualification: or(
        fc.record({
          windowDays: or(fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 366 }))),
        }),
      ),
      fraud: or(
        fc.record(
          {
            holdThreshold: int(1, 1000),
            weights: or(
              fc.dictionary(
                fc.constantFrom(...RISK_SIGNAL_CODES, "not_a_code"),
                fc.integer({ min: -1, max: 101 }),
                { maxKeys: 4 },
              ),
            ),
            maxReferralsPerReferrerPerDay: int(1, 10_000),
            autoApproveAfterHours: or(
              fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 2161 })),
            ),
          },
          {
            requiredKeys: [
              "holdThreshold",
              "weights",
              "maxReferralsPerReferrerPerDay",
              "autoApproveAfterHours",
            ],
          },
        ),
      ),
      destinations: or(
        fc.record(
          {
            webSignupUrl: url,
            iosAppStoreUrl: fc.oneof(fc.constant(null), url),
            androidPlayStoreUrl: fc.oneof(fc.constant(null), url),
          },
          { requiredKeys: ["webSignupUrl", "iosAppStoreUrl", "androidPlayStoreUrl"] },
        ),
      ),
    },
    { requiredKeys: ["programId", "attribution", "destinations"] },
  );
  /** Sometimes a key no schema names, at the top or inside an object. */
  const withExtra = fc
    .tuple(
      settings,
      fc.constantFrom(null, null, null, null, "", "attribution", "destinations", "fraud"),
      junk,
    )
    .map(([value, at, extra]) => {
      if (at === null) return value;
      const copy = structuredClone(value) as Record<string, unknown>;
      const target = at === "" ? copy : copy[at];
      if (target && typeof target === "object" && !Array.isArray(target)) {
        (target as Record<string, unknown>).extra = extra;
      }
      return copy;
    });

  test("same verdict and same settings", () => {
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.oneof({ weight: 9, arbitrary: withExtra }, { weight: 1, arbitrary: junk }),
        (input) => {
          const zod = ReferralProgramSettingsSchema.safeParse(input);
          const hand = checkReferralProgramSettings(input);
          expect(hand.ok).toBe(zod.success);
          if (hand.ok && zod.success) {
            accepted++;
            expect(hand.settings).toEqual(zod.data);
          }
        },
      ),
      RUNS,
    );
    // The arbitrary reaches both answers.
    expect(accepted).toBeGreaterThan(20);
  });
});
