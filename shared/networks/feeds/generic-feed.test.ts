import { describe, expect, it, test } from "vitest";
import { ReportError } from "../core/report-error";
import type { NetworkSettings } from "../types";
import {
  FEED_LIMITS,
  feedUrlOf,
  fetchGenericOfferFeed,
  parseGenericOfferFeed,
} from "./generic-feed";

const SETTINGS: NetworkSettings = {
  networkId: "sbx",
  postbackSecret: "sandbox-secret-0123456789abcdef",
  options: { feedUrl: "https://net.test/feed" },
};

const offer = (overrides: Record<string, unknown> = {}) => ({
  id: "o-1",
  title: "5% on everything",
  currency: "INR",
  default_rate_bps: 500,
  category_rates: { electronics: 750 },
  return_window_days: 30,
  active: true,
  ...overrides,
});
const merchant = (overrides: Record<string, unknown> = {}) => ({
  id: "m-1",
  name: "Shop",
  landing_url: "https://shop.test/",
  offers: [offer()],
  ...overrides,
});

async function kindOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    if (error instanceof ReportError) return error.kind;
    throw error;
  }
}

describe("parseGenericOfferFeed", () => {
  it("normalises a feed into Boomerang's shapes, with defaults for optional fields", () => {
    const feed = parseGenericOfferFeed({
      merchants: [
        merchant({
          offers: [
            offer(),
            { ...offer({ id: "o-2" }), category_rates: undefined, active: undefined },
          ],
        }),
      ],
      generated_at: "ignored: fields this version does not know are skipped",
    });
    expect(feed).toEqual({
      merchants: [
        {
          id: "m-1",
          name: "Shop",
          landingUrl: "https://shop.test/",
          offers: [
            {
              id: "o-1",
              title: "5% on everything",
              currency: "INR",
              terms: { basis: "sale", defaultRateBps: 500, categoryRates: { electronics: 750 } },
              returnWindowDays: 30,
              active: true,
            },
            {
              id: "o-2",
              title: "5% on everything",
              currency: "INR",
              terms: { basis: "sale", defaultRateBps: 500, categoryRates: {} },
              returnWindowDays: 30,
              active: true,
            },
          ],
        },
      ],
    });
  });

  test.each([
    { label: "not an object", json: "nope", path: "(feed)" },
    { label: "no merchants", json: {}, path: "merchants" },
    {
      label: "rate above 100%",
      json: { merchants: [merchant({ offers: [offer({ default_rate_bps: 10_001 })] })] },
      path: "merchants.0.offers.0.default_rate_bps",
    },
    {
      label: "fractional rate",
      json: { merchants: [merchant({ offers: [offer({ default_rate_bps: 2.5 })] })] },
      path: "merchants.0.offers.0.default_rate_bps",
    },
    {
      label: "bad category rate",
      json: { merchants: [merchant({ offers: [offer({ category_rates: { x: -1 } })] })] },
      path: "merchants.0.offers.0.category_rates.x",
    },
    {
      label: "lower-case currency",
      json: { merchants: [merchant({ offers: [offer({ currency: "inr" })] })] },
      path: "merchants.0.offers.0.currency",
    },
    {
      label: "landing URL that is not http(s)",
      json: { merchants: [merchant({ landing_url: "javascript:alert(1)" })] },
      path: "merchants.0.landing_url",
    },
    {
      label: "return window over a year",
      json: { merchants: [merchant({ offers: [offer({ return_window_days: 400 })] })] },
      path: "merchants.0.offers.0.return_window_days",
    },
    {
      label: "id with a space",
      json: { merchants: [merchant({ id: "m 1" })] },
      path: "merchants.0.id",
    },
    {
      label: "duplicate merchant id",
      json: { merchants: [merchant(), merchant()] },
      path: "merchants.1.id",
    },
    {
      label: "duplicate offer id in a merchant",
      json: { merchants: [merchant({ offers: [offer(), offer()] })] },
      path: "merchants.0.offers.1.id",
    },
  ])("refuses $label, naming $path", ({ json, path }) => {
    let caught: unknown;
    try {
      parseGenericOfferFeed(json);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ReportError);
    expect((caught as ReportError).kind).toBe("malformed");
    expect((caught as ReportError).message).toContain(`at ${path}:`);
  });

  it("refuses a feed with more offers than one sync handles", () => {
    const offers = Array.from({ length: 1_000 }, (_, i) => offer({ id: `o-${i}` }));
    const merchants = Array.from({ length: 6 }, (_, i) => merchant({ id: `m-${i}`, offers }));
    expect(() => parseGenericOfferFeed({ merchants })).toThrow(
      `more than ${FEED_LIMITS.maxOffersTotal} offers`,
    );
  });
});

describe("fetchGenericOfferFeed", () => {
  it("GETs the feedUrl with the network's bearer secret", async () => {
    let seen: Request | null = null;
    const feed = await fetchGenericOfferFeed(async (request) => {
      seen = request;
      return Response.json({ merchants: [merchant()] });
    }, SETTINGS);
    expect(feed.merchants).toHaveLength(1);
    const request = seen as unknown as Request;
    expect(request.method).toBe("GET");
    expect(request.url).toBe("https://net.test/feed");
    expect(request.headers.get("authorization")).toBe(`Bearer ${SETTINGS.postbackSecret}`);
  });

  test.each([
    { label: "401", respond: () => new Response("no", { status: 401 }), kind: "auth" },
    { label: "403", respond: () => new Response("no", { status: 403 }), kind: "auth" },
    { label: "429", respond: () => new Response("", { status: 429 }), kind: "unavailable" },
    { label: "503", respond: () => new Response("", { status: 503 }), kind: "unavailable" },
    { label: "404", respond: () => new Response("", { status: 404 }), kind: "http" },
    { label: "HTML", respond: () => new Response("<html>"), kind: "malformed" },
    {
      label: "a thrown fetch",
      respond: () => {
        throw new TypeError("connection reset");
      },
      kind: "unavailable",
    },
  ])("a $label answer is a $kind ReportError", async ({ respond, kind }) => {
    expect(await kindOf(fetchGenericOfferFeed(async () => respond(), SETTINGS))).toBe(kind);
  });

  it("is misconfigured without a feedUrl or a secret", async () => {
    const never = async () => Response.json({ merchants: [] });
    expect(await kindOf(fetchGenericOfferFeed(never, { ...SETTINGS, options: {} }))).toBe(
      "misconfigured",
    );
    expect(await kindOf(fetchGenericOfferFeed(never, { ...SETTINGS, postbackSecret: "" }))).toBe(
      "misconfigured",
    );
  });
});

describe("feedUrlOf", () => {
  test.each([
    { options: {}, url: null },
    { options: { feedUrl: "https://net.test/feed?x=1" }, url: "https://net.test/feed?x=1" },
    { options: { reportUrl: "https://net.test/report" }, url: null },
  ])("$options → $url", ({ options, url }) => {
    expect(feedUrlOf(options)).toBe(url);
  });

  it("throws for a feedUrl that is not http(s)", () => {
    expect(() => feedUrlOf({ feedUrl: "file:///etc/passwd" })).toThrow(ReportError);
  });
});
