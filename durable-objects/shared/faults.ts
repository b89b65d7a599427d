/**
 * Fault points for the deterministic simulation (test/sim, docs/testing.md). A fault point is
 * a named place in the product where a crash or a lost answer can happen: inside the wallet's
 * commit() before its transaction closes, after it committed, in a consumer after the wallet
 * answered. In production nothing is installed and `faultPoint` is a no-op (one comparison);
 * a test installs an injector, which may throw at a point it chose, from its own seed.
 *
 * The injector is a module global: under vitest-pool-workers the main worker's Durable
 * Objects run in the test's isolate, so a test's injector reaches them.
 */

/**
 * `scope` names the object the point is in (a Durable Object's id), so an injector aimed at one
 * wallet does not fire in another wallet's commit that happens to run meanwhile (a background
 * payout dispatch, an alarm); points outside any object pass none.
 */
export type FaultInjector = (point: string, scope?: string) => void;

let injector: FaultInjector | null = null;

/** Lets the installed injector, if any, fail here. `scope` is only stringified when one is. */
export function faultPoint(point: string, scope?: { toString(): string }): void {
  if (injector !== null) injector(point, scope?.toString());
}

/** Installs (or, with null, removes) the injector; tests only. */
export function installFaultInjector(next: FaultInjector | null): void {
  injector = next;
}

/** The error an injector throws, so a test can tell its own faults from real failures. */
export class InjectedFault extends Error {
  constructor(readonly point: string) {
    super(`injected fault at ${point}`);
    this.name = "InjectedFault";
  }
}
