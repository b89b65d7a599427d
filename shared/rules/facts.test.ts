import { describe, expect, test } from "vitest";
import type { FirstPartyEvent } from "../events/event-schema";
import { type FactsContext, type FactsUser, factsOf } from "./facts";

const AT = Date.parse("2026-12-05T04:45:00Z");
const DAY = 86_400_000;

const purchase: FirstPartyEvent = {
  id: "evt-1",
  type: "purchase.completed",
  userId: "u-1",
  occurredAtMs: AT,
  data: {
    amountMinor: 129_900,
    currency: "INR",
    orderId: "ord-77",
    merchantId: "acme",
    category: "electronics",
  },
};

const base = {
  "event.type": "purchase.completed",
  "event.id": "evt-1",
  "event.occurredAtMs": AT,
  "user.id": "u-1",
  "user.segments": [],
  "event.amountMinor": 129_900,
  "event.currency": "INR",
  "event.merchantId": "acme",
  "event.category": "electronics",
  "event.attributes.orderId": "ord-77",
};

describe("factsOf", () => {
  test.each<{
    label: string;
    event: FirstPartyEvent;
    user?: FactsUser;
    context?: FactsContext;
    want: Record<string, unknown>;
  }>([
    { label: "a purchase with nothing known of the user", event: purchase, want: base },
    {
      label: "user tier and segments",
      event: purchase,
      user: { tier: "gold", segments: ["students", "app"] },
      want: { ...base, "user.tier": "gold", "user.segments": ["students", "app"] },
    },
    {
      label: "account age computed from the sign-up, in whole days up to the event",
      event: purchase,
      user: { signedUpAtMs: AT - 10 * DAY - 1 },
      want: { ...base, "user.signedUpAtMs": AT - 10 * DAY - 1, "user.accountAgeDays": 10 },
    },
    {
      label: "a sign-up after the event gives age 0, never negative",
      event: purchase,
      user: { signedUpAtMs: AT + DAY },
      want: { ...base, "user.signedUpAtMs": AT + DAY, "user.accountAgeDays": 0 },
    },
    {
      label: "an account age given wins over the sign-up date",
      event: purchase,
      user: { accountAgeDays: 400, signedUpAtMs: AT - DAY },
      want: { ...base, "user.signedUpAtMs": AT - DAY, "user.accountAgeDays": 400 },
    },
    {
      label: "count 0 this month: the first of its kind",
      event: purchase,
      context: { countOfKindThisMonth: 0 },
      want: {
        ...base,
        "context.countOfKindThisMonth": 0,
        "context.firstOfKindThisMonth": true,
      },
    },
    {
      label: "count 3 this month: not the first",
      event: purchase,
      context: { countOfKindThisMonth: 3 },
      want: {
        ...base,
        "context.countOfKindThisMonth": 3,
        "context.firstOfKindThisMonth": false,
      },
    },
    {
      label: "the first of its kind ever, and the member's referral state",
      event: purchase,
      user: { referralState: "signed_up" },
      context: { firstOfKindEver: true },
      want: { ...base, "context.firstOfKindEver": true, "referral.state": "signed_up" },
    },
    {
      label: "not referred: no referral fact",
      event: purchase,
      context: { firstOfKindEver: false },
      want: { ...base, "context.firstOfKindEver": false },
    },
    {
      label: "first-of-kind given without a count",
      event: purchase,
      context: { firstOfKindThisMonth: true },
      want: { ...base, "context.firstOfKindThisMonth": true },
    },
    {
      label: "an event without an amount: no amount or currency facts",
      event: {
        id: "evt-2",
        type: "review.published",
        userId: "u-1",
        occurredAtMs: AT,
        data: { reviewId: "r-9", rating: 5, merchantId: "acme" },
      },
      want: {
        "event.type": "review.published",
        "event.id": "evt-2",
        "event.occurredAtMs": AT,
        "user.id": "u-1",
        "user.segments": [],
        "event.merchantId": "acme",
        "event.attributes.reviewId": "r-9",
        "event.attributes.rating": 5,
      },
    },
    {
      label: "a sign-up: personal data never becomes a fact",
      event: {
        id: "evt-3",
        type: "user.signed_up",
        userId: "u-1",
        occurredAtMs: AT,
        data: {
          email: "a@example.com",
          phone: "+919812345678",
          displayName: "A",
          referralCode: "FRIEND",
        },
      },
      want: {
        "event.type": "user.signed_up",
        "event.id": "evt-3",
        "event.occurredAtMs": AT,
        "user.id": "u-1",
        "user.segments": [],
        "event.attributes.referralCode": "FRIEND",
      },
    },
    {
      label: "a custom type: scalar fields become attributes, nested ones and odd names do not",
      event: {
        id: "evt-4",
        type: "custom.quiz_passed",
        userId: "u-1",
        occurredAtMs: AT,
        data: { score: 9, passed: true, level: "hard", tags: ["a"], meta: { x: 1 }, "bad-name": 1 },
      },
      want: {
        "event.type": "custom.quiz_passed",
        "event.id": "evt-4",
        "event.occurredAtMs": AT,
        "user.id": "u-1",
        "user.segments": [],
        "event.attributes.score": 9,
        "event.attributes.passed": true,
        "event.attributes.level": "hard",
      },
    },
  ])("$label", ({ event, user, context, want }) => {
    expect(factsOf(event, user, context)).toEqual(want);
  });

  test("the segments are a copy: changing the input later changes no fact", () => {
    const segments = ["a"];
    const facts = factsOf(purchase, { segments });
    segments.push("b");
    expect(facts["user.segments"]).toEqual(["a"]);
  });
});
