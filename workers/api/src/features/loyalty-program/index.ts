/**
 * The loyalty program as operator config: its settings (versioned, propagated to the config
 * cache), voucher pools, and the member's points redemptions (`/v1/me/points/redemptions`).
 */
export { loyaltyProgramAdminRoutes, loyaltyProgramUserRoutes } from "./routes";
