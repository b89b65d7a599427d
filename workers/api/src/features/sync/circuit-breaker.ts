/**
 * The merchant-sync circuit breaker of one network, as pure functions of (state, outcome,
 * now). No clock and no I/O: the sync job reads the state from D1, asks `breakerGate` whether
 * to run, and stores `nextBreakerState` after the run.
 *
 *   closed ──N consecutive failures──▶ open ──cool-down passes──▶ half-open (derived)
 *     ▲                                  ▲                              │
 *     └────────── probe succeeds ────────┼──────────────────────────────┤
 *                                        └── probe fails: cool-down ×2 ─┘
 *
 * Half-open is not stored: it is `open` once `retryAtMs` has passed, so a probe that dies
 * half-way leaves nothing stuck and the next cron simply probes again. While the breaker is
 * not closed, the network's offers are hidden (config-store.ts, catalog-service.ts).
 */

export interface BreakerPolicy {
  /** Consecutive failures that open a closed breaker. */
  failureThreshold: number;
  /** The first cool-down after opening. */
  baseCooldownMs: number;
  /** Failed probes double the cool-down up to this. */
  maxCooldownMs: number;
}

export const DEFAULT_BREAKER_POLICY: BreakerPolicy = {
  failureThreshold: 3,
  baseCooldownMs: 30 * 60_000,
  maxCooldownMs: 6 * 3_600_000,
};

/** What is stored per network. A network with no stored state is `CLOSED_BREAKER`. */
export interface BreakerState {
  state: "closed" | "open";
  consecutiveFailures: number;
  /** The current open period's cool-down; null while closed. */
  cooldownMs: number | null;
  /** When the breaker opened (first failure of the outage that opened it); null while closed. */
  openedAtMs: number | null;
  /** When the next probe may run; null while closed. */
  retryAtMs: number | null;
}

export const CLOSED_BREAKER: BreakerState = {
  state: "closed",
  consecutiveFailures: 0,
  cooldownMs: null,
  openedAtMs: null,
  retryAtMs: null,
};

/** How the breaker looks at `nowMs`: `half_open` is open with the cool-down over. */
export type BreakerView = "closed" | "open" | "half_open";

export function breakerView(state: BreakerState, nowMs: number): BreakerView {
  if (state.state === "closed") return "closed";
  return nowMs >= (state.retryAtMs ?? 0) ? "half_open" : "open";
}

/**
 * Whether a scheduled sync may call the network now: `run` (closed), `probe` (half-open: this
 * run decides) or `skip` (open, cooling down). A sync an operator starts by hand runs anyway
 * and counts as a probe when the breaker is not closed.
 *
 * @example
 * breakerGate(CLOSED_BREAKER, now) // "run"
 */
export function breakerGate(state: BreakerState, nowMs: number): "run" | "probe" | "skip" {
  const view = breakerView(state, nowMs);
  if (view === "closed") return "run";
  return view === "half_open" ? "probe" : "skip";
}

/**
 * The state after one sync's outcome. Success always closes. A failure while closed counts
 * towards the threshold and opens the breaker for `baseCooldownMs` when it reaches it; a
 * failure while open (a probe) re-opens it with the cool-down doubled, capped at
 * `maxCooldownMs`.
 *
 * @example
 * nextBreakerState(CLOSED_BREAKER, "failure", now) // closed, consecutiveFailures 1
 */
export function nextBreakerState(
  prev: BreakerState,
  outcome: "success" | "failure",
  nowMs: number,
  policy: BreakerPolicy = DEFAULT_BREAKER_POLICY,
): BreakerState {
  assertPolicy(policy);
  if (outcome === "success") return CLOSED_BREAKER;

  const consecutiveFailures = prev.consecutiveFailures + 1;
  if (prev.state === "closed") {
    if (consecutiveFailures < policy.failureThreshold) {
      return { ...CLOSED_BREAKER, consecutiveFailures };
    }
    return {
      state: "open",
      consecutiveFailures,
      cooldownMs: policy.baseCooldownMs,
      openedAtMs: nowMs,
      retryAtMs: nowMs + policy.baseCooldownMs,
    };
  }
  const cooldownMs = Math.min((prev.cooldownMs ?? policy.baseCooldownMs) * 2, policy.maxCooldownMs);
  return {
    state: "open",
    consecutiveFailures,
    cooldownMs,
    openedAtMs: prev.openedAtMs ?? nowMs,
    retryAtMs: nowMs + cooldownMs,
  };
}

function assertPolicy(policy: BreakerPolicy): void {
  if (
    !Number.isSafeInteger(policy.failureThreshold) ||
    policy.failureThreshold < 1 ||
    !(policy.baseCooldownMs > 0) ||
    !(policy.maxCooldownMs >= policy.baseCooldownMs)
  ) {
    throw new Error("breaker policy: threshold ≥ 1 and 0 < base cool-down ≤ max cool-down");
  }
}
