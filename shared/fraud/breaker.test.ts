import { describe, expect, test } from "vitest";
import {
  admit,
  type BreakerPolicy,
  type BreakerState,
  CircuitBreaker,
  failed,
  succeeded,
} from "./breaker";

const policy: BreakerPolicy = { failureThreshold: 3, openMs: 1_000, timeoutMs: 20 };

describe("the breaker's state machine", () => {
  test.each<{ label: string; state: BreakerState; nowMs: number; allowed: boolean; next: string }>([
    {
      label: "closed lets calls through",
      state: { mode: "closed", failures: 2 },
      nowMs: 0,
      allowed: true,
      next: "closed",
    },
    {
      label: "open refuses before its time",
      state: { mode: "open", untilMs: 100 },
      nowMs: 99,
      allowed: false,
      next: "open",
    },
    {
      label: "open lets one probe through at its time",
      state: { mode: "open", untilMs: 100 },
      nowMs: 100,
      allowed: true,
      next: "half_open",
    },
    {
      label: "half-open refuses while the probe is out",
      state: { mode: "half_open" },
      nowMs: 500,
      allowed: false,
      next: "half_open",
    },
  ])("admit: $label", ({ state, nowMs, allowed, next }) => {
    const gate = admit(state, nowMs);
    expect(gate.allowed).toBe(allowed);
    expect(gate.state.mode).toBe(next);
  });

  test.each<{ label: string; state: BreakerState; want: BreakerState }>([
    {
      label: "a first failure counts",
      state: { mode: "closed", failures: 0 },
      want: { mode: "closed", failures: 1 },
    },
    {
      label: "the threshold opens it",
      state: { mode: "closed", failures: 2 },
      want: { mode: "open", untilMs: 1_050 },
    },
    {
      label: "a failed probe opens it again",
      state: { mode: "half_open" },
      want: { mode: "open", untilMs: 1_050 },
    },
  ])("failed: $label", ({ state, want }) => {
    expect(failed(state, 50, policy)).toEqual(want);
  });

  test.each<{ label: string; state: BreakerState }>([
    { label: "closed with failures", state: { mode: "closed", failures: 2 } },
    { label: "a probe answered", state: { mode: "half_open" } },
  ])("succeeded: $label → closed, no failures", ({ state }) => {
    expect(succeeded(state)).toEqual({ mode: "closed", failures: 0 });
  });
});

describe("CircuitBreaker", () => {
  test("times out a hanging call, opens at the threshold, probes after the open time, closes", async () => {
    let nowMs = 0;
    const clock = () => nowMs;
    const breaker = new CircuitBreaker(policy);
    const hang = () => new Promise<number>(() => {});
    expect(await breaker.call(hang, clock)).toMatchObject({ ok: false, cause: "timeout" });
    expect(await breaker.call(() => Promise.reject(new Error("down")), clock)).toMatchObject({
      ok: false,
      cause: "error",
    });
    expect(await breaker.call(hang, clock)).toMatchObject({ ok: false, cause: "timeout" });
    expect(breaker.current.mode).toBe("open");
    // Open: refused at once, the call not even made.
    let called = false;
    const answer = async () => {
      called = true;
      return 42;
    };
    expect(await breaker.call(answer, clock)).toEqual({ ok: false, cause: "breaker_open" });
    expect(called).toBe(false);
    nowMs = 1_000;
    expect(await breaker.call(answer, clock)).toEqual({ ok: true, value: 42 });
    expect(breaker.current).toEqual({ mode: "closed", failures: 0 });
  });
});
