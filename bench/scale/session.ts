import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { loadDemoData } from "#scripts/demo-data";
import { groupCpuMs } from "../lib/cpu";
import { type MiniflareRuntime, startMiniflareRuntime } from "../lib/miniflare-runtime";
import { sleep } from "../lib/util";
import {
  BALANCE_ROWS_SQL,
  CLICKS_SQL,
  type Conversion,
  cashbackOf,
  clicks,
  d1Files,
  PENDING_SQL,
  perFile,
  postbacks,
  trackingLinks,
  waitFor,
} from "./product-load";

/**
 * One timed session on the product's workers (bench:scale, bench:budget): a fresh runtime at
 * `shards` queue shards and user databases, the demo data, an untimed warm-up (one click and
 * one conversion per user), then `orders` clicks through the redirect and one signed
 * postback per click, each phase timed until D1 shows it settled.
 */
export interface Phase {
  items: number;
  acceptedMs: number;
  settledMs: number;
  cpuMs: number;
}

export interface SessionResult {
  clicks: Phase;
  conversions: Phase;
  /** The bench users' balance rows per user database. */
  rowsPerDb: number[];
}

export interface SessionOptions {
  port: number;
  shards: number;
  /** Bundles shared by every session of one bench (bench/lib/miniflare-runtime.ts). */
  bundleRoot: string;
  users: number;
  orders: number;
  concurrency: number;
  /** After the demo data, before any click (a campaign to boost the clicks). */
  setup?: (rt: MiniflareRuntime) => Promise<void>;
  /** Also required before the conversions count as settled (every boost granted). */
  conversionsSettled?: (rt: MiniflareRuntime, conversions: number) => Promise<boolean>;
}

const SETTLE_TIMEOUT_MS = 300_000;
let current: MiniflareRuntime | undefined;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    void current?.stop().finally(() => process.exit(130));
  });
}

async function timed(
  rt: MiniflareRuntime,
  items: number,
  load: () => Promise<void>,
  settled: () => Promise<boolean>,
): Promise<Phase> {
  const cpu0 = groupCpuMs(rt.pid);
  const t0 = performance.now();
  await load();
  const acceptedMs = performance.now() - t0;
  await waitFor(settled, SETTLE_TIMEOUT_MS, "settled");
  const settledMs = performance.now() - t0;
  // The runtime's work after the last item settled (acks, the rollups' tail) is its cost too.
  await sleep(500);
  return { items, acceptedMs, settledMs, cpuMs: groupCpuMs(rt.pid) - cpu0 };
}

export async function runSession(o: SessionOptions): Promise<SessionResult> {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), `boomerang-scale-${o.shards}-`));
  try {
    current = await startMiniflareRuntime({
      port: o.port,
      stateDir,
      shards: o.shards,
      bundleRoot: o.bundleRoot,
    });
    const rt = current;
    await loadDemoData(rt.baseUrl, rt.secrets.ADMIN_API_KEY);
    await o.setup?.(rt);
    const files = d1Files(path.join(stateDir, "state"));
    if (files.length !== o.shards) throw new Error(`${files.length} D1 databases, not ${o.shards}`);
    const links = await trackingLinks(rt.baseUrl, rt.secrets.USER_JWT_SECRET, o.users);
    const sum = (sql: string) => perFile(files, sql).reduce((a, b) => a + b, 0);
    const settled = (expected: number, conversions: number) => async () =>
      sum(PENDING_SQL) >= expected &&
      (o.conversionsSettled ? await o.conversionsSettled(rt, conversions) : true);
    // Untimed warm-up: every isolate started, one click and one conversion per user.
    const warm = await clicks(links, o.users, o.concurrency);
    await waitFor(() => sum(CLICKS_SQL) >= o.users, SETTLE_TIMEOUT_MS, "warm-up clicks");
    const warmOrders = warm.map((subId, i) => ({ orderId: `w-${i}`, subId, saleMinor: 100_000 }));
    await postbacks(rt.baseUrl, warmOrders, o.concurrency);
    let expected = warmOrders.reduce((s, c) => s + cashbackOf(c), 0);
    await waitFor(settled(expected, o.users), SETTLE_TIMEOUT_MS, "warm-up conversions");

    let subIds: string[] = [];
    const clicked = await timed(
      rt,
      o.orders,
      async () => {
        subIds = await clicks(links, o.orders, o.concurrency, o.users);
      },
      async () => sum(CLICKS_SQL) >= o.users + o.orders,
    );
    const orders: Conversion[] = subIds.map((subId, i) => ({
      orderId: `o-${i}`,
      subId,
      saleMinor: 100_000 + ((i * 7919) % 5_000) * 10,
    }));
    expected += orders.reduce((s, c) => s + cashbackOf(c), 0);
    const converted = await timed(
      rt,
      o.orders,
      () => postbacks(rt.baseUrl, orders, o.concurrency),
      settled(expected, o.users + o.orders),
    );
    const pending = sum(PENDING_SQL);
    if (!o.setup && pending !== expected) {
      throw new Error(`pending ${pending}, expected ${expected}`);
    }
    return { clicks: clicked, conversions: converted, rowsPerDb: perFile(files, BALANCE_ROWS_SQL) };
  } finally {
    await current?.stop();
    current = undefined;
    rmSync(stateDir, { recursive: true, force: true });
  }
}
