import { describe, expect, test } from "vitest";
import type { ClickMessage } from "#shared/messages";
import { clickObservation } from "./observations";

const base = {
  kind: "click",
  clickId: "clk_1",
  userId: "u1",
  offerId: "o1",
  merchantId: "m1",
  clickedAtMs: 1_000,
} as ClickMessage;
const HASH = `v1.${"A".repeat(43)}`;

describe("clickObservation", () => {
  test.each([
    {
      name: "the edge's network hash and request network ride along",
      click: { ...base, identifiers: { ip_prefix: HASH }, network: { asn: 55836, country: "IN" } },
      identifiers: { ip_prefix: HASH },
      facts: { "signal.asn": 55836, "signal.country": "IN" },
    },
    {
      name: "a value that is not a keyed hash is not linked (never a raw address)",
      click: { ...base, identifiers: { ip_prefix: "203.0.113.0/24" } },
      identifiers: undefined,
      facts: {},
    },
    {
      name: "an older message: no link, no network",
      click: base,
      identifiers: undefined,
      facts: {},
    },
    {
      name: "an iframe click says so as a fact",
      click: { ...base, quality: { bot: true, reasons: ["click_iframe"] } },
      identifiers: undefined,
      facts: {
        "signal.clickBot": true,
        "signal.clickIframe": true,
        "signal.clickNoGesture": false,
        "signal.clickAutomation": false,
        "signal.clickDatacenter": false,
        "signal.clickReferrerNotAllowed": false,
        "signal.clickReasons": "click_iframe",
      },
    },
    {
      name: "every reason the catalog names reaches the rules as its own fact",
      click: {
        ...base,
        quality: { bot: true, reasons: ["click_datacenter", "click_referrer_not_allowed"] },
      },
      identifiers: undefined,
      facts: {
        "signal.clickBot": true,
        "signal.clickIframe": false,
        "signal.clickNoGesture": false,
        "signal.clickAutomation": false,
        "signal.clickDatacenter": true,
        "signal.clickReferrerNotAllowed": true,
        "signal.clickReasons": "click_datacenter,click_referrer_not_allowed",
      },
    },
  ])("$name", ({ click, identifiers, facts }) => {
    const observation = clickObservation(click as ClickMessage);
    expect(observation.identifiers).toEqual(identifiers);
    expect(observation.facts).toEqual({
      "signal.offerId": "o1",
      "signal.merchantId": "m1",
      ...facts,
    });
  });
});
