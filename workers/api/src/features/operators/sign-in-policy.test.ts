import { describe, expect, test } from "vitest";
import { afterFailedSignIn, isLocked, SIGN_IN_POLICY } from "./sign-in-policy";

const LOCK = SIGN_IN_POLICY.lockMs;

describe("afterFailedSignIn", () => {
  test.each([
    {
      label: "first failure",
      state: { failedSignIns: 0, lockedUntilMs: null },
      now: 10,
      expected: { failedSignIns: 1, lockedUntilMs: null },
    },
    {
      label: "fourth failure stays open",
      state: { failedSignIns: 3, lockedUntilMs: null },
      now: 10,
      expected: { failedSignIns: 4, lockedUntilMs: null },
    },
    {
      label: "fifth failure locks",
      state: { failedSignIns: 4, lockedUntilMs: null },
      now: 10,
      expected: { failedSignIns: 5, lockedUntilMs: 10 + LOCK },
    },
    {
      label: "failure while locked extends the lock",
      state: { failedSignIns: 5, lockedUntilMs: 20 + LOCK },
      now: 20,
      expected: { failedSignIns: 6, lockedUntilMs: 20 + LOCK },
    },
    {
      label: "a run-out lock starts over",
      state: { failedSignIns: 5, lockedUntilMs: 100 },
      now: 100,
      expected: { failedSignIns: 1, lockedUntilMs: null },
    },
  ])("$label", ({ state, now, expected }) => {
    expect(afterFailedSignIn(state, now)).toEqual(expected);
  });
});

describe("isLocked", () => {
  test.each([
    { label: "never locked", lockedUntilMs: null, now: 5, expected: false },
    { label: "lock in the future", lockedUntilMs: 6, now: 5, expected: true },
    { label: "lock ends exactly now", lockedUntilMs: 5, now: 5, expected: false },
  ])("$label", ({ lockedUntilMs, now, expected }) => {
    expect(isLocked({ failedSignIns: 5, lockedUntilMs }, now)).toBe(expected);
  });
});
