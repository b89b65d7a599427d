import { describe, expect, test } from "vitest";
import { buildTrackingUrl } from "../config/offer-config";
import { NETWORK_FORMATS } from "./formats";
import { adapterFor } from "./registry";
import { settingsFor } from "./testing/fixtures";
import { placesSubIdItself, trackingOptionsOf, trackingUrlFor } from "./tracking-urls";

const values = {
  subId: "SUB_abc-123",
  clickId: "clk_1",
  landingUrl: "https://shop.example/p?id=1&x=y",
  networkOfferRef: "off-9",
};
const NO_SUBID = "https://net.example/c/1/2?u={landing_url}&c={click_id}";
const WITH_SUBID = "https://net.example/t?s={subid}&u={landing_url}";

describe("trackingUrlFor", () => {
  test.each([
    {
      label: "generic fills as written",
      format: "generic",
      template: WITH_SUBID,
      options: {},
      param: null,
    },
    {
      label: "template fills as written",
      format: "template",
      template: WITH_SUBID,
      options: {},
      param: null,
    },
    {
      label: "admitad appends subid",
      format: "admitad",
      template: NO_SUBID,
      options: {},
      param: "subid",
    },
    {
      label: "impact appends subId1",
      format: "impact",
      template: NO_SUBID,
      options: {},
      param: "subId1",
    },
    { label: "cj appends sid", format: "cj", template: NO_SUBID, options: {}, param: "sid" },
    {
      label: "admitad honours subIdParam",
      format: "admitad",
      template: NO_SUBID,
      options: { subIdParam: "subid2" },
      param: "subid2",
    },
    {
      label: "an invalid subIdParam falls back to the format's default",
      format: "cj",
      template: NO_SUBID,
      options: { subIdParam: "a b&c" },
      param: "sid",
    },
  ])("$label", ({ format, template, options, param }) => {
    const url = trackingUrlFor(format, template, values, options);
    if (param === null) expect(url).toBe(buildTrackingUrl(template, values));
    else expect(new URL(url).searchParams.get(param)).toBe(values.subId);
  });

  test.each([undefined, "unknown", "__proto__", "toString"])(
    "format %j fills the template as written, never throws",
    (format) => {
      expect(trackingUrlFor(format, NO_SUBID, values)).toBe(buildTrackingUrl(NO_SUBID, values));
    },
  );

  test.each(NETWORK_FORMATS)("the %s adapter builds the same URL as trackingUrlFor", (format) => {
    const adapter = adapterFor(format);
    const options = { subIdParam: "custom_sub" };
    for (const template of [NO_SUBID, WITH_SUBID]) {
      expect(adapter?.buildTrackingUrl(template, values, settingsFor("n", options))).toBe(
        trackingUrlFor(format, template, values, trackingOptionsOf(options)),
      );
    }
  });

  test("only admitad, impact and cj place the sub-ID themselves", () => {
    expect(NETWORK_FORMATS.filter(placesSubIdItself)).toEqual(["admitad", "impact", "cj"]);
    expect(placesSubIdItself("__proto__")).toBe(false);
  });
});

test("trackingOptionsOf keeps only what the builders read", () => {
  expect(
    trackingOptionsOf({ subIdParam: "s", ipAllowlist: ["10.0.0.0/8"], accountSid: "IR1" }),
  ).toEqual({ subIdParam: "s" });
  expect(trackingOptionsOf({})).toEqual({});
});
