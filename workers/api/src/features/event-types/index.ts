/** Custom event types: the specs operators register for `custom.<name>` events (docs/events.md). */
export { eventTypeAdminRoutes } from "./routes";
