import { describe, expect, test } from "vitest";
import { DEFAULT_PROGRAM_SETTINGS } from "#shared/loyalty/program-settings";
import {
  codesOf,
  type FormValues,
  parseBenefits,
  programBody,
  programValues,
} from "./program-form";

describe("programValues → programBody", () => {
  test("the defaults go round the form unchanged", () => {
    const built = programBody(programValues(DEFAULT_PROGRAM_SETTINGS, 4));
    expect(built.errors).toEqual([]);
    expect(built.body).toEqual({ settings: DEFAULT_PROGRAM_SETTINGS, expectedVersion: 4 });
  });

  test("a program with cashback, rounding and benefits goes round too", () => {
    const settings = structuredClone(DEFAULT_PROGRAM_SETTINGS);
    settings.timeZone = "Asia/Kolkata";
    settings.points.validity = { period: "6M", roundUpTo: "quarter", from: "activation" };
    settings.points.redemption = { cashback: { points: 100, amountMinor: 50 }, minPoints: 500 };
    settings.tiers.tiers[2] = {
      name: "Gold",
      thresholdMinor: 10_000_000,
      benefits: { pointsMultiplierBps: 15_000, lounge: true, desk: "priority" },
    };
    const values = programValues(settings, 1);
    expect(values.cashbackAmount).toBe("0.50");
    expect(values["tier-2-threshold"]).toBe("100000.00");
    expect(programBody(values).body).toEqual({ settings, expectedVersion: 1 });
  });
});

describe("programBody", () => {
  const base = programValues(DEFAULT_PROGRAM_SETTINGS, 0);

  // biome-ignore lint/suspicious/noExplicitAny: test reads of the built JSON body.
  test.each<{ label: string; change: FormValues; errors: string[]; check?: (b: any) => void }>([
    {
      label: "a tier row with no name is removed; the others keep their order",
      change: { "tier-1-name": "", "tier-1-threshold": "" },
      errors: [],
      check: (b) =>
        expect(b.settings.tiers.tiers.map((t: { name: string }) => t.name)).toEqual([
          "Bronze",
          "Gold",
        ]),
    },
    {
      label: "a threshold that is not money is named at the tier the API would number",
      change: { "tier-2-threshold": "lots" },
      errors: ["settings.tiers.tiers.2.thresholdMinor"],
    },
    {
      label: "benefits that are not name=value",
      change: { "tier-0-benefits": "free coffee" },
      errors: ["settings.tiers.tiers.0.benefits"],
    },
    {
      label: "a cashback amount that is not money",
      change: { cashbackEnabled: "on", cashbackPoints: "100", cashbackAmount: "half" },
      errors: ["settings.points.redemption.cashback.amountMinor"],
    },
    {
      label: "pending days typed as text are sent for the API to refuse by name",
      change: { pendingDays: "two weeks" },
      errors: [],
      check: (b) => expect(b.settings.points.pendingDays).toBe("two weeks"),
    },
    {
      label: "unticked boxes are false and no cashback is null",
      change: { tiersEnabled: "", upgradeImmediately: "", cashbackEnabled: "" },
      errors: [],
      check: (b) => {
        expect(b.settings.tiers.enabled).toBe(false);
        expect(b.settings.tiers.upgradeImmediately).toBe(false);
        expect(b.settings.points.redemption.cashback).toBeNull();
      },
    },
    {
      label: "a note is sent; no version leaves expectedVersion out",
      change: { note: "Diwali", expectedVersion: "" },
      errors: [],
      check: (b) => {
        expect(b.note).toBe("Diwali");
        expect(b).not.toHaveProperty("expectedVersion");
      },
    },
  ])("$label", ({ change, errors, check }) => {
    const built = programBody({ ...base, ...change });
    expect(built.errors.map((e) => e.path)).toEqual(errors);
    check?.(built.body);
  });
});

describe("parseBenefits and codesOf", () => {
  test.each([
    { raw: "", want: { ok: true, benefits: undefined } },
    { raw: "a=1; b=true; c=x", want: { ok: true, benefits: { a: 1, b: true, c: "x" } } },
    { raw: "a=1\nb=false", want: { ok: true, benefits: { a: 1, b: false } } },
    { raw: "=1", want: { ok: false, message: '"=1" is not name=value' } },
  ])("benefits $raw", ({ raw, want }) => {
    expect(parseBenefits(raw)).toEqual(want);
  });

  test("codes: one a line, trimmed, blank lines dropped", () => {
    expect(codesOf(" A-1 \r\n\nB-2\n  \nC-3")).toEqual(["A-1", "B-2", "C-3"]);
  });
});
