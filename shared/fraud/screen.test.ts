import { describe, expect, test } from "vitest";
import type { RuleInput } from "../rules/index";
import { compiled, rule } from "../rules/testing/fixtures";
import type { Observation } from "./risk-contract";
import { needsAssessment } from "./screen";
import { FRAUD_GROUP, FRAUD_STARTER_RULES } from "./starter-rules";
import type { UserOrderCounts } from "./user-order-counts";

/** Which conversions the risk consumer sends on to the risk object (docs/fraud.md). */

const NOW = Date.UTC(2026, 11, 6, 12);
const starter = compiled([...FRAUD_STARTER_RULES], { groups: [FRAUD_GROUP] });

const conversion = (facts: Observation["facts"] = {}): Observation => ({
  observationId: "conversion:net:o1",
  userId: "u1",
  kind: "conversion",
  atMs: NOW,
  subjectRef: "txn-1",
  facts: { "signal.offerId": "offer-1", "signal.saleAmountMinor": 10_000, ...facts },
});
const counts = (orders = 0, returns = 0, lastHour = 0): UserOrderCounts => ({
  orders,
  returns,
  recent: { "1h": lastHour, "24h": lastHour, "7d": lastHour },
  atMs: NOW,
});
const late = { "signal.clickToConversionSec": 3_600 };

describe("needsAssessment under the starter rules", () => {
  test.each([
    { label: "a sale an hour after its click", facts: late, counts: counts(), want: false },
    {
      label: "a sale 31 s after its click",
      facts: { "signal.clickToConversionSec": 31 },
      counts: counts(),
      want: false,
    },
    // The click burst is the object's to count: a quick sale could be stuffing.
    {
      label: "a sale 5 s after its click",
      facts: { "signal.clickToConversionSec": 5 },
      counts: counts(),
      want: true,
    },
    { label: "a sale whose click age is not known", facts: {}, counts: counts(), want: true },
    {
      label: "abuse-prone category, a user returning 50% of 10",
      facts: { ...late, "signal.categoryAbuseProne": true },
      counts: counts(10, 5),
      want: true,
    },
    {
      label: "abuse-prone category, a user returning 1 of 10",
      facts: { ...late, "signal.categoryAbuseProne": true },
      counts: counts(10, 1),
      want: false,
    },
    {
      label: "abuse-prone category, too few orders for a rate",
      facts: { ...late, "signal.categoryAbuseProne": true },
      counts: counts(3, 3),
      want: false,
    },
    {
      label: "a category not on the list, a user returning everything",
      facts: { ...late, "signal.categoryAbuseProne": false },
      counts: counts(10, 10),
      want: false,
    },
  ])("$label → $want", ({ facts, counts: c, want }) => {
    expect(needsAssessment(conversion(facts), starter, c, NOW)).toBe(want);
  });
});

describe("needsAssessment under an operator's rules", () => {
  const only = (r: RuleInput) => compiled([r], { groups: [FRAUD_GROUP] });
  const conversionRule = (conditions: RuleInput["conditions"]) =>
    rule({
      id: "op-rule",
      group: FRAUD_GROUP.name,
      eventTypes: ["risk.conversion"],
      conditions,
      effects: [{ kind: "flag", score: 10, reasonCode: "op_reason" }],
    });

  test.each([
    {
      label: "conversion velocity is known from D1: 6 in the hour against > 5",
      set: only(conversionRule({ attr: "signal.conversions1h", op: "gt", value: 5 })),
      counts: counts(6, 0, 6),
      want: true,
    },
    {
      label: "conversion velocity is known from D1: 2 in the hour against > 5",
      set: only(conversionRule({ attr: "signal.conversions1h", op: "gt", value: 5 })),
      counts: counts(2, 0, 2),
      want: false,
    },
    {
      label: "the score is the object's: could be anything",
      set: only(conversionRule({ attr: "signal.score", op: "gte", value: 50 })),
      counts: counts(),
      want: true,
    },
    {
      label: "click velocity is the object's: could be anything",
      set: only(conversionRule({ attr: "signal.clicks1h", op: "gt", value: 30 })),
      counts: counts(),
      want: true,
    },
    {
      label: "a known fact rules it out whatever the score",
      set: only(
        conversionRule({
          all: [
            { attr: "signal.category", op: "eq", value: "jewellery" },
            { attr: "signal.score", op: "gte", value: 50 },
          ],
        }),
      ),
      counts: counts(),
      want: false,
    },
    {
      label: "a rule on another kind only",
      set: only({
        ...conversionRule({ attr: "signal.score", op: "gte", value: 0 }),
        eventTypes: ["risk.click"],
      }),
      counts: counts(),
      want: false,
    },
  ])("$label → $want", ({ set, counts: c, want }) => {
    expect(needsAssessment(conversion(late), set, c, NOW)).toBe(want);
  });

  test("nothing published: no conversion needs its object; other kinds always do", () => {
    expect(
      needsAssessment(conversion({ "signal.clickToConversionSec": 1 }), null, counts(), NOW),
    ).toBe(false);
    for (const kind of ["click", "return", "redemption", "login"] as const) {
      expect(needsAssessment({ ...conversion(late), kind }, null, counts(), NOW)).toBe(true);
    }
  });
});

test("a status update of a known order is counted, never judged again", () => {
  const update = conversion({ "signal.clickToConversionSec": 1, "order.update": true });
  expect(needsAssessment(update, starter, counts(10, 9), NOW)).toBe(false);
  expect(
    needsAssessment(conversion({ "signal.clickToConversionSec": 1 }), starter, counts(), NOW),
  ).toBe(true);
});
