/** Rule sets: the draft, immutable published versions, publish, rollback and the simulator. */
export { rulesAdminRoutes } from "./routes";
