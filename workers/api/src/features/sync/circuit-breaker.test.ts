import { describe, expect, it, test } from "vitest";
import {
  type BreakerState,
  breakerGate,
  breakerView,
  CLOSED_BREAKER,
  DEFAULT_BREAKER_POLICY,
  nextBreakerState,
} from "./circuit-breaker";

const MIN = 60_000;
const HOUR = 60 * MIN;
const T = Date.UTC(2026, 4, 1, 12);

const closed = (consecutiveFailures: number): BreakerState => ({
  ...CLOSED_BREAKER,
  consecutiveFailures,
});
const open = (cooldownMs: number, retryAtMs: number, consecutiveFailures = 3): BreakerState => ({
  state: "open",
  consecutiveFailures,
  cooldownMs,
  openedAtMs: T - HOUR,
  retryAtMs,
});

describe("nextBreakerState", () => {
  test.each<{
    label: string;
    prev: BreakerState;
    outcome: "success" | "failure";
    next: BreakerState;
  }>([
    {
      label: "closed + success stays closed",
      prev: CLOSED_BREAKER,
      outcome: "success",
      next: CLOSED_BREAKER,
    },
    {
      label: "closed + success resets the failure count",
      prev: closed(2),
      outcome: "success",
      next: CLOSED_BREAKER,
    },
    {
      label: "first failure counts, stays closed",
      prev: CLOSED_BREAKER,
      outcome: "failure",
      next: closed(1),
    },
    {
      label: "second failure counts, stays closed",
      prev: closed(1),
      outcome: "failure",
      next: closed(2),
    },
    {
      label: "third consecutive failure opens for the base 30 min",
      prev: closed(2),
      outcome: "failure",
      next: {
        state: "open",
        consecutiveFailures: 3,
        cooldownMs: 30 * MIN,
        openedAtMs: T,
        retryAtMs: T + 30 * MIN,
      },
    },
    {
      label: "failed probe doubles 30 min to 1 h, keeps the opening time",
      prev: open(30 * MIN, T),
      outcome: "failure",
      next: { ...open(HOUR, T + HOUR, 4) },
    },
    {
      label: "failed probe doubles 4 h to the 6 h cap",
      prev: open(4 * HOUR, T),
      outcome: "failure",
      next: { ...open(6 * HOUR, T + 6 * HOUR, 4) },
    },
    {
      label: "failed probe at the cap stays at 6 h",
      prev: open(6 * HOUR, T),
      outcome: "failure",
      next: { ...open(6 * HOUR, T + 6 * HOUR, 4) },
    },
    {
      label: "successful probe closes and forgets the outage",
      prev: open(2 * HOUR, T),
      outcome: "success",
      next: CLOSED_BREAKER,
    },
  ])("$label", ({ prev, outcome, next }) => {
    expect(nextBreakerState(prev, outcome, T)).toEqual(next);
  });

  it("honours a custom policy", () => {
    const policy = { failureThreshold: 1, baseCooldownMs: MIN, maxCooldownMs: 3 * MIN };
    const opened = nextBreakerState(CLOSED_BREAKER, "failure", T, policy);
    expect(opened).toMatchObject({ state: "open", cooldownMs: MIN, retryAtMs: T + MIN });
    const reopened = nextBreakerState(opened, "failure", T + MIN, policy);
    expect(reopened).toMatchObject({ cooldownMs: 2 * MIN, retryAtMs: T + 3 * MIN });
    const capped = nextBreakerState(reopened, "failure", T + 3 * MIN, policy);
    expect(capped).toMatchObject({ cooldownMs: 3 * MIN, retryAtMs: T + 6 * MIN });
  });

  it.each([
    { failureThreshold: 0, baseCooldownMs: MIN, maxCooldownMs: MIN },
    { failureThreshold: 3, baseCooldownMs: 0, maxCooldownMs: MIN },
    { failureThreshold: 3, baseCooldownMs: 2 * MIN, maxCooldownMs: MIN },
  ])("refuses a policy that cannot work: %o", (policy) => {
    expect(() => nextBreakerState(CLOSED_BREAKER, "failure", T, policy)).toThrow(/policy/);
  });

  it("the default policy is 3 failures, 30 min doubling to 6 h", () => {
    expect(DEFAULT_BREAKER_POLICY).toEqual({
      failureThreshold: 3,
      baseCooldownMs: 30 * MIN,
      maxCooldownMs: 6 * HOUR,
    });
  });
});

describe("breakerGate and breakerView", () => {
  test.each<{ label: string; state: BreakerState; nowMs: number; gate: string; view: string }>([
    { label: "closed runs", state: CLOSED_BREAKER, nowMs: T, gate: "run", view: "closed" },
    {
      label: "closed with failures still runs",
      state: closed(2),
      nowMs: T,
      gate: "run",
      view: "closed",
    },
    {
      label: "open, cooling down: skip",
      state: open(30 * MIN, T + 30 * MIN),
      nowMs: T + 29 * MIN,
      gate: "skip",
      view: "open",
    },
    {
      label: "open, one ms before the retry time: skip",
      state: open(30 * MIN, T),
      nowMs: T - 1,
      gate: "skip",
      view: "open",
    },
    {
      label: "open, at the retry time: probe (half-open)",
      state: open(30 * MIN, T),
      nowMs: T,
      gate: "probe",
      view: "half_open",
    },
    {
      label: "open, long after the retry time: probe",
      state: open(30 * MIN, T),
      nowMs: T + 24 * HOUR,
      gate: "probe",
      view: "half_open",
    },
  ])("$label", ({ state, nowMs, gate, view }) => {
    expect(breakerGate(state, nowMs)).toBe(gate);
    expect(breakerView(state, nowMs)).toBe(view);
  });

  it("walks the whole cycle: 3 failures open, failed probe doubles, good probe closes", () => {
    let state = CLOSED_BREAKER;
    let now = T;
    for (let i = 0; i < 3; i++) {
      expect(breakerGate(state, now)).toBe("run");
      state = nextBreakerState(state, "failure", now);
      now += HOUR;
    }
    // Opened at the third failure (T + 2 h) for 30 min.
    expect(state).toMatchObject({ state: "open", retryAtMs: T + 2 * HOUR + 30 * MIN });
    expect(breakerGate(state, T + 2 * HOUR + 10 * MIN)).toBe("skip");
    now = T + 2 * HOUR + 30 * MIN;
    expect(breakerGate(state, now)).toBe("probe");
    state = nextBreakerState(state, "failure", now);
    expect(state).toMatchObject({ state: "open", cooldownMs: HOUR, retryAtMs: now + HOUR });
    expect(breakerGate(state, now + 59 * MIN)).toBe("skip");
    now += HOUR;
    expect(breakerGate(state, now)).toBe("probe");
    state = nextBreakerState(state, "success", now);
    expect(state).toEqual(CLOSED_BREAKER);
  });
});
