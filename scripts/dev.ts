import { spawn } from "node:child_process";
import path from "node:path";
import { loadDemoData } from "./demo-data";
import { ensureDevVars, ROOT } from "./lib/dev-vars";
import { localD1, WRANGLER } from "./lib/local-d1";

/**
 * `npm run dev`: one local runtime with all three workers, shared D1/KV/Queues/Durable
 * Objects, migrations applied, demo data loaded, URLs printed.
 */
const PORT = Number(process.env.PORT ?? 8787);
const BASE_URL = `http://localhost:${PORT}`;
const PERSIST_DIR = path.join(ROOT, ".wrangler", "state");
const wrangler = WRANGLER;

// Tracking links must point at this runtime, so the base URL is a local setting too.
const vars = ensureDevVars(BASE_URL);

console.log("Applying D1 migrations to the local database…");
const migrate = localD1(["migrations", "apply"], PERSIST_DIR, {
  stdio: ["ignore", "inherit", "inherit"],
});
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const dev = spawn(
  wrangler,
  [
    "dev",
    "-c",
    "dev/gateway/wrangler.toml",
    "-c",
    "wrangler.toml",
    "-c",
    "workers/redirect/wrangler.toml",
    "-c",
    "workers/postback/wrangler.toml",
    "-c",
    "dev/sandbox-network/wrangler.toml",
    "-c",
    "dev/sandbox-processor/wrangler.toml",
    "--port",
    String(PORT),
    "--persist-to",
    PERSIST_DIR,
  ],
  { cwd: ROOT, stdio: "inherit", env: process.env },
);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => dev.kill(signal));
}
dev.on("exit", (code) => process.exit(code ?? 0));

await waitForHealthy();
const count = await loadDemoData(BASE_URL, vars.ADMIN_API_KEY);
console.log(`
Boomerang is running (demo data: ${count} records loaded).
  api       ${BASE_URL}            docs ${BASE_URL}/docs · OpenAPI ${BASE_URL}/openapi.json
  redirect  ${BASE_URL}/c/<token>
  postback  ${BASE_URL}/postback/<network>
  sandbox   ${BASE_URL}/sandbox/…   (an affiliate network for offline runs: docs/sandbox.md)
  payouts   ${BASE_URL}/sandbox-processor/…   (a payout processor for offline runs: docs/payouts.md)
Admin key: see ADMIN_API_KEY in .dev.vars. A user token: npm run -s token -- demo-alice
`);

async function waitForHealthy(): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    try {
      const checks = await Promise.all(
        ["/healthz", "/c/healthz-probe", "/postback/healthz-probe"].map((p) =>
          fetch(`${BASE_URL}${p}`),
        ),
      );
      // The api answers 200; the others answer with their own 4xx pages, which proves they are up.
      if (checks[0]?.ok && checks.slice(1).every((r) => r.status >= 400 && r.status < 500)) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error("workers did not become healthy within 120 s");
}
