import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { sign } from "hono/jwt";
import { adminClient, ok, userClient } from "#client/index";
import { Mulberry32 } from "#dev/sandbox-network/engine/prng";
import { loadDemoData } from "./demo-data";
import { type LocalRuntime, startLocalRuntime } from "./lib/local-runtime";

/**
 * `npm run scenario:analytics [-- --seed 7 --users 40 --port 8797 --keep]`
 *
 * The analytics funnel against an oracle (docs/analytics.md), through one `wrangler dev` on a
 * fresh local state: a generated population clicks the sandbox store's tracked link through
 * the redirect (one browser tap each), some buy at the sandbox network, whose postbacks are
 * delivered; some orders are approved, some cancelled, the rest left pending. The projection
 * batches only mark days dirty; the ten-minute cron, asked for through wrangler dev's scheduled
 * handler, recomputes them. Then `GET /admin/v1/analytics/funnel` for today and the offer must
 * equal the oracle counted here from the plan (clicks, conversions, confirmed; nothing paid).
 */
const { values: args } = parseArgs({
  options: {
    seed: { type: "string", default: "15" },
    users: { type: "string", default: "40" },
    port: { type: "string", default: "8797" },
    keep: { type: "boolean", default: false },
  },
});
const SEED = Number(args.seed);
const USERS = Number(args.users);
const PORT = Number(args.port);
const OFFER = "sandbox-store-5pct";
const TEN_MINUTE_CRON = "*/10 * * * *";
/** How long the queues and the cron get to bring the funnel to the oracle. */
const SETTLE_MS = 180_000;
const BROWSER_UA =
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
/** What a browser sends on a tap of a link: a top-level navigation with a user gesture. */
const TAP = {
  "user-agent": BROWSER_UA,
  "sec-fetch-dest": "document",
  "sec-fetch-mode": "navigate",
  "sec-fetch-site": "cross-site",
  "sec-fetch-user": "?1",
};

type Counts = { clicks: number; conversions: number; confirmed: number; paid: number };
type Fate = "none" | "pending" | "approved" | "cancelled";

let runtime: LocalRuntime | null = null;
let stateDir = "";

try {
  process.exitCode = await main();
} catch (error) {
  console.error(
    `scenario failed: ${error instanceof Error ? (error.stack ?? error.message) : error}`,
  );
  if (stateDir) console.error(`wrangler output: ${path.join(stateDir, "wrangler.log")}`);
  process.exitCode = 1;
} finally {
  await (runtime as LocalRuntime | null)?.stop();
  if (stateDir && !args.keep && process.exitCode === 0) {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  stateDir = mkdtempSync(path.join(os.tmpdir(), "boomerang-analytics-scenario-"));
  console.log(`Analytics scenario, seed ${SEED}: wrangler dev on port ${PORT} (${stateDir})…`);
  runtime = await startLocalRuntime({
    port: PORT,
    persistDir: path.join(stateDir, "state"),
    isolatedConfigDir: path.join(stateDir, "config"),
    logFile: path.join(stateDir, "wrangler.log"),
  });
  const base = runtime.baseUrl;
  const secrets = runtime.secrets;
  const admin = adminClient({ baseUrl: base }, secrets.ADMIN_API_KEY);
  await loadDemoData(base, secrets.ADMIN_API_KEY);

  const sandbox = async (urlPath: string, body: unknown) => {
    const response = await fetch(`${base}${urlPath}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`POST ${urlPath} → ${response.status} ${text}`);
    return text ? (JSON.parse(text) as unknown) : null;
  };

  // 1. The plan, drawn up front; the oracle is counted from it alone.
  const prng = new Mulberry32(SEED);
  const fates: Fate[] = Array.from({ length: USERS }, () => {
    const r = prng.int(100);
    return r < 30 ? "none" : r < 50 ? "pending" : r < 80 ? "approved" : "cancelled";
  });
  const oracle: Counts = { clicks: USERS, conversions: 0, confirmed: 0, paid: 0 };
  for (const fate of fates) {
    if (fate !== "none") oracle.conversions++;
    if (fate === "approved") oracle.confirmed++;
  }

  // 2. One tap on the tracked link per user (its own address), then the orders.
  const tag = `an${SEED}-${Date.now().toString(36)}`;
  for (let i = 0; i < USERS; i++) {
    const userId = `${tag}-u${i}`;
    const token = await sign(
      { sub: userId, exp: Math.floor(Date.now() / 1000) + 3600 },
      secrets.USER_JWT_SECRET,
      "HS256",
    );
    const offers = ok(await userClient({ baseUrl: base }, token).GET("/v1/offers"));
    const link = offers.items.find((o) => o.id === OFFER)?.trackingUrl;
    if (!link) throw new Error(`offer ${OFFER} not listed: demo data not loaded?`);
    const response = await fetch(link, {
      redirect: "manual",
      headers: { "cf-connecting-ip": `198.51.100.${i + 1}`, ...TAP },
    });
    await response.body?.cancel();
    const location = response.headers.get("location");
    if (response.status !== 302 || !location)
      throw new Error(`click ${userId}: ${response.status}`);
    const subId = new URL(location).searchParams.get("subid") ?? "";
    const fate = fates[i] as Fate;
    if (fate === "none") continue;
    const orderId = `${tag}-o${i}`;
    const sale = 10_000 + prng.int(200_000);
    await sandbox("/sandbox/orders", {
      order_id: orderId,
      sub_id: subId,
      currency: "INR",
      sale_amount_minor: sale,
      commission_minor: Math.floor(sale / 10),
    });
    if (fate === "approved") await sandbox(`/sandbox/orders/${orderId}/approve`, {});
    if (fate === "cancelled") await sandbox(`/sandbox/orders/${orderId}/cancel`, {});
  }
  let delivered = 0;
  for (;;) {
    const result = (await sandbox("/sandbox/deliver", { limit: 200 })) as {
      delivered: unknown[];
      pending: number;
    };
    delivered += result.delivered.length;
    if (result.delivered.length === 0 && result.pending === 0) break;
    if (result.delivered.length === 0) await new Promise((r) => setTimeout(r, 200));
  }
  console.log(
    `  ${USERS} clicks, ${oracle.conversions} orders (${oracle.confirmed} approved), ${delivered} postbacks delivered`,
  );

  // 3. The ten-minute cron refreshes the dirty days; read until the funnel settles.
  const day = new Date().toISOString().slice(0, 10);
  const deadline = Date.now() + SETTLE_MS;
  let got: Counts | null = null;
  let runs = 0;
  while (Date.now() < deadline) {
    const cron = await fetch(
      `${base}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent(TEN_MINUTE_CRON)}`,
    );
    await cron.body?.cancel();
    runs++;
    const funnel = ok(
      await admin.GET("/admin/v1/analytics/funnel", {
        params: { query: { from: day, to: day, offerId: OFFER } },
      }),
    );
    got = funnel.totals;
    if (JSON.stringify(got) === JSON.stringify(oracle)) break;
    await new Promise((r) => setTimeout(r, 2_000));
  }
  const pass = JSON.stringify(got) === JSON.stringify(oracle);
  console.log(`  oracle   ${JSON.stringify(oracle)}`);
  console.log(`  funnel   ${JSON.stringify(got)} (after ${runs} cron runs)`);
  console.log(pass ? "PASS" : "FAIL");
  return pass ? 0 : 1;
}
