import { describe, expect, test } from "vitest";
import { attributeKind } from "../rules/attributes";
import { VELOCITY_KINDS, VELOCITY_WINDOWS, type VelocityKind, velocityFact } from "./signals";
import { velocityFacts, velocityFromCounts, velocityWithKnown, windowStartsOf } from "./velocity";

const row = (kind: string, last1h: number, last24h: number, last7d: number, newDevice = false) => ({
  kind,
  newDevice,
  last1h,
  last24h,
  last7d,
});

describe("velocityFromCounts", () => {
  test.each([
    { label: "nothing counted", rows: [], kind: "click" as const, counts: [0, 0, 0] },
    {
      label: "clicks",
      rows: [row("click", 3, 10, 40)],
      kind: "click" as const,
      counts: [3, 10, 40],
    },
    {
      label: "logins from known and new devices add up",
      rows: [row("login", 1, 2, 5), row("login", 1, 1, 1, true)],
      kind: "login" as const,
      counts: [2, 3, 6],
    },
    {
      label: "only new-device logins count as new_device_login",
      rows: [row("login", 1, 2, 5), row("login", 1, 1, 1, true)],
      kind: "new_device_login" as const,
      counts: [1, 1, 1],
    },
    {
      label: "a kind scoring does not know is left out",
      rows: [row("purchase", 9, 9, 9)],
      kind: "click" as const,
      counts: [0, 0, 0],
    },
  ])("$label", ({ rows, kind, counts }) => {
    const velocity = velocityFromCounts(rows)[kind];
    expect([velocity["1h"], velocity["24h"], velocity["7d"]]).toEqual(counts);
  });
});

test("windowStartsOf: each window ends at the instant, starts exclusive", () => {
  expect(windowStartsOf(10 * 86_400_000)).toEqual({
    "1h": 10 * 86_400_000 - 3_600_000,
    "24h": 9 * 86_400_000,
    "7d": 3 * 86_400_000,
  });
});

describe("velocity facts", () => {
  test.each([
    { kind: "click" as const, window: "1h" as const, name: "signal.clicks1h" },
    { kind: "conversion" as const, window: "24h" as const, name: "signal.conversions24h" },
    { kind: "claim" as const, window: "7d" as const, name: "signal.claims7d" },
    { kind: "redemption" as const, window: "24h" as const, name: "signal.redemptions24h" },
    {
      kind: "destination_changed" as const,
      window: "7d" as const,
      name: "signal.destinationChanges7d",
    },
    {
      kind: "new_device_login" as const,
      window: "24h" as const,
      name: "signal.newDeviceLogins24h",
    },
  ])("$kind over $window is $name, a number in the catalog", ({ kind, window, name }) => {
    expect(velocityFact(kind, window)).toBe(name);
    expect(attributeKind(name)).toBe("number");
  });

  test("every kind and window has its fact", () => {
    const facts = velocityFacts(velocityFromCounts([row("click", 1, 2, 3)]));
    expect(Object.keys(facts)).toHaveLength(VELOCITY_KINDS.length * VELOCITY_WINDOWS.length);
    expect(facts["signal.clicks24h"]).toBe(2);
    expect(facts["signal.referrals7d"]).toBe(0);
  });
});

// What the producer knew of (the newest time of a kind) that the risk log may not have yet.
describe("velocityWithKnown", () => {
  const AT = 10 * 86_400_000;
  const H = 3_600_000;
  test.each<{
    name: string;
    log: Array<[string, number, number, number]>;
    known: Partial<Record<VelocityKind, number>>;
    kind: VelocityKind;
    want: [number, number, number];
  }>([
    {
      name: "a profile change 2 h ago the log lacks: 24 h and 7 d count 1",
      log: [],
      known: { profile_changed: AT - 2 * H },
      kind: "profile_changed",
      want: [0, 1, 1],
    },
    {
      name: "the log has it already: not counted twice",
      log: [["profile_changed", 1, 1, 1]],
      known: { profile_changed: AT - 10 * 60_000 },
      kind: "profile_changed",
      want: [1, 1, 1],
    },
    {
      name: "the log has more: kept",
      log: [["destination_changed", 0, 3, 4]],
      known: { destination_changed: AT - 2 * H },
      kind: "destination_changed",
      want: [0, 3, 4],
    },
    {
      name: "a new-device sign-in is a new-device login…",
      log: [],
      known: { new_device_login: AT - 60_000 },
      kind: "new_device_login",
      want: [1, 1, 1],
    },
    {
      name: "…and a login",
      log: [],
      known: { new_device_login: AT - 60_000 },
      kind: "login",
      want: [1, 1, 1],
    },
    {
      name: "older than 7 days: nothing",
      log: [],
      known: { profile_changed: AT - 8 * 86_400_000 },
      kind: "profile_changed",
      want: [0, 0, 0],
    },
    {
      name: "after the observation: nothing",
      log: [],
      known: { profile_changed: AT + 1 },
      kind: "profile_changed",
      want: [0, 0, 0],
    },
  ])("$name", ({ log, known, kind, want }) => {
    const velocity = velocityFromCounts(log.map(([k, a, b, c]) => row(k, a, b, c)));
    const counts = velocityWithKnown(velocity, AT, known)[kind];
    expect([counts["1h"], counts["24h"], counts["7d"]]).toEqual(want);
  });

  test("nothing known: the same velocity", () => {
    const velocity = velocityFromCounts([row("click", 1, 2, 3)]);
    expect(velocityWithKnown(velocity, AT, {})).toBe(velocity);
  });
});
