import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createConnection } from "node:net";
import os from "node:os";
import path from "node:path";
import { loadDemoData } from "#scripts/demo-data";
import { ROOT } from "#scripts/lib/dev-vars";
import { startLocalRuntime } from "#scripts/lib/local-runtime";
import { BROWSER_TEST_PORT, publishRuntimeInfo } from "./runtime-info";
import { SCREENSHOT_DIR } from "./screenshots";

/** wrangler's output for the whole run, kept with the other artifacts. */
const RUNTIME_LOG = path.join(ROOT, "artifacts", "browser-runtime.log");

/**
 * Where this runtime differs from `npm run dev`: a payout the processor keeps refusing runs out
 * of retries in seconds (two retries, no wait between them) instead of over hours, so "a stuck
 * payout retried" (payouts.spec.ts) reaches `stuck` through the real dispatch and dead-letter
 * consumers. Only these copies of the configs change; no code path exists for it.
 */
const BROWSER_RUNTIME_TUNING = {
  apiVars: { PAYOUT_RETRY_BASE_SEC: "0" },
  queueMaxRetries: { "boomerang-payouts": 2 },
};

/**
 * Starts a local runtime of its own, the way `npm run dev` does (every worker, migrations,
 * demo data) but on BROWSER_TEST_PORT, with fresh state in a temporary folder and its own
 * copies of the configs, so a developer's `.wrangler/state` and running `npm run dev` are
 * never touched. Then creates the first admin with the documented command. Returns the
 * teardown, which stops the runtime (its whole process group) and deletes its state.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  await assertPortFree(BROWSER_TEST_PORT);
  const dir = mkdtempSync(path.join(os.tmpdir(), "boomerang-browser-"));
  mkdirSync(path.dirname(RUNTIME_LOG), { recursive: true });
  rmSync(RUNTIME_LOG, { force: true });
  // Only this run's pages: a page that is gone must not leave an old screenshot behind.
  rmSync(SCREENSHOT_DIR, { recursive: true, force: true });
  const runtime = await startLocalRuntime({
    port: BROWSER_TEST_PORT,
    persistDir: path.join(dir, "state"),
    isolatedConfigDir: path.join(dir, "config"),
    logFile: RUNTIME_LOG,
    tuning: BROWSER_RUNTIME_TUNING,
  }).catch((error: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  // A run cut short (Ctrl-C) still takes workerd down with it.
  const killGroup = () => {
    try {
      if (runtime.process.pid) process.kill(-runtime.process.pid, "SIGKILL");
    } catch {
      // already gone
    }
  };
  process.once("exit", killGroup);
  const teardown = async () => {
    await runtime.stop();
    process.off("exit", killGroup);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const adminKey = runtime.secrets.ADMIN_API_KEY;
    await loadDemoData(runtime.baseUrl, adminKey);
    const admin = {
      email: "first-admin@browser.test",
      password: `Browser-${randomBytes(9).toString("base64url")}`,
    };
    createFirstAdmin(runtime.baseUrl, adminKey, admin);
    publishRuntimeInfo({
      adminKey,
      admin,
      userJwtSecret: runtime.secrets.USER_JWT_SECRET,
      eventKeySecret: runtime.secrets.EVENT_KEY_SECRET,
      stateDir: path.join(dir, "state"),
    });
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}

/** `npm run -s operator:create -- …`, exactly as the README tells an operator to run it. */
function createFirstAdmin(
  baseUrl: string,
  adminKey: string,
  admin: { email: string; password: string },
): void {
  const result = spawnSync(
    "npm",
    [
      "run",
      "-s",
      "operator:create",
      "--",
      "--email",
      admin.email,
      "--name",
      "First Admin",
      "--role",
      "admin",
      "--url",
      baseUrl,
    ],
    {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, OPERATOR_PASSWORD: admin.password, ADMIN_API_KEY: adminKey },
    },
  );
  if (result.status !== 0) {
    throw new Error(
      `npm run operator:create failed (exit ${result.status}):\n${result.stdout}${result.stderr}`,
    );
  }
}

/**
 * Fails fast when something already listens on the port (another worktree's browser tests,
 * say): the tests would otherwise run against that runtime, or wrangler would fail slowly.
 */
async function assertPortFree(port: number): Promise<void> {
  const inUse = await new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: "localhost", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
  if (inUse) {
    throw new Error(
      `port ${port} is in use (another browser test run?): set BROWSER_TEST_PORT to a free port`,
    );
  }
}
