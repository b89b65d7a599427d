/**
 * The sandbox affiliate network (docs/sandbox.md): an in-memory network that speaks
 * Boomerang's generic signed format, for tests and local demos.
 */
export * from "./feed";
export { handleSandboxRequest } from "./http";
export { Mulberry32 } from "./prng";
export { deliveryRequest, SandboxNetwork, visibleVersion } from "./sandbox-network";
export * from "./types";
export { decodeCursor, encodeCursor, isoTime, wireBody } from "./wire";
