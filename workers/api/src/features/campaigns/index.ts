/** Campaigns: boosts defined in D1, spent by their budget objects. */
export { campaignAdminRoutes } from "./routes";
export { campaignsForOffer } from "./service";
export { type CampaignRow, listUnendedCampaigns } from "./store";
