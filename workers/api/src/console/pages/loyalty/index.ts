/** /console/loyalty (docs/console.md, Loyalty program): settings, versions, voucher pools. */
export { LOYALTY_BASE, loyaltyRoutes } from "./program";
