import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { forgetCachedConfig, readConfigThrough } from "../config/config-store";
import { referralRiskLists } from "../db/schema";
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
  const row = (
    await drizzle(db)
      .select({ version: referralRiskLists.version, entries: referralRiskLists.entries })
      .from(referralRiskLists)
      .where(eq(referralRiskLists.list, list))
      .limit(1)
  )[0];
  return row ? { version: row.version, entries: row.entries } : { version: 0, entries: [] };
}

async function loadList(
  env: ConfigBindings,
  list: RiskListName,
  waitUntil: (p: Promise<unknown>) => void,
): Promise<StoredRiskList> {
  return (
    (await readConfigThrough<StoredRiskList>(
      env,
      riskListKvKey(list),
      () => riskListFromD1(env.DB, list),
      waitUntil,
      { writeBackTtlSec: WRITE_BACK_TTL_SEC },
    )) ?? { version: 0, entries: [] }
  );
}

const SIGNUP_LISTS = [
  "disposable_email_domains",
  "datacenter_ip_ranges",
] as const satisfies readonly RiskListName[];

/** Compiled once per pair of list versions per isolate (a Set and parsed ranges). */
let compiled: { key: string; lists: RiskLists } | null = null;

/**
 * Both lists, compiled for matching.
 *
 * @example
 * const lists = await loadRiskLists(env, (p) => ctx.waitUntil(p));
 * riskFlagsOf({ email, ipAddress }, lists) // ["disposable_email_domain"]
 */
export async function loadRiskLists(
  env: ConfigBindings,
  waitUntil: (p: Promise<unknown>) => void,
): Promise<RiskLists> {
  // The signup checks read these two; `datacenter_asns` is the redirect's (shared/fraud/click-lists.ts).
  const [domains, ranges] = await Promise.all(
    SIGNUP_LISTS.map((list) => loadList(env, list, waitUntil)),
  );
  const key = `${domains?.version}:${ranges?.version}`;
  if (compiled?.key !== key) {
    compiled = {
      key,
      lists: compileRiskLists({
        disposable_email_domains: domains?.entries ?? [],
        datacenter_ip_ranges: ranges?.entries ?? [],
      }),
    };
  }
  return compiled.lists;
}

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
