import { describe, expect, test } from "vitest";
import {
  type ConfirmationPolicy,
  networkConfirmationPolicy,
  type OfferOrigin,
  resolveConfirmationPolicy,
} from "./confirmation-options";

describe("confirmation policy resolution: offer, then network, then the origin's default", () => {
  test.each<{
    label: string;
    offerPolicy: ConfirmationPolicy | null;
    networkOptions: Record<string, unknown> | null;
    origin: OfferOrigin;
    want: ConfirmationPolicy;
  }>([
    {
      label: "operator offer, nothing set",
      offerPolicy: null,
      networkOptions: {},
      origin: "operator",
      want: "return_window",
    },
    {
      label: "feed offer, nothing set",
      offerPolicy: null,
      networkOptions: {},
      origin: "feed",
      want: "network_approval",
    },
    {
      label: "no options at all",
      offerPolicy: null,
      networkOptions: null,
      origin: "operator",
      want: "return_window",
    },
    {
      label: "the network's option",
      offerPolicy: null,
      networkOptions: { confirmationPolicy: "both" },
      origin: "operator",
      want: "both",
    },
    {
      label: "the network's option over the feed default",
      offerPolicy: null,
      networkOptions: { confirmationPolicy: "return_window" },
      origin: "feed",
      want: "return_window",
    },
    {
      label: "the offer's own over the network's",
      offerPolicy: "network_approval",
      networkOptions: { confirmationPolicy: "return_window" },
      origin: "operator",
      want: "network_approval",
    },
    {
      label: "an unreadable option counts as none",
      offerPolicy: null,
      networkOptions: { confirmationPolicy: "later" },
      origin: "feed",
      want: "network_approval",
    },
  ])("$label → $want", ({ offerPolicy, networkOptions, origin, want }) => {
    expect(resolveConfirmationPolicy({ offerPolicy, networkOptions, origin })).toBe(want);
  });

  test("other options are the adapter's and are ignored", () => {
    expect(networkConfirmationPolicy({ feedUrl: "https://x.test/f", tokenParam: "t" })).toBeNull();
  });
});
