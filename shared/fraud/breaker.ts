/**
 * A circuit breaker with a timeout, for calls whose failure must not stall the caller: the
 * wallet's calls to scoring before money leaves (docs/fraud.md "Fail-safe"). The state machine
 * is pure (`admit`, `succeeded`, `failed`, table-tested); `CircuitBreaker` keeps one state in
 * memory and runs a call under it with a timeout. In memory means per isolate: each isolate
 * learns of an outage by its own failures (a few timeouts at most) and of the recovery by its
 * own probe, which is enough for a fail-safe that holds rather than refuses.
 */

export interface BreakerPolicy {
  /** Consecutive failures (errors or timeouts) that open the breaker. */
  failureThreshold: number;
  /** How long it stays open before one probe call may try again. */
  openMs: number;
  /** A call that has not answered by then counts as failed (and is not waited for). */
  timeoutMs: number;
}

export type BreakerState =
  | { mode: "closed"; failures: number }
  | { mode: "open"; untilMs: number }
  /** One probe is out; other calls are refused until it answers. */
  | { mode: "half_open" };

export const CLOSED: BreakerState = { mode: "closed", failures: 0 };

/**
 * Pure: whether a call may go now, and the state it leaves. Open → refused until `untilMs`,
 * then the first call is the probe (half-open) and the rest are refused until it answers.
 *
 * @example
 * admit({ mode: "open", untilMs: 10 }, 11) // { allowed: true, state: { mode: "half_open" } }
 */
export function admit(
  state: BreakerState,
  nowMs: number,
): { allowed: boolean; state: BreakerState } {
  switch (state.mode) {
    case "closed":
      return { allowed: true, state };
    case "open":
      return nowMs >= state.untilMs
        ? { allowed: true, state: { mode: "half_open" } }
        : { allowed: false, state };
    case "half_open":
      return { allowed: false, state };
  }
}

/** Pure: a call answered: the breaker closes (a probe's success ends the outage). */
export function succeeded(_state: BreakerState): BreakerState {
  return CLOSED;
}

/**
 * Pure: a call failed or timed out. A failed probe opens it again; in closed state it opens
 * at the threshold.
 *
 * @example
 * failed({ mode: "closed", failures: 2 }, 100, { failureThreshold: 3, openMs: 30_000, timeoutMs: 2_000 })
 * // { mode: "open", untilMs: 30_100 }
 */
export function failed(state: BreakerState, nowMs: number, policy: BreakerPolicy): BreakerState {
  if (state.mode === "closed" && state.failures + 1 < policy.failureThreshold) {
    return { mode: "closed", failures: state.failures + 1 };
  }
  return { mode: "open", untilMs: nowMs + policy.openMs };
}

export type BreakerResult<T> =
  | { ok: true; value: T }
  | { ok: false; cause: "timeout" | "error" | "breaker_open"; error?: unknown };

const TIMED_OUT = Symbol("timed out");

/**
 * Resolves with the call's answer, or `TIMED_OUT` after `timeoutMs` (the call itself is left
 * to finish or not; nothing waits for it).
 */
async function withTimeout<T>(call: Promise<T>, timeoutMs: number): Promise<T | typeof TIMED_OUT> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
  });
  try {
    return await Promise.race([call, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One breaker's state in memory and the calls made through it.
 *
 * @example
 * const breaker = new CircuitBreaker({ failureThreshold: 5, openMs: 30_000, timeoutMs: 2_000 });
 * const result = await breaker.call(() => risk.assess(observation), Date.now);
 * if (!result.ok) holdFor(result.cause);
 */
export class CircuitBreaker {
  private state: BreakerState = CLOSED;

  constructor(readonly policy: BreakerPolicy) {}

  /** The current state (for logs and tests). */
  get current(): BreakerState {
    return this.state;
  }

  async call<T>(work: () => Promise<T>, clock: () => number): Promise<BreakerResult<T>> {
    const gate = admit(this.state, clock());
    this.state = gate.state;
    if (!gate.allowed) return { ok: false, cause: "breaker_open" };
    try {
      const value = await withTimeout(work(), this.policy.timeoutMs);
      if (value === TIMED_OUT) {
        this.state = failed(this.state, clock(), this.policy);
        return { ok: false, cause: "timeout" };
      }
      this.state = succeeded(this.state);
      return { ok: true, value };
    } catch (error) {
      this.state = failed(this.state, clock(), this.policy);
      return { ok: false, cause: "error", error };
    }
  }
}
