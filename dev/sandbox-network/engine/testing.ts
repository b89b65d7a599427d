import { SandboxNetwork } from "./sandbox-network";
import type { SandboxNetworkOptions, SandboxRuntime } from "./types";

/**
 * Fixtures for tests that drive the sandbox (its own and Boomerang's end-to-end tests).
 * Not used by production code.
 */
export const SANDBOX_TEST_NETWORK_ID = "sandbox-network";
export const SANDBOX_TEST_SECRET = "sandbox-network-postback-secret-for-tests";
/** 2026-11-21T08:00:00Z */
export const SANDBOX_T0 = Date.UTC(2026, 10, 21, 8, 0, 0);
/** A sub-ID-shaped string (the generic schema wants 17+ characters); not a signed one. */
export const SANDBOX_SUB_ID = "MXxzYW5kYm94LXVzZXJ8b2ZmZXJ8MTc5NTI0ODQ0MnxjbGtfdGVzdA";

/** A sandbox with test identity, a fixed clock at `SANDBOX_T0` and the given options. */
export function testSandbox(
  options: Partial<SandboxNetworkOptions> = {},
  runtime: SandboxRuntime = {},
): SandboxNetwork {
  return new SandboxNetwork(
    {
      networkId: SANDBOX_TEST_NETWORK_ID,
      postbackSecret: SANDBOX_TEST_SECRET,
      seed: 1,
      ...options,
    },
    { now: () => SANDBOX_T0, ...runtime },
  );
}
