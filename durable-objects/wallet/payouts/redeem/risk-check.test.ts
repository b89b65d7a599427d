import { describe, expect, test } from "vitest";
import { type KnownActivity, knownActivityOf } from "#shared/fraud/behaviour-signals";
import { type RedemptionContext, redemptionObservation } from "./risk-check";

const payout = { payoutId: "pay_1", amountMinor: 5_000, currency: "INR", destinationType: "upi" };

describe("redemptionObservation", () => {
  test.each<{
    name: string;
    context: RedemptionContext | undefined;
    identifiers: Record<string, string> | undefined;
    known: KnownActivity;
  }>([
    {
      name: "nothing known, no instrument: the payout's facts only",
      context: undefined,
      identifiers: undefined,
      known: {},
    },
    {
      name: "the account paid and the wallet's newest sign-in and change",
      context: {
        identifiers: { payment_instrument: "v1.abc" },
        known: { new_device_login: 1_000, destination_changed: 2_000 },
      },
      identifiers: { payment_instrument: "v1.abc" },
      known: { new_device_login: 1_000, destination_changed: 2_000 },
    },
    {
      name: "a gift card: no identifier, a profile change known",
      context: { identifiers: {}, known: { profile_changed: 3_000 } },
      identifiers: undefined,
      known: { profile_changed: 3_000 },
    },
  ])("$name", ({ context, identifiers, known }) => {
    const observation = redemptionObservation("u1", payout, 10_000, context);
    expect(observation.observationId).toBe("redeem:pay_1");
    expect(observation.identifiers).toEqual(identifiers);
    expect(observation.facts?.["signal.amountMinor"]).toBe(5_000);
    expect(knownActivityOf(observation.facts ?? {})).toEqual(known);
  });
});
