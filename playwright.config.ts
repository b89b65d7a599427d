import { defineConfig } from "@playwright/test";
import { BROWSER_TEST_PORT } from "./test/browser/support/runtime-info";

/**
 * Browser tests of the operator console (test/browser/*.spec.ts; vitest takes only
 * `*.test.ts`). Debian's chromium, never a downloaded browser; the global setup starts its own
 * local runtime on BROWSER_TEST_PORT (8795) with fresh state, demo data and a first admin.
 * Screenshots of every page go to artifacts/console-screenshots/, traces and failure
 * screenshots to artifacts/playwright/ (both kept by CI, both git-ignored).
 */
export default defineConfig({
  testDir: "test/browser",
  testMatch: "*.spec.ts",
  globalSetup: "./test/browser/support/global-setup.ts",
  outputDir: "artifacts/playwright",
  // Two cores: the runtime (workerd) needs one of them.
  workers: 1,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  // Generous: keyboard-only tests press Tab once per control, and CI shares two cores.
  timeout: 60_000,
  expect: { timeout: 5_000 },
  reporter: [["list"], ["html", { outputFolder: "artifacts/playwright-report", open: "never" }]],
  use: {
    baseURL: `http://localhost:${BROWSER_TEST_PORT}`,
    browserName: "chromium",
    headless: true,
    launchOptions: { executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium" },
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    locale: "en-GB",
    timezoneId: "UTC",
  },
});
