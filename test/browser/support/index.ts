/**
 * Everything a browser test needs. A page's behaviour gets its own spec file in test/browser/,
 * and the page itself a row in pages.spec.ts (screenshot + axe).
 *
 * @example
 * // test/browser/claims.spec.ts
 * import { expect, screenshot, test } from "./support/index";
 *
 * test.describe("as a viewer", () => {
 *   test.use({ signInAs: "viewer" });
 *   test("approving a claim is refused", async ({ page }) => {
 *     await page.goto("/console/claims");
 *     await screenshot(page, "claims-viewer");
 *     await expect(page.getByRole("button", { name: "Approve" })).toHaveCount(0);
 *   });
 * });
 */
export { expectNoSeriousA11yViolations } from "./a11y";
export { openClaims } from "./claims";
export { expect, test } from "./fixtures";
export {
  fillFormByKeyboard,
  pressByKeyboard,
  skipToContent,
  tabTo,
  typeByKeyboard,
} from "./keyboard";
export { createOperator, type Operator, ROLES, type Role } from "./operators";
export {
  heldPayouts,
  payeeWithCashback,
  payoutOf,
  processorIsBack,
  processorIsDown,
  redeem,
  stuckPayout,
} from "./payouts";
export { RISK_REASON_CODE, reasonText, riskHeldPayout } from "./risk";
export { runtimeInfo } from "./runtime-info";
export { SCREENSHOT_DIR, screenshot } from "./screenshots";
export { signIn, signOut, submitSignIn } from "./sign-in";
export { asAdmin, asBackend, asUser, toSandbox, until } from "./user-api";
