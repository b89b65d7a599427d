import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { sign } from "hono/jwt";
import { ContractValidator, type OpenApiDocument } from "#test/contract-validator";
import { ApiFuzzPlanner, type FuzzContext, type PlannedRequest } from "#test/fuzz/api-fuzz";
import {
  FuzzRunner,
  formatFindings,
  formatTally,
  type Sent,
  slowestOperations,
} from "#test/fuzz/fuzz-runner";
import { ROOT, readDevVars } from "./lib/dev-vars";
import { type LocalRuntime, startLocalRuntime } from "./lib/local-runtime";

/**
 * `npm run fuzz -- --requests 100000 --seed 7` — the api fuzz of test/fuzz/api-fuzz.e2e.test.ts
 * at volume (docs/testing.md "Fuzzing"), over HTTP against the local runtime: it starts one
 * (all workers, fresh state in .wrangler/fuzz-state, port 8795; run it under
 * `flock /tmp/runtime.lock` on a shared machine), or uses BASE_URL's. It fetches /openapi.json,
 * plans the same requests as the CI sample for the same seed (request i of a seed is the same
 * in every run), and checks each answer: no 5xx; every 4xx is application/problem+json and
 * matches the document for its status; hostile credentials are refused; a refused request
 * leaves both fuzz users' ledgers unchanged — read (chain head through the ledger export, and
 * balances) at the ends of each block of refused requests, a changed block replayed one by one
 * to name the request (test/fuzz/fuzz-runner.ts). Findings print as
 * `FUZZ FAIL seed=N index=I`; `--seed N --from I --requests 1` replays one. Exits 1 on any.
 *
 * `--intake N` instead runs the intake fuzz (every postback network format and event intake,
 * test/fuzz/intake-fuzz.ts) inside the test runtime with N requests per format.
 *
 * The dev server keeps the deployment's rate limits: 429s on user operations are documented
 * and counted, not findings.
 */
const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "1000" },
    seed: { type: "string" },
    from: { type: "string", default: "0" },
    block: { type: "string", default: "64" },
    port: { type: "string", default: "8795" },
    progress: { type: "string", default: "1000" },
    intake: { type: "string" },
  },
});
const int = (name: string, value: string | undefined): number => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) {
    console.error(`--${name} needs a non-negative integer`);
    process.exit(2);
  }
  return n;
};
const SEED =
  values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : int("seed", values.seed);

if (values.intake !== undefined) {
  const perFormat = int("intake", values.intake);
  const run = spawnSync("npx", ["vitest", "run", "-c", "vitest.fuzz.config.ts"], {
    stdio: "inherit",
    env: {
      ...process.env,
      FUZZ_ONLY: "intake-run",
      FUZZ_SEED: String(SEED),
      FUZZ_INTAKE: String(perFormat),
    },
  });
  process.exit(run.status ?? 1);
}

const REQUESTS = int("requests", values.requests);
const FROM = int("from", values.from);
const BLOCK = Math.max(1, int("block", values.block));

let runtime: LocalRuntime | undefined;
let base = process.env.BASE_URL;
let secrets = { USER_JWT_SECRET: "", ADMIN_API_KEY: "" };
if (base) {
  secrets = readDevVars();
} else {
  const port = int("port", values.port);
  const dir = path.join(ROOT, ".wrangler", "fuzz-state");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // wrangler logs every request at info level: work the run would pay for.
  process.env.WRANGLER_LOG ??= "warn";
  console.log(`fuzz: starting the local runtime on port ${port} (log ${dir}/wrangler.log)…`);
  runtime = await startLocalRuntime({
    port,
    persistDir: path.join(dir, "state"),
    isolatedConfigDir: path.join(dir, "config"),
    logFile: path.join(dir, "wrangler.log"),
    // The receipt webhooks answer 503 until their provider secret is configured: configured
    // here as the test runtime does, so the run reaches their checks.
    tuning: {
      apiVars: {
        RESEND_WEBHOOK_SECRET: "whsec_dGVzdC1yZXNlbmQtd2ViaG9vay1zZWNyZXQtMDEyMzQ1",
        TWILIO_AUTH_TOKEN: "test-twilio-auth-token-0123456789",
      },
    },
  });
  base = runtime.baseUrl;
  secrets = runtime.secrets;
}
const BASE = base;
const stopRuntime = async () => {
  await runtime?.stop();
};

const mintUserJwt = (userId: string) =>
  sign(
    { sub: userId, exp: Math.floor(Date.now() / 1000) + 3600 },
    secrets.USER_JWT_SECRET,
    "HS256",
  );

/** The wallet's chain head (every posting moves it) and balances, through the api. */
async function fingerprint(userId: string): Promise<string> {
  const [wallet, ledger] = await Promise.all([
    fetch(`${BASE}/v1/me/wallet`, {
      headers: { authorization: `Bearer ${await mintUserJwt(userId)}` },
    }),
    fetch(`${BASE}/admin/v1/users/${userId}/ledger/export?afterSeq=1000000000`, {
      headers: { authorization: `Bearer ${secrets.ADMIN_API_KEY}` },
    }),
  ]);
  const head = ledger.ok
    ? JSON.stringify(((await ledger.json()) as { head: unknown }).head)
    : `${ledger.status}:${await ledger.text()}`;
  return `${wallet.status}:${await wallet.text()}|${head}`;
}

try {
  const docResponse = await fetch(`${BASE}/openapi.json`);
  if (!docResponse.ok) throw new Error(`GET /openapi.json → ${docResponse.status}`);
  const doc = (await docResponse.json()) as OpenApiDocument;
  const planner = new ApiFuzzPlanner(doc);
  const tag = `${SEED.toString(36)}-${Date.now().toString(36)}`;
  const ctx: FuzzContext = {
    userId: `fuzz-a-${tag}`,
    otherUserId: `fuzz-b-${tag}`,
    otherUserResourceIds: [],
    userJwtSecret: secrets.USER_JWT_SECRET,
    adminKey: secrets.ADMIN_API_KEY,
    maxBodyBytes: 64 * 1024,
    nowSec: Math.floor(Date.now() / 1000),
    mintUserJwt,
  };
  const send = async (request: PlannedRequest): Promise<Sent> => {
    const response = await fetch(`${BASE}${request.url}`, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: "manual",
    });
    return {
      status: response.status,
      contentType: response.headers.get("content-type"),
      text: await response.text(),
    };
  };
  const runner = new FuzzRunner({
    planner,
    validator: new ContractValidator(doc),
    ctx,
    send,
    ledgers: async () =>
      `${await fingerprint(ctx.userId)} ## ${await fingerprint(ctx.otherUserId)}`,
    blockSize: BLOCK,
    rateLimited: true,
  });

  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(" ");
  console.log(
    `fuzz: ${REQUESTS} requests from index ${FROM}, seed ${SEED}, ${planner.operationCount} operations, ledger read per ≤${BLOCK} refused requests, against ${BASE}; load ${load()}`,
  );
  const started = performance.now();
  const report = await runner.run(
    SEED,
    FROM,
    REQUESTS,
    (done, so) => {
      const s = (performance.now() - started) / 1000;
      console.log(
        `  ${done} requests, ${s.toFixed(0)} s, ${(done / s).toFixed(1)} req/s, ledger reads ${so.ledgerReads}, findings ${so.findings.length}, load ${load()}`,
      );
    },
    int("progress", values.progress) || 1000,
  );
  const seconds = (performance.now() - started) / 1000;
  const ms = Object.fromEntries(
    Object.entries(report.ms).map(([k, v]) => [k, Math.round(v / 1000)]),
  );
  console.log(
    `FUZZ ${report.findings.length === 0 ? "OK" : "FAIL"} seed=${SEED} from=${FROM} requests=${REQUESTS} seconds=${seconds.toFixed(1)} req_per_s=${(REQUESTS / seconds).toFixed(1)} load=${load()}\n  statuses ${JSON.stringify(Object.fromEntries(report.statuses))}\n  ${formatTally(report)}\n  ledger reads ${report.ledgerReads}, blocks replayed ${report.blocksReplayed}, seconds by phase ${JSON.stringify(ms)}\n  slowest operations: ${slowestOperations(report)}\n  findings ${report.findings.length}`,
  );
  if (report.findings.length > 0) console.log(formatFindings(report.findings));
  await stopRuntime();
  process.exit(report.findings.length > 0 ? 1 : 0);
} catch (error) {
  console.error(error);
  await stopRuntime();
  process.exit(2);
}
