/** Clicks: the clicks consumer (clicks into wallets, counts into D1) and the user's click list. */
export { consumeClicks } from "./consumer";
export { clickUserRoutes } from "./routes";
