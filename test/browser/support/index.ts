/** Everything a browser test needs: `import { test, expect, … } from "./support/index"`. */
export { expectNoSeriousA11yViolations } from "./a11y";
export { expect, test } from "./fixtures";
export { fillFormByKeyboard, tabTo } from "./keyboard";
export { createOperator, type Operator, ROLES, type Role } from "./operators";
export { runtimeInfo } from "./runtime-info";
export { SCREENSHOT_DIR, screenshot } from "./screenshots";
export { signIn, signOut, submitSignIn } from "./sign-in";
