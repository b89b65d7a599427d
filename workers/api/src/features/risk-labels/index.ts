/**
 * The labels export (docs/fraud.md "Labels export"): decided holds' labels with the signals
 * kept at decision time, as CSV in the RISK_EXPORTS bucket for offline model training.
 */

export { createLabelsExport } from "./export";
export { riskLabelAdminRoutes } from "./routes";
