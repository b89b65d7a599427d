import { readConfigThrough } from "../config/config-store";
import type { ConfigBindings } from "../env";
import { riskListKvKey, type StoredRiskList } from "../referrals/live-risk-lists";
import { type Cidr, parseCidr } from "../referrals/risk-lists";
import type { ClickQualityLists } from "./click-quality";
import { compileIpRanges } from "./ip-range-set";

/**
 * The operator's datacenter lists as the redirect judges clicks by (docs/fraud.md "Click
 * quality"): `datacenter_ip_ranges` and `datacenter_asns`, read from their CONFIG_KV mirrors
 * (`PUT /admin/v1/risk-lists/{list}` writes them) through isolate memory (30 s) → KV (60 s).
 * Never D1: the hot path does no database read. A list whose mirror KV does not hold (never
 * saved) is empty. Compiled once per pair of list versions per isolate.
 */

let compiled: { key: string; lists: ClickQualityLists } | null = null;

function readMirror(
  env: ConfigBindings,
  list: "datacenter_ip_ranges" | "datacenter_asns",
  waitUntil: (p: Promise<unknown>) => void,
): Promise<StoredRiskList | null> {
  return readConfigThrough<StoredRiskList>(
    env,
    riskListKvKey(list),
    () => Promise.resolve(null),
    waitUntil,
  );
}

/**
 * @example
 * const lists = await loadClickLists(c.env, (p) => c.executionCtx.waitUntil(p));
 * judgeClick(clickRequestFacts(c.req.raw, clientIp), lists, offer.allowedReferrers ?? null)
 */
export async function loadClickLists(
  env: ConfigBindings,
  waitUntil: (p: Promise<unknown>) => void,
): Promise<ClickQualityLists> {
  const [ranges, asns] = await Promise.all([
    readMirror(env, "datacenter_ip_ranges", waitUntil),
    readMirror(env, "datacenter_asns", waitUntil),
  ]);
  const key = `${ranges?.version ?? 0}:${asns?.version ?? 0}`;
  if (compiled?.key !== key) {
    compiled = {
      key,
      lists: {
        datacenterRanges: compileIpRanges(
          (ranges?.entries ?? []).map(parseCidr).filter((c): c is Cidr => c !== null),
        ),
        datacenterAsns: new Set((asns?.entries ?? []).map(Number).filter(Number.isInteger)),
      },
    };
  }
  return compiled.lists;
}
