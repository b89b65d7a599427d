import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { sign } from "hono/jwt";
import { ok, userClient } from "#client/index";
import { DEMO_NETWORK_ID, DEMO_NETWORK_SECRET } from "#scripts/demo-data";
import { mapBounded } from "#shared/async/map-bounded";
import { SIGNATURE_HEADER, signPostback } from "#shared/postback/signature";
import { sleep } from "../lib/util";

/**
 * The scale bench's load on the product's own workers (bench/scale-bench.ts): clicks through
 * the redirect and signed postbacks of the demo network, and reads of every D1 database the
 * runtime keeps (the global one and each user database are separate SQLite files).
 */

/** The demo offer every click and conversion is on; its terms pay 10% of the sale. */
export const OFFER = "stylehub-fashion";
const RATE_BPS = 1000;

/** A browser's navigation headers, so the redirect treats the click as a shopper's. */
const TAP = {
  "user-agent":
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
  "sec-fetch-dest": "document",
  "sec-fetch-mode": "navigate",
  "sec-fetch-site": "cross-site",
  "sec-fetch-user": "?1",
};

export interface Conversion {
  orderId: string;
  subId: string;
  saleMinor: number;
}

export function benchUser(u: number): string {
  return `bench-user-${u}`;
}

/** Each user's tracking link to the demo offer, as `/v1/offers` lists it for them. */
export async function trackingLinks(
  baseUrl: string,
  jwtSecret: string,
  users: number,
): Promise<string[]> {
  const links: string[] = [];
  for (let u = 0; u < users; u++) {
    const token = await sign(
      { sub: benchUser(u), exp: Math.floor(Date.now() / 1000) + 3600 },
      jwtSecret,
      "HS256",
    );
    const offers = ok(await userClient({ baseUrl }, token).GET("/v1/offers"));
    const link = offers.items.find((o) => o.id === OFFER)?.trackingUrl;
    if (!link) throw new Error(`offer ${OFFER} not listed`);
    links.push(link);
  }
  return links;
}

/**
 * `count` clicks, round-robin over the users' links, each from its own client address (the
 * redirect stores repeats from one address within its dedupe window as one click). Returns
 * each click's sub-ID, which a conversion names.
 */
export async function clicks(
  links: string[],
  count: number,
  concurrency: number,
  first = 0,
): Promise<string[]> {
  // Numbered from `first`, so a later call's clicks come from addresses an earlier one did
  // not use (a repeat within the dedupe window would be stored as the earlier click).
  const jobs = Array.from({ length: count }, (_, i) => first + i);
  return mapBounded(jobs, concurrency, async (i) => {
    const user = i % links.length;
    const k = Math.floor(i / links.length);
    const response = await fetch(links[user] as string, {
      redirect: "manual",
      headers: {
        ...TAP,
        "cf-connecting-ip": `10.${user % 250}.${Math.floor(k / 250) % 250}.${(k % 250) + 1}`,
      },
    });
    await response.body?.cancel();
    const subId = new URL(response.headers.get("location") ?? "http://x/").searchParams.get(
      "subid",
    );
    if (response.status !== 302 || !subId) throw new Error(`click: ${response.status}`);
    return subId;
  });
}

/** Cashback the demo offer's terms give a sale, in minor units. */
export function cashbackOf(c: Conversion): number {
  return Math.floor((c.saleMinor * RATE_BPS) / 10_000);
}

/** One signed generic-format postback per conversion (pending), answered 200 or 202. */
export async function postbacks(
  baseUrl: string,
  conversions: Conversion[],
  concurrency: number,
): Promise<void> {
  const url = `${baseUrl}/postback/${DEMO_NETWORK_ID}`;
  const at = new Date().toISOString();
  await mapBounded(conversions, concurrency, async (c) => {
    const body = JSON.stringify({
      order_id: c.orderId,
      sub_id: c.subId,
      status: "pending",
      currency: "INR",
      sale_amount_minor: c.saleMinor,
      commission_minor: 20_000,
      category: null,
      occurred_at: at,
    });
    const signature = await signPostback(
      DEMO_NETWORK_SECRET,
      DEMO_NETWORK_ID,
      body,
      Math.floor(Date.now() / 1000),
    );
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", [SIGNATURE_HEADER]: signature },
      body,
      signal: AbortSignal.timeout(20_000),
    });
    const text = await response.text();
    if (response.status !== 200 && response.status !== 202) {
      throw new Error(`postback → ${response.status} ${text}`);
    }
  });
}

/** Every D1 database's SQLite file under a runtime's persist folder. */
export function d1Files(persistDir: string): string[] {
  const dir = path.join(persistDir, "v3", "d1", "miniflare-D1DatabaseObject");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite")
    .map((f) => path.join(dir, f))
    .filter(
      (f) =>
        sqlite(f, "SELECT count(*) FROM sqlite_master WHERE name = 'wallet_balances';") === "1",
    );
}

/** One number from every file, e.g. each database's pending balances of the bench users. */
export function perFile(files: string[], sql: string): number[] {
  return files.map((f) => Number(sqlite(f, sql) || 0));
}

export const PENDING_SQL =
  "SELECT coalesce(sum(balance_minor), 0) FROM wallet_balances WHERE bucket = 'pending' AND currency = 'INR' AND user_id LIKE 'bench-user-%';";
export const BALANCE_ROWS_SQL =
  "SELECT count(*) FROM wallet_balances WHERE user_id LIKE 'bench-user-%';";
export const CLICKS_SQL = "SELECT coalesce(sum(clicks), 0) FROM click_rollups;";

export function sqlite(file: string, sql: string): string {
  const out = spawnSync("sqlite3", ["-readonly", "-cmd", ".timeout 5000", file, sql], {
    encoding: "utf8",
  });
  if (out.status !== 0) throw new Error(`sqlite3: ${out.stderr}`);
  return out.stdout.trim();
}

export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(100);
  }
}
