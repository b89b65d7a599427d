/**
 * The operator's switch for fraud scoring (docs/fraud.md "Turning scoring off"): the wrangler
 * var `FRAUD_SCORING`, "on" (the default, also when absent) or "off". Off, producers send no
 * observations to the risk queue and the wallet redeems without asking the risk object (so no
 * `risk_unavailable` holds either); the payout policy's own checks still apply.
 */
export interface ScoringSwitch {
  /** "on" (default when absent) | "off". Any other value counts as "on": scoring fails safe. */
  FRAUD_SCORING?: string;
}

/**
 * Pure: whether scoring is on. Only "off" (any case, surrounding spaces ignored) turns it off.
 *
 * @example
 * scoringEnabled({}) // true
 * scoringEnabled({ FRAUD_SCORING: "off" }) // false
 */
export function scoringEnabled(env: ScoringSwitch): boolean {
  return env.FRAUD_SCORING?.trim().toLowerCase() !== "off";
}
