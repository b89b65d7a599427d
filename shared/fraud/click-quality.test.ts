import { describe, expect, test } from "vitest";
import { parseCidr } from "../referrals/risk-lists";
import {
  type ClickRequestFacts,
  clickQualityFacts,
  clickRequestFacts,
  clickRiskReasons,
  EMPTY_CLICK_LISTS,
  hostAllowed,
  isAutomationUserAgent,
  judgeClick,
  parseClickQuality,
} from "./click-quality";
import { compileIpRanges } from "./ip-range-set";

const CHROME =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
const SAFARI_IOS =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";

/** A person's click in a current browser: a top-level navigation after a tap. */
const PERSON: ClickRequestFacts = {
  secFetchDest: "document",
  secFetchMode: "navigate",
  secFetchUser: "?1",
  userAgent: CHROME,
  referer: "https://deals.example.com/today",
  asn: 55836,
  ip: "49.36.10.20",
};

const LISTS = {
  datacenterAsns: new Set([16509, 14061]),
  datacenterRanges: compileIpRanges(
    ["203.0.113.0/24", "2001:db8::/32"].map(parseCidr).filter((c) => c !== null),
  ),
};

describe("judgeClick", () => {
  test.each([
    { label: "a person's click", facts: {}, allowed: null, bot: false, reasons: [] },
    {
      label: "a browser that sends no Sec-Fetch-* (older Safari)",
      facts: { secFetchDest: null, secFetchMode: null, secFetchUser: null, userAgent: SAFARI_IOS },
      allowed: null,
      bot: false,
      reasons: [],
    },
    {
      label: "inside an iframe",
      facts: { secFetchDest: "iframe", secFetchUser: null },
      allowed: null,
      bot: true,
      reasons: ["click_iframe"],
    },
    {
      label: "inside a frame",
      facts: { secFetchDest: "frame" },
      allowed: null,
      bot: true,
      reasons: ["click_iframe"],
    },
    {
      label: "as an embed",
      facts: { secFetchDest: "embed", secFetchMode: "no-cors" },
      allowed: null,
      bot: true,
      reasons: ["click_iframe"],
    },
    {
      label: "as an image (pixel stuffing)",
      facts: { secFetchDest: "image", secFetchMode: "no-cors", secFetchUser: null },
      allowed: null,
      bot: true,
      reasons: ["click_iframe"],
    },
    {
      label: "a top-level navigation with no gesture (a script's redirect)",
      facts: { secFetchUser: null },
      allowed: null,
      bot: false,
      reasons: ["click_no_gesture"],
    },
    {
      label: "headless Chrome",
      facts: { userAgent: CHROME.replace("Chrome/", "HeadlessChrome/") },
      allowed: null,
      bot: true,
      reasons: ["click_automation"],
    },
    {
      label: "curl, which sends no Sec-Fetch-*",
      facts: { secFetchDest: null, secFetchMode: null, secFetchUser: null, userAgent: "curl/8.5" },
      allowed: null,
      bot: true,
      reasons: ["click_automation"],
    },
    {
      label: "no user agent at all (a privacy proxy): not judged on it",
      facts: { userAgent: null },
      allowed: null,
      bot: false,
      reasons: [],
    },
    {
      label: "a datacenter ASN",
      facts: { asn: 16509 },
      allowed: null,
      bot: true,
      reasons: ["click_datacenter"],
    },
    {
      label: "an address in a VPN range",
      facts: { ip: "203.0.113.40" },
      allowed: null,
      bot: true,
      reasons: ["click_datacenter"],
    },
    {
      label: "both a datacenter ASN and range: one reason",
      facts: { asn: 14061, ip: "2001:db8::9" },
      allowed: null,
      bot: true,
      reasons: ["click_datacenter"],
    },
    {
      label: "an allowed referrer's subdomain",
      facts: {},
      allowed: ["example.com"],
      bot: false,
      reasons: [],
    },
    {
      label: "a referrer not on the allow-list",
      facts: { referer: "https://coupons.test/x" },
      allowed: ["example.com"],
      bot: false,
      reasons: ["click_referrer_not_allowed"],
    },
    {
      label: "a look-alike host is not a subdomain",
      facts: { referer: "https://badexample.com/" },
      allowed: ["example.com"],
      bot: false,
      reasons: ["click_referrer_not_allowed"],
    },
    {
      label: "no Referer (an app, a privacy setting): not judged",
      facts: { referer: null },
      allowed: ["example.com"],
      bot: false,
      reasons: [],
    },
    {
      label: "an empty allow-list allows every referrer",
      facts: { referer: "https://coupons.test/x" },
      allowed: [],
      bot: false,
      reasons: [],
    },
    {
      label: "a stuffer: hidden iframe, headless, from a datacenter, on its own site",
      facts: {
        secFetchDest: "iframe",
        secFetchUser: null,
        userAgent: "Mozilla/5.0 HeadlessChrome/120",
        asn: 16509,
        referer: "https://stuffer.test/",
      },
      allowed: ["example.com"],
      bot: true,
      reasons: [
        "click_iframe",
        "click_automation",
        "click_datacenter",
        "click_referrer_not_allowed",
      ],
    },
  ])("$label → bot $bot, $reasons", ({ facts, allowed, bot, reasons }) => {
    expect(judgeClick({ ...PERSON, ...facts }, LISTS, allowed)).toEqual({ bot, reasons });
  });

  test("with no lists, the network is not judged", () => {
    expect(
      judgeClick({ ...PERSON, asn: 16509, ip: "203.0.113.1" }, EMPTY_CLICK_LISTS, null),
    ).toEqual({ bot: false, reasons: [] });
  });
});

describe("isAutomationUserAgent", () => {
  test.each([
    { ua: CHROME, automation: false },
    { ua: SAFARI_IOS, automation: false },
    { ua: "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/124.0 Safari/537.36", automation: true },
    { ua: "Mozilla/5.0 PhantomJS/2.1.1", automation: true },
    { ua: "python-requests/2.31.0", automation: true },
    { ua: "Go-http-client/2.0", automation: true },
    { ua: "Wget/1.21", automation: true },
    { ua: "", automation: false },
    // Link-preview fetchers are not automation (shared/referrals/preview-bots.ts).
    { ua: "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", automation: false },
    { ua: "WhatsApp/2.23.20.0", automation: false },
  ])("$ua → $automation", ({ ua, automation }) => {
    expect(isAutomationUserAgent(ua)).toBe(automation);
  });
});

describe("hostAllowed", () => {
  test.each([
    { host: "example.com", allowed: true },
    { host: "www.example.com", allowed: true },
    { host: "WWW.Example.com.", allowed: true },
    { host: "badexample.com", allowed: false },
    { host: "example.com.evil.test", allowed: false },
    { host: "partner.test", allowed: true },
  ])("$host → $allowed", ({ host, allowed }) => {
    expect(hostAllowed(host, ["example.com", "partner.test"])).toBe(allowed);
  });
});

describe("what the verdict becomes", () => {
  test("request facts read the headers and cf.asn", () => {
    const request = new Request("https://go.test/c/x", {
      headers: { "sec-fetch-dest": "iframe", "user-agent": "curl/8" },
    });
    Object.defineProperty(request, "cf", { value: { asn: 16509 } });
    expect(clickRequestFacts(request, "203.0.113.1")).toEqual({
      secFetchDest: "iframe",
      secFetchMode: null,
      secFetchUser: null,
      userAgent: "curl/8",
      referer: null,
      asn: 16509,
      ip: "203.0.113.1",
    });
  });

  test("risk reasons and observation facts name each reason", () => {
    const quality = { bot: true, reasons: ["click_iframe" as const] };
    expect(clickRiskReasons(quality)).toEqual([
      { code: "click_iframe", score: 0, detail: expect.stringContaining("inside another page") },
    ]);
    expect(clickQualityFacts(quality)).toMatchObject({
      "signal.clickBot": true,
      "signal.clickIframe": true,
      "signal.clickAutomation": false,
    });
  });

  test.each([
    {
      value: { bot: true, reasons: ["click_iframe", "made_up"] },
      parsed: { bot: true, reasons: ["click_iframe"] },
    },
    { value: { bot: "yes", reasons: [] }, parsed: null },
    { value: null, parsed: null },
    { value: undefined, parsed: null },
  ])("parseClickQuality($value) → $parsed", ({ value, parsed }) => {
    expect(parseClickQuality(value)).toEqual(parsed);
  });
});
