import { EMPTY_IP_RANGE_SET, type IpRangeSet, ipInRangeSet } from "./ip-range-set";
import type { RiskReason } from "./risk-contract";

/**
 * Pure: how a tracked click's request looks (docs/fraud.md "Click quality"), judged at the edge
 * by the redirect worker from what the request carries — its Sec-Fetch-* and User-Agent
 * headers, its Referer, its network (`request.cf.asn`) and address — against the operator's
 * lists, with no database read. The redirect answers 302 whatever the verdict: the click is
 * counted and marked, and a marked click never attributes (a conversion of it is held for
 * review, never silently rejected).
 *
 * | reason                       | when                                                                   | bot |
 * | ---------------------------- | ---------------------------------------------------------------------- | --- |
 * | `click_iframe`               | `Sec-Fetch-Dest` is not `document` (an iframe, frame, embed, image…)   | yes |
 * | `click_automation`           | a headless browser's, a driver's or an HTTP library's user agent       | yes |
 * | `click_datacenter`           | the ASN is on `datacenter_asns`, or the IP in `datacenter_ip_ranges`   | yes |
 * | `click_no_gesture`           | a top-level navigation without `Sec-Fetch-User: ?1`                    | no  |
 * | `click_referrer_not_allowed` | the Referer's host is not on the offer's allowed referrers             | no  |
 *
 * Bot = any of iframe, automation, datacenter: nobody clicked, or nobody a person would be.
 * The other two are signals (a script navigating after no gesture, a publisher the operator
 * did not approve) that fraud rules weigh; alone they do not mark the click. Browsers that send
 * no Sec-Fetch-* at all (older Safari) are not judged on them; a click with no Referer or no
 * User-Agent is not judged on it (apps and privacy settings strip them).
 */

export const CLICK_QUALITY_REASONS = [
  "click_iframe",
  "click_no_gesture",
  "click_automation",
  "click_datacenter",
  "click_referrer_not_allowed",
] as const;
export type ClickQualityReason = (typeof CLICK_QUALITY_REASONS)[number];

/** The reasons that make a click a bot's (the policy above). */
export const BOT_CLICK_REASONS: ReadonlySet<ClickQualityReason> = new Set([
  "click_iframe",
  "click_automation",
  "click_datacenter",
]);

/** The verdict the click message carries (shared/messages.ts) and the wallet keeps. */
export interface ClickQuality {
  bot: boolean;
  reasons: ClickQualityReason[];
}

export const CLEAN_CLICK: ClickQuality = { bot: false, reasons: [] };

/** What the judge reads from a request; `null` where the request did not say. */
export interface ClickRequestFacts {
  secFetchDest: string | null;
  secFetchMode: string | null;
  secFetchUser: string | null;
  userAgent: string | null;
  referer: string | null;
  asn: number | null;
  ip: string | null;
}

/** The operator's lists as the edge holds them (shared/fraud/click-lists.ts loads them). */
export interface ClickQualityLists {
  datacenterAsns: ReadonlySet<number>;
  datacenterRanges: IpRangeSet;
}

export const EMPTY_CLICK_LISTS: ClickQualityLists = {
  datacenterAsns: new Set(),
  datacenterRanges: EMPTY_IP_RANGE_SET,
};

/**
 * Lower-case tokens of headless browsers, automation drivers and HTTP libraries. Link-preview
 * fetchers (Slackbot, WhatsApp…, shared/referrals/preview-bots.ts) are not here: they fetch a
 * pasted link to draw a card and are no one's click fraud.
 */
export const AUTOMATION_UA_TOKENS = [
  "headlesschrome",
  "phantomjs",
  "slimerjs",
  "puppeteer",
  "playwright",
  "selenium",
  "webdriver",
  "chrome-lighthouse",
  "curl/",
  "wget/",
  "python-requests",
  "python-urllib",
  "python-httpx",
  "aiohttp",
  "scrapy",
  "go-http-client",
  "java/",
  "apache-httpclient",
  "libwww-perl",
  "node-fetch",
  "axios/",
  "postmanruntime",
  "insomnia/",
  "httpie/",
  "guzzlehttp",
] as const;

/**
 * Pure: whether a user agent is a headless browser, a driver or a library. An absent one is
 * not judged: privacy proxies and some in-app web views strip it, and every library above
 * sends its own.
 */
export function isAutomationUserAgent(userAgent: string | null): boolean {
  const ua = (userAgent ?? "").trim().toLowerCase();
  return ua !== "" && AUTOMATION_UA_TOKENS.some((token) => ua.includes(token));
}

/**
 * Pure: whether `host` is on an allow-list: an entry names a host and its subdomains
 * (`example.com` allows `example.com` and `www.example.com`, not `badexample.com`).
 */
export function hostAllowed(host: string, allowed: readonly string[]): boolean {
  const h = host.toLowerCase().replace(/\.$/, "");
  return allowed.some((entry) => h === entry || h.endsWith(`.${entry}`));
}

function refererHost(referer: string): string | null {
  try {
    return new URL(referer).hostname || null;
  } catch {
    return null;
  }
}

/**
 * Judges one click. `allowedReferrers`: the offer's allow-list; null or empty: any referrer.
 *
 * @example
 * judgeClick({ ...facts, secFetchDest: "iframe" }, EMPTY_CLICK_LISTS, null)
 * // { bot: true, reasons: ["click_iframe"] }
 */
export function judgeClick(
  facts: ClickRequestFacts,
  lists: ClickQualityLists,
  allowedReferrers: readonly string[] | null,
): ClickQuality {
  const reasons: ClickQualityReason[] = [];
  const dest = facts.secFetchDest?.trim().toLowerCase() || null;
  const mode = facts.secFetchMode?.trim().toLowerCase() || null;
  if (dest !== null && dest !== "document") reasons.push("click_iframe");
  else if (mode === "navigate" && facts.secFetchUser?.trim() !== "?1") {
    reasons.push("click_no_gesture");
  }
  if (isAutomationUserAgent(facts.userAgent)) reasons.push("click_automation");
  if (
    (facts.asn !== null && lists.datacenterAsns.has(facts.asn)) ||
    (facts.ip !== null && ipInRangeSet(facts.ip, lists.datacenterRanges))
  ) {
    reasons.push("click_datacenter");
  }
  if (allowedReferrers && allowedReferrers.length > 0 && facts.referer) {
    const host = refererHost(facts.referer);
    if (host === null || !hostAllowed(host, allowedReferrers)) {
      reasons.push("click_referrer_not_allowed");
    }
  }
  return { bot: reasons.some((r) => BOT_CLICK_REASONS.has(r)), reasons };
}

/**
 * Pure: what the judge reads from the request (headers, `cf.asn`); `ip` is the caller's
 * (the redirect's client address, click-limits.ts).
 */
export function clickRequestFacts(request: Request, ip: string | null): ClickRequestFacts {
  const h = request.headers;
  const asn = (request.cf as { asn?: unknown } | undefined)?.asn;
  return {
    secFetchDest: h.get("sec-fetch-dest"),
    secFetchMode: h.get("sec-fetch-mode"),
    secFetchUser: h.get("sec-fetch-user"),
    userAgent: h.get("user-agent"),
    referer: h.get("referer"),
    asn: typeof asn === "number" && Number.isInteger(asn) ? asn : null,
    ip,
  };
}

const REASON_DETAIL: Record<ClickQualityReason, string> = {
  click_iframe: "the click was loaded inside another page (Sec-Fetch-Dest not document)",
  click_no_gesture: "a top-level navigation without a user gesture (no Sec-Fetch-User)",
  click_automation: "a headless browser, automation driver or HTTP library's user agent",
  click_datacenter: "from a datacenter or VPN network on the operator's lists",
  click_referrer_not_allowed: "from a referrer the operator has not allowed for the offer",
};

/**
 * The click's reasons as risk reasons (for the hold a marked click's conversion gets). Score 0:
 * the weights are the fraud rules' (docs/fraud.md "Fraud rules"); the mark itself holds.
 */
export function clickRiskReasons(quality: ClickQuality): RiskReason[] {
  return quality.reasons.map((code) => ({ code, score: 0, detail: REASON_DETAIL[code] }));
}

/**
 * The click's quality as observation facts (`signal.clickBot`, `signal.clickIframe`, …) for
 * the rules engine's `risk.click` events.
 */
export function clickQualityFacts(quality: ClickQuality): Record<string, boolean> {
  const has = (r: ClickQualityReason) => quality.reasons.includes(r);
  return {
    "signal.clickBot": quality.bot,
    "signal.clickIframe": has("click_iframe"),
    "signal.clickNoGesture": has("click_no_gesture"),
    "signal.clickAutomation": has("click_automation"),
    "signal.clickDatacenter": has("click_datacenter"),
    "signal.clickReferrerNotAllowed": has("click_referrer_not_allowed"),
  };
}

/** Pure: a stored or received quality, or null when it is not one (older messages, tampering). */
export function parseClickQuality(value: unknown): ClickQuality | null {
  if (typeof value !== "object" || value === null) return null;
  const v = value as { bot?: unknown; reasons?: unknown };
  if (typeof v.bot !== "boolean" || !Array.isArray(v.reasons)) return null;
  const known = new Set<string>(CLICK_QUALITY_REASONS);
  const reasons = v.reasons.filter(
    (r): r is ClickQualityReason => typeof r === "string" && known.has(r),
  );
  return { bot: v.bot, reasons };
}
