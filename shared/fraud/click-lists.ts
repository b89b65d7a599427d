import { cachedRiskLists } from "../referrals/live-risk-lists";
import { compileCidrList } from "../referrals/risk-lists";
import type { ClickQualityLists } from "./click-quality";

/**
 * The operator's datacenter lists as the redirect judges clicks by (docs/fraud.md "Click
 * quality"): `datacenter_ip_ranges` and `datacenter_asns`, read from their CONFIG_KV mirrors
 * (`PUT /admin/v1/risk-lists/{list}` writes them) through isolate memory (30 s) → KV (60 s).
 * Never D1: the hot path does no database read. A list whose mirror KV does not hold (never
 * saved) is empty. Compiled once per pair of list versions per isolate.
 *
 * @example
 * const lists = await loadClickLists(c.env, (p) => c.executionCtx.waitUntil(p));
 * judgeClick(clickRequestFacts(c.req.raw, clientIp), lists, offer.allowedReferrers ?? null)
 */
export const loadClickLists = cachedRiskLists(
  ["datacenter_ip_ranges", "datacenter_asns"],
  "kv",
  (lists): ClickQualityLists => ({
    datacenterRanges: compileCidrList(lists.datacenter_ip_ranges),
    datacenterAsns: new Set(lists.datacenter_asns.map(Number).filter(Number.isInteger)),
  }),
);
