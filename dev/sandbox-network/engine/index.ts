/**
 * The sandbox affiliate network (docs/sandbox.md): an in-memory network that speaks
 * Boomerang's generic signed format, or Admitad's, Impact's, CJ's or a template network's
 * own (formats/), for tests and local demos.
 */
export * from "./feed";
export * from "./formats/index";
export { handleSandboxRequest } from "./http";
export { Mulberry32 } from "./prng";
export { deliveryRequest, SandboxNetwork, visibleVersion } from "./sandbox-network";
export * from "./types";
export { decodeCursor, encodeCursor, isoTime, wireBody } from "./wire";
