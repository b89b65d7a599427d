import path from "node:path";
import { loadDemoData } from "./demo-data";
import { ROOT } from "./lib/dev-vars";
import { startLocalRuntime } from "./lib/local-runtime";

/**
 * `npm run dev`: one local runtime with all three workers, shared D1/KV/Queues/Durable
 * Objects, migrations applied, demo data loaded, URLs printed. `PORT` moves it (tracking links
 * included); `PERSIST_DIR` keeps its state somewhere other than .wrangler/state.
 */
const PORT = Number(process.env.PORT ?? 8787);
const PERSIST_DIR = path.resolve(ROOT, process.env.PERSIST_DIR || path.join(".wrangler", "state"));

console.log("Applying D1 migrations to the local database…");
const runtime = await startLocalRuntime({ port: PORT, persistDir: PERSIST_DIR }).catch(
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => runtime.process.kill(signal));
}
runtime.process.on("exit", (code) => process.exit(code ?? 0));

const BASE_URL = runtime.baseUrl;
const count = await loadDemoData(BASE_URL, runtime.secrets.ADMIN_API_KEY);
console.log(`
Boomerang is running (demo data: ${count} records loaded).
  api       ${BASE_URL}            docs ${BASE_URL}/docs · OpenAPI ${BASE_URL}/openapi.json
  redirect  ${BASE_URL}/c/<token>
  postback  ${BASE_URL}/postback/<network>
  events    ${BASE_URL}/v1/events   (signed first-party events: npm run -s event -- --user demo-alice)
  sandbox   ${BASE_URL}/sandbox/…   (an affiliate network for offline runs: docs/sandbox.md)
  payouts   ${BASE_URL}/sandbox-processor/…   (a payout processor for offline runs: docs/payouts.md)
Admin key: see ADMIN_API_KEY in .dev.vars. A user token: npm run -s token -- demo-alice
`);
