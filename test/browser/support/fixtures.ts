import { test as base } from "@playwright/test";
import { createOperator, type Operator, ROLES, type Role } from "./operators";
import { signIn } from "./sign-in";

export interface ConsoleFixtures {
  /**
   * Set with `test.use({ signInAs: "viewer" })`: `page` is then signed in as that role's
   * operator before the test starts.
   */
  signInAs: Role | undefined;
}

export interface ConsoleWorkerFixtures {
  /** One operator per role, created through the admin API once per worker. */
  operators: Record<Role, Operator>;
}

/**
 * The browser tests' `test`: Playwright's, plus `operators` (one per role) and the
 * `signInAs` option.
 *
 * @example
 * test.describe("as a viewer", () => {
 *   test.use({ signInAs: "viewer" });
 *   test("cannot approve a claim", async ({ page }) => { … });
 * });
 */
export const test = base.extend<ConsoleFixtures, ConsoleWorkerFixtures>({
  signInAs: [undefined, { option: true }],
  operators: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright reads fixture dependencies from the destructuring.
    async ({}, use) => {
      const entries = [];
      for (const role of ROLES) entries.push([role, await createOperator(role)] as const);
      await use(Object.fromEntries(entries) as Record<Role, Operator>);
    },
    { scope: "worker" },
  ],
  page: async ({ page, signInAs, operators }, use) => {
    if (signInAs) await signIn(page, operators[signInAs]);
    await use(page);
  },
});

export { expect } from "@playwright/test";
