import { describe, expect, test } from "vitest";
import { MS_PER_DAY } from "#shared/time/clock";
import { decideTier, type QualifyingSpend, type TierStanding } from "./decide-tier";
import type { TierPolicy } from "./tier-policy";
import { tierPolicyProblem } from "./tier-policy";

const POLICY: TierPolicy = {
  tiers: [
    { name: "Bronze", thresholdMinor: 0 },
    { name: "Silver", thresholdMinor: 1_000 },
    { name: "Gold", thresholdMinor: 5_000 },
  ],
  currency: "INR",
  windowMonths: 12,
  graceDays: 30,
  upgradeImmediately: true,
  timeZone: "UTC",
};
const utc = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d);
const NOW = utc(2027, 6, 15);
const NEW: TierStanding = { tier: null, graceEndsAtMs: null };
const spend = (atMs: number, amountMinor: number): QualifyingSpend => ({ atMs, amountMinor });

describe("decideTier", () => {
  test.each<{
    label: string;
    policy?: Partial<TierPolicy>;
    standing: TierStanding;
    spends: QualifyingSpend[];
    trigger?: "spend" | "review";
    want: Partial<ReturnType<typeof decideTier>>;
  }>([
    {
      label: "no spend: the lowest tier, kept for good, progress 0",
      standing: NEW,
      spends: [],
      want: {
        tier: "Bronze",
        changed: "none",
        keptUntilMs: null,
        next: { tier: "Silver", thresholdMinor: 1_000, remainingMinor: 1_000, progressBps: 0 },
        reviewAtMs: null,
      },
    },
    {
      label: "just below a threshold: progress 99.9%",
      standing: { tier: "Bronze", graceEndsAtMs: null },
      spends: [spend(utc(2027, 1, 1), 999)],
      want: {
        tier: "Bronze",
        changed: "none",
        next: { tier: "Silver", thresholdMinor: 1_000, remainingMinor: 1, progressBps: 9_990 },
      },
    },
    {
      label: "exactly at a threshold: up at once, kept until it leaves the window plus grace",
      standing: { tier: "Bronze", graceEndsAtMs: null },
      spends: [spend(utc(2027, 1, 10), 1_000)],
      want: {
        tier: "Silver",
        changed: "upgrade",
        qualifyingSpendMinor: 1_000,
        keptUntilMs: utc(2028, 1, 10) + 30 * MS_PER_DAY,
        reviewAtMs: utc(2028, 1, 10),
      },
    },
    {
      label: "spend older than the window does not count",
      standing: { tier: "Bronze", graceEndsAtMs: null },
      spends: [spend(utc(2026, 6, 14), 9_000), spend(utc(2027, 6, 1), 10)],
      want: { tier: "Bronze", qualifyingSpendMinor: 10 },
    },
    {
      label: "upgrade waits for the nightly review when not immediate",
      policy: { upgradeImmediately: false },
      standing: { tier: "Bronze", graceEndsAtMs: null },
      spends: [spend(utc(2027, 6, 1), 6_000)],
      want: { tier: "Bronze", changed: "none", reviewAtMs: utc(2027, 6, 16) },
    },
    {
      label: "the nightly review applies the waiting upgrade",
      policy: { upgradeImmediately: false },
      standing: { tier: "Bronze", graceEndsAtMs: null },
      spends: [spend(utc(2027, 6, 1), 6_000)],
      trigger: "review",
      want: { tier: "Gold", changed: "upgrade", next: null },
    },
    {
      label: "a first ranking is never a pending upgrade",
      policy: { upgradeImmediately: false },
      standing: NEW,
      spends: [spend(utc(2027, 6, 1), 6_000)],
      want: { tier: "Gold", changed: "upgrade" },
    },
    {
      label: "below the tier held (a refund): grace starts, the tier is kept until it ends",
      standing: { tier: "Gold", graceEndsAtMs: null },
      spends: [spend(utc(2027, 6, 1), 2_000)],
      want: {
        tier: "Gold",
        changed: "none",
        graceEndsAtMs: NOW + 30 * MS_PER_DAY,
        keptUntilMs: NOW + 30 * MS_PER_DAY,
        reviewAtMs: NOW + 30 * MS_PER_DAY,
      },
    },
    {
      label: "inside grace: still kept, grace end unchanged",
      standing: { tier: "Gold", graceEndsAtMs: NOW + MS_PER_DAY },
      spends: [spend(utc(2027, 6, 1), 2_000)],
      want: { tier: "Gold", graceEndsAtMs: NOW + MS_PER_DAY, keptUntilMs: NOW + MS_PER_DAY },
    },
    {
      label: "grace over: down to the tier the spend reaches (not necessarily the lowest)",
      standing: { tier: "Gold", graceEndsAtMs: NOW },
      spends: [spend(utc(2027, 6, 1), 2_000)],
      want: { tier: "Silver", changed: "downgrade", graceEndsAtMs: null },
    },
    {
      label: "back above the tier inside grace: grace cleared",
      standing: { tier: "Gold", graceEndsAtMs: NOW + MS_PER_DAY },
      spends: [spend(utc(2027, 6, 1), 5_000)],
      want: { tier: "Gold", changed: "none", graceEndsAtMs: null },
    },
    {
      label: "no grace: down at once",
      policy: { graceDays: 0 },
      standing: { tier: "Silver", graceEndsAtMs: null },
      spends: [spend(utc(2027, 6, 1), 999)],
      want: { tier: "Bronze", changed: "downgrade" },
    },
    {
      label: "kept-until follows the spend that makes the total fall below the threshold",
      standing: { tier: "Silver", graceEndsAtMs: null },
      spends: [spend(utc(2026, 8, 1), 600), spend(utc(2027, 2, 1), 600)],
      want: {
        tier: "Silver",
        keptUntilMs: utc(2027, 8, 1) + 30 * MS_PER_DAY,
        reviewAtMs: utc(2027, 8, 1),
      },
    },
    {
      label: "a renamed tier held is re-ranked from the spend",
      standing: { tier: "Platinum", graceEndsAtMs: null },
      spends: [spend(utc(2027, 6, 1), 1_500)],
      want: { tier: "Silver", graceEndsAtMs: null },
    },
  ])("$label", ({ policy, standing, spends, trigger, want }) => {
    const got = decideTier({ ...POLICY, ...policy }, standing, spends, NOW, trigger ?? "spend");
    expect(got).toMatchObject(want);
  });
});

describe("tierPolicyProblem", () => {
  test.each([
    { label: "the default shape", policy: POLICY, want: null },
    {
      label: "first threshold not 0",
      policy: { ...POLICY, tiers: [{ name: "A", thresholdMinor: 5 }] },
      want: "the first tier's threshold is 0",
    },
    {
      label: "thresholds not rising",
      policy: {
        ...POLICY,
        tiers: [
          { name: "A", thresholdMinor: 0 },
          { name: "B", thresholdMinor: 0 },
        ],
      },
      want: "thresholds rise strictly tier by tier",
    },
    {
      label: "duplicate names",
      policy: {
        ...POLICY,
        tiers: [
          { name: "A", thresholdMinor: 0 },
          { name: "A", thresholdMinor: 10 },
        ],
      },
      want: "tier names are distinct and non-empty",
    },
    {
      label: "unknown zone",
      policy: { ...POLICY, timeZone: "Mars/Olympus" },
      want: "unknown time zone Mars/Olympus",
    },
  ])("$label", ({ policy, want }) => {
    expect(tierPolicyProblem(policy)).toBe(want);
  });
});
