import { parseArgs } from "node:util";
import { sign } from "hono/jwt";
import { ContractValidator, type OpenApiDocument } from "#test/contract-validator";
import { ApiFuzzPlanner, type FuzzContext } from "#test/fuzz/api-fuzz";
import { readDevVars } from "./lib/dev-vars";

/**
 * `npm run fuzz -- --requests 100000 --seed 7` — the api fuzz of test/fuzz/api-fuzz.e2e.test.ts
 * at volume, over HTTP against a running `npm run dev` (BASE_URL, default
 * http://localhost:8787). It fetches /openapi.json from the server, plans the same requests as
 * the CI sample for the same seed (test/fuzz/api-fuzz.ts), and checks each response: no 5xx;
 * every 4xx is application/problem+json and matches the document for its status; hostile
 * credentials are refused; a refused request leaves the two fuzz users' ledgers (wallet
 * balances and newest ledger entry, read through the api) as they were. It prints a summary
 * and the first findings, and exits 1 if there were any.
 *
 * The dev server's rate limits are the deployment's: 429s on user operations are documented
 * and counted, not findings.
 */
const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "1000" },
    seed: { type: "string" },
    "ledger-check": { type: "string", default: "refused" },
  },
});
const BASE = process.env.BASE_URL ?? "http://localhost:8787";
const REQUESTS = Number(values.requests);
const SEED = Number(values.seed ?? Math.floor(Math.random() * 2 ** 31));
const vars = readDevVars();

const mintUserJwt = (userId: string) =>
  sign({ sub: userId, exp: Math.floor(Date.now() / 1000) + 3600 }, vars.USER_JWT_SECRET, "HS256");

async function fingerprint(userId: string): Promise<string> {
  const wallet = await fetch(`${BASE}/v1/me/wallet`, {
    headers: { authorization: `Bearer ${await mintUserJwt(userId)}` },
  });
  const ledger = await fetch(`${BASE}/admin/v1/users/${userId}/ledger?limit=1`, {
    headers: { authorization: `Bearer ${vars.ADMIN_API_KEY}` },
  });
  return `${wallet.status}:${await wallet.text()}|${ledger.status}:${await ledger.text()}`;
}

const docResponse = await fetch(`${BASE}/openapi.json`);
if (!docResponse.ok)
  throw new Error(`GET /openapi.json → ${docResponse.status}; is npm run dev up?`);
const doc = (await docResponse.json()) as OpenApiDocument;
const validator = new ContractValidator(doc);
const planner = new ApiFuzzPlanner(doc);
const tag = `${SEED.toString(36)}-${Date.now().toString(36)}`;
const ctx: FuzzContext = {
  userId: `fuzz-a-${tag}`,
  otherUserId: `fuzz-b-${tag}`,
  otherUserResourceIds: [],
  userJwtSecret: vars.USER_JWT_SECRET,
  adminKey: vars.ADMIN_API_KEY,
  maxBodyBytes: 64 * 1024,
  nowSec: Math.floor(Date.now() / 1000),
  mintUserJwt,
};

console.log(
  `fuzz: ${REQUESTS} requests, seed ${SEED}, ${planner.operationCount} operations, against ${BASE}`,
);
const started = performance.now();
const statuses = new Map<string, number>();
const findings: string[] = [];
let last = `${await fingerprint(ctx.userId)} ## ${await fingerprint(ctx.otherUserId)}`;
for (let i = 0; i < REQUESTS; i++) {
  const request = await planner.plan(SEED, i, ctx);
  let response: Response;
  try {
    response = await fetch(`${BASE}${request.url}`, {
      method: request.method,
      headers: request.headers,
      body: request.body,
    });
  } catch (error) {
    // The local runtime may answer an oversized body's 413 before reading it and close the
    // connection while the client is still sending: counted, not a finding. Any other closed
    // connection is one.
    const key = request.mutation === "body:oversized" ? "closed-oversized" : "closed";
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
    if (key === "closed")
      findings.push(
        `#${i} ${request.method} ${request.url.slice(0, 140)} [${request.operationId} ${request.mutation}]: connection closed (${String(error)})`,
      );
    last = `${await fingerprint(ctx.userId)} ## ${await fingerprint(ctx.otherUserId)}`;
    continue;
  }
  const contentType = response.headers.get("content-type");
  const text = await response.text();
  const status = response.status;
  statuses.set(String(status), (statuses.get(String(status)) ?? 0) + 1);
  const seen = `#${i} ${request.method} ${request.url.slice(0, 140)} [${request.operationId} ${request.mutation}] → ${status}`;
  if (status >= 500) findings.push(`${seen}: 5xx ${text.slice(0, 200)}`);
  if (request.hostileCredentials && status !== 401 && status !== 403 && status !== 429) {
    findings.push(`${seen}: hostile credentials not refused`);
  }
  if (request.crossUser && status < 400) findings.push(`${seen}: reached another user's resource`);
  if (status >= 400 && status < 500) {
    if (!contentType?.startsWith("application/problem+json")) {
      findings.push(`${seen}: 4xx content-type ${contentType}`);
    }
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {}
    const verdict = validator.verdict({
      method: request.method,
      url: request.url,
      requestHeaders: request.headers,
      requestBody: request.jsonBody,
      status,
      contentType,
      responseBody: body,
    });
    for (const error of verdict.responseErrors) findings.push(`${seen}: document: ${error}`);
    const now = `${await fingerprint(ctx.userId)} ## ${await fingerprint(ctx.otherUserId)}`;
    if (now !== last) findings.push(`${seen}: refused, but a ledger changed`);
    last = now;
  } else if (values["ledger-check"] === "refused") {
    last = `${await fingerprint(ctx.userId)} ## ${await fingerprint(ctx.otherUserId)}`;
  }
  if ((i + 1) % 1000 === 0) {
    const seconds = (performance.now() - started) / 1000;
    console.log(`  ${i + 1} requests, ${seconds.toFixed(0)} s, ${findings.length} findings`);
  }
}
const seconds = (performance.now() - started) / 1000;
console.log(
  `fuzz: seed ${SEED}, ${REQUESTS} requests in ${seconds.toFixed(1)} s (${(REQUESTS / seconds).toFixed(0)} req/s), statuses ${JSON.stringify(Object.fromEntries(statuses))}, findings ${findings.length}`,
);
for (const finding of findings.slice(0, 50)) console.log(`  ${finding}`);
if (findings.length > 50) console.log(`  … and ${findings.length - 50} more`);
process.exit(findings.length > 0 ? 1 : 0);
