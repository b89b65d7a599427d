import type { RiskReason } from "./risk-contract";
import type { Velocity } from "./velocity";

/** One change of a user's score: when, to what, why, under which rule set version. */
export interface ScoreChange {
  atMs: number;
  score: number;
  reasons: RiskReason[];
  ruleVersion: number | null;
  /** The observation whose assessment changed it. */
  observationId: string;
}

/**
 * A user's risk as the risk object's `riskOf()` answers it (the admin API's risk page reads
 * it): the score and its reasons now, the newest 50 changes (newest first), and velocity over
 * the windows ending now.
 */
export interface RiskProfile {
  score: number;
  reasons: RiskReason[];
  history: ScoreChange[];
  velocity: Velocity;
  asOfMs: number;
}
