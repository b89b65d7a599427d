import { forgetCachedConfig, readConfigThrough } from "../config/config-read";
import type { referralRiskLists } from "../db/schema";
import type { ConfigBindings } from "../env";
import { compileRiskLists, type RiskListName, type RiskLists } from "./risk-lists";

/**
 * The operator's risk lists as the wallets read them at event intake: D1
 * `referral_risk_lists` is the source of truth, CONFIG_KV mirrors each list as
 * `ref:risk-list:v1:<list>` → `{ version, entries }`, read through isolate memory (30 s) → KV
 * (60 s) → D1 like the program settings. An update is in force everywhere within ~90 s.
 */

export interface StoredRiskList {
  /** 0: never saved (empty). */
  version: number;
  entries: string[];
}

const WRITE_BACK_TTL_SEC = 300;

export function riskListKvKey(list: RiskListName): string {
  return `ref:risk-list:v1:${list}`;
}

/** One list from D1; version 0 and no entries when never saved. */
export async function riskListFromD1(db: D1Database, list: RiskListName): Promise<StoredRiskList> {
  // Prepared SQL, not the ORM: the redirect worker reads lists (no drizzle in its bundle).
  const row = await db
    .prepare("SELECT version, entries FROM referral_risk_lists WHERE list = ? LIMIT 1")
    .bind(list)
    .first<{ version: number; entries: string }>();
  if (!row) return { version: 0, entries: [] };
  const entries: (typeof referralRiskLists.$inferSelect)["entries"] = JSON.parse(row.entries);
  return { version: row.version, entries };
}

async function readList(
  env: ConfigBindings,
  list: RiskListName,
  source: RiskListSource,
  waitUntil: (p: Promise<unknown>) => void,
): Promise<StoredRiskList> {
  const stored = await readConfigThrough<StoredRiskList>(
    env,
    riskListKvKey(list),
    source === "d1" ? () => riskListFromD1(env.DB, list) : () => Promise.resolve(null),
    waitUntil,
    source === "d1" ? { writeBackTtlSec: WRITE_BACK_TTL_SEC } : {},
  );
  return stored ?? { version: 0, entries: [] };
}

/**
 * Where a list KV does not hold is read from: D1 (written back to KV), or nowhere (`kv`: the
 * list is empty), for a hot path that does no database read.
 */
export type RiskListSource = "d1" | "kv";

/**
 * A loader of some lists, each read through isolate memory (30 s) → KV (60 s) → its source,
 * and compiled once per set of list versions per isolate. Every list loader uses it: the
 * wallets' signup checks here, the redirect's click quality (shared/fraud/click-lists.ts).
 *
 * @example
 * const loadAsns = cachedRiskLists(["datacenter_asns"], "kv", (e) => new Set(e.datacenter_asns));
 * const asns = await loadAsns(env, (p) => ctx.waitUntil(p));
 */
export function cachedRiskLists<const L extends readonly RiskListName[], T>(
  lists: L,
  source: RiskListSource,
  compile: (entries: Record<L[number], string[]>) => T,
): (env: ConfigBindings, waitUntil: (p: Promise<unknown>) => void) => Promise<T> {
  let compiled: { key: string; value: T } | null = null;
  return async (env, waitUntil) => {
    const stored = await Promise.all(lists.map((list) => readList(env, list, source, waitUntil)));
    const key = stored.map((s) => s.version).join(":");
    if (compiled?.key !== key) {
      const entries = Object.fromEntries(lists.map((list, i) => [list, stored[i]?.entries ?? []]));
      compiled = { key, value: compile(entries as Record<L[number], string[]>) };
    }
    return compiled.value;
  };
}

/**
 * The two lists the signup checks read, compiled for matching (a Set and compiled ranges);
 * `datacenter_asns` is the redirect's (shared/fraud/click-lists.ts).
 *
 * @example
 * const lists = await loadRiskLists(env, (p) => ctx.waitUntil(p));
 * riskFlagsOf({ email, ipAddress }, lists) // ["disposable_email_domain"]
 */
export const loadRiskLists = cachedRiskLists(
  ["disposable_email_domains", "datacenter_ip_ranges"],
  "d1",
  (lists): RiskLists => compileRiskLists(lists),
);

/** After a save committed in D1: the new list into KV, and this isolate's copy forgotten. */
export async function propagateRiskList(
  env: ConfigBindings,
  list: RiskListName,
  value: StoredRiskList,
): Promise<void> {
  const key = riskListKvKey(list);
  await env.CONFIG_KV.put(key, JSON.stringify(value));
  forgetCachedConfig([key]);
}
