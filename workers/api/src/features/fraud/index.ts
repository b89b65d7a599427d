/**
 * Fraud (docs/fraud.md): the risk consumer (observations in, identity links in D1, each user's
 * observations to their risk object, effects to the wallet) and the operators' risk read.
 */
export { consumeRiskObservations } from "./consumer";
export { linkedAccounts } from "./linked-accounts";
export {
  reportOrKeepObservations,
  sweepObservationOutbox,
} from "./observation-outbox";
export { clickObservation, conversionObservation, reportObservations } from "./observations";
export { fraudReadRoutes } from "./read-routes";
export { refreshReturnRates } from "./return-store";
