import type { RiskDurableObject } from "./risk-object";

/** The binding callers (the wallet, the api worker's consumers) reach a user's risk object by. */
export interface RiskBinding {
  /** One object per user (`idFromName(userId)`): the single writer of that user's risk. */
  RISK: DurableObjectNamespace<RiskDurableObject>;
}
