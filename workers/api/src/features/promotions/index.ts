export { consumePromoFanout } from "./fanout";
export { promoSendAdminRoutes } from "./routes";
export { segmentsProjectionStatements } from "./segments-store";
