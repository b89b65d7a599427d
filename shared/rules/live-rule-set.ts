import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { forgetCachedConfig, readConfigThrough } from "../config/config-store";
import { ruleSetLive, ruleSetVersions } from "../db/schema";
import type { ConfigBindings } from "../env";
import type { RuleSet } from "./rule-schema";

/**
 * The live rule set, as every evaluator reads it: the one file of `shared/rules/` that does
 * I/O. Publishing writes D1 first (the source of truth), then this KV key; readers go through
 * isolate memory (30 s) → KV (cacheTtl 60 s) → D1, like the offer configs
 * (shared/config/config-store.ts). So a publish takes effect without a deploy, and an isolate
 * may keep evaluating the previous version for up to ~90 s after it. Each value read is one
 * whole `{ version, ruleSet }`: an evaluation compiles (CompiledRuleSetCache, once per version)
 * and runs exactly that version, never a mix.
 */

/** The CONFIG_KV key holding `{ version, ruleSet }` of the live version. */
export const LIVE_RULE_SET_KEY = "rules:live";

export interface LiveRuleSet {
  version: number;
  ruleSet: RuleSet;
}

/**
 * The live version, or null when nothing was ever published.
 *
 * @example
 * const live = await loadLiveRuleSet(env, ctx.waitUntil.bind(ctx));
 * if (live) evaluate(cache.get(live.ruleSet), facts, { nowMs });
 */
export function loadLiveRuleSet(
  env: ConfigBindings,
  waitUntil: (p: Promise<unknown>) => void,
): Promise<LiveRuleSet | null> {
  return readConfigThrough(env, LIVE_RULE_SET_KEY, () => liveRuleSetFromD1(env.DB), waitUntil);
}

/** The live version straight from D1 (the source of truth), bypassing every cache. */
export async function liveRuleSetFromD1(db: D1Database): Promise<LiveRuleSet | null> {
  const row = (
    await drizzle(db)
      .select({ version: ruleSetVersions.version, ruleSet: ruleSetVersions.ruleSet })
      .from(ruleSetLive)
      .innerJoin(ruleSetVersions, eq(ruleSetVersions.version, ruleSetLive.version))
      .where(eq(ruleSetLive.id, "live"))
      .limit(1)
  )[0];
  // Stored only after validateRuleSet accepted it (the admin API's publish).
  return row ? { version: row.version, ruleSet: row.ruleSet as RuleSet } : null;
}

/**
 * After a publish has committed in D1: the new live version into KV, and this isolate's copy
 * forgotten, so reads here see it at once and other isolates within the staleness bound.
 */
export async function propagateLiveRuleSet(env: ConfigBindings, live: LiveRuleSet): Promise<void> {
  await env.CONFIG_KV.put(LIVE_RULE_SET_KEY, JSON.stringify(live));
  forgetCachedConfig([LIVE_RULE_SET_KEY]);
}
