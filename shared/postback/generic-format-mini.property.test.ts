import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { AmountMinorSchema, CurrencySchema, RateBpsSchema } from "../money/currency";
import {
  AmountMinorMiniSchema,
  CurrencyMiniSchema,
  RateBpsMiniSchema,
} from "../money/currency-mini";
import { type Parser, parseOutcome } from "../validate/testing/parse-outcome";
import { GenericPostbackSchema } from "./generic-format";
import { GenericPostbackMiniSchema } from "./generic-format-mini";

/**
 * The postback worker's zod/mini schemas against the classic ones the api documents: the same
 * verdict, the same parsed value, and the same issues (path, code, message), since the
 * postback's problem response lists them. Inputs: near-valid bodies with any field replaced
 * by anything, so both sides of every check are reached.
 */
const RUNS = { numRuns: 3_000 };

function same(classic: Parser, mini: Parser, value: unknown) {
  expect(parseOutcome(mini, value)).toEqual(parseOutcome(classic, value));
}

const junk = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(0, -1, 1, 1.5, 2 ** 53, 1e12, 1e12 + 1, 10_000, 10_001, "", null, "INR", "inr"),
  fc.integer({ min: -5, max: 2_000_000 }),
);
const or = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 10, arbitrary: arb }, { weight: 1, arbitrary: junk });
const amount = or(
  fc.oneof(fc.integer({ min: 0, max: 1e12 }), fc.constantFrom(1e12, 1e12 + 1, -1, 0.5)),
);
const text = (min: number, max: number) =>
  or(
    fc.oneof(
      { weight: 4, arbitrary: fc.string({ minLength: min, maxLength: max }) },
      { weight: 1, arbitrary: fc.string({ maxLength: max + 2 }) },
    ),
  );
/** Adds a key the strict schemas refuse, now and then. */
const withExtra = <T extends object>(arb: fc.Arbitrary<T>) =>
  fc
    .tuple(arb, fc.option(junk, { freq: 6 }))
    .map(([value, extra]) => (extra === null ? value : { ...value, extra }));
const datetime = or(
  fc.oneof(
    fc
      .date({ noInvalidDate: true, min: new Date("1970-01-01"), max: new Date("2999-12-31") })
      .map((d) => d.toISOString()),
    fc.constantFrom(
      "2026-06-02T00:00:00Z",
      "2026-06-02T00:00:00+05:30",
      "2026-02-30T00:00:00Z",
      "2026-06-02 00:00:00Z",
      "2026-06-02",
    ),
  ),
);
const lineItem = withExtra(
  fc.record(
    {
      sku: or(fc.option(fc.string({ maxLength: 130 }))),
      category: or(fc.option(fc.string({ maxLength: 66 }))),
      amount_minor: amount,
      commission_minor: or(fc.option(amount)),
      quantity: or(fc.integer({ min: 0, max: 1_000_001 })),
    },
    { requiredKeys: ["amount_minor"] },
  ),
);
const body = withExtra(
  fc.record(
    {
      order_id: or(
        fc.oneof(fc.stringMatching(/^[\x21-\x7e]{1,128}$/), fc.string({ maxLength: 130 })),
      ),
      sub_id: text(17, 400),
      status: or(fc.constantFrom("pending", "approved", "cancelled", "paid")),
      currency: or(fc.oneof(fc.stringMatching(/^[A-Z]{3}$/), fc.string({ maxLength: 4 }))),
      sale_amount_minor: amount,
      commission_minor: amount,
      category: or(fc.option(fc.string({ maxLength: 66 }))),
      occurred_at: datetime,
      updated_at: datetime,
      network_offer_ref: or(fc.oneof(text(1, 200), fc.constant("a\u0007b"))),
      line_items: or(fc.array(lineItem, { maxLength: 3 })),
    },
    {
      requiredKeys: [
        "order_id",
        "sub_id",
        "status",
        "currency",
        "sale_amount_minor",
        "commission_minor",
        "occurred_at",
      ],
    },
  ),
);

/** Bodies that pass (so the accepting side is reached), mixed with the near-valid ones. */
const validBody = fc.record(
  {
    order_id: fc.stringMatching(/^[\x21-\x7e]{1,128}$/),
    sub_id: fc.string({ minLength: 17, maxLength: 400 }),
    status: fc.constantFrom("pending", "approved", "cancelled"),
    currency: fc.stringMatching(/^[A-Z]{3}$/),
    sale_amount_minor: fc.integer({ min: 0, max: 1e12 }),
    commission_minor: fc.integer({ min: 0, max: 1e12 }),
    category: fc.option(fc.string({ minLength: 1, maxLength: 64 })),
    occurred_at: fc.constantFrom("2026-06-02T00:00:00Z", "2024-02-29T23:59:59.123-01:00"),
    updated_at: fc.constant("2026-06-02T00:00:00+05:30"),
    network_offer_ref: fc.stringMatching(/^[a-z0-9-]{1,200}$/),
    line_items: fc.array(
      fc.record(
        {
          sku: fc.option(fc.string({ minLength: 1, maxLength: 128 })),
          amount_minor: fc.integer({ min: 0, max: 1e12 }),
          quantity: fc.integer({ min: 1, max: 1_000_000 }),
        },
        { requiredKeys: ["amount_minor"] },
      ),
      { maxLength: 3 },
    ),
  },
  {
    requiredKeys: [
      "order_id",
      "sub_id",
      "status",
      "currency",
      "sale_amount_minor",
      "commission_minor",
      "occurred_at",
    ],
  },
);
const anyBody = fc.oneof(validBody, body);

describe("money/currency-mini ≡ money/currency", () => {
  test("CurrencySchema", () => {
    fc.assert(
      fc.property(or(fc.string({ maxLength: 4 })), (v) =>
        same(CurrencySchema, CurrencyMiniSchema, v),
      ),
      RUNS,
    );
  });
  test("AmountMinorSchema", () => {
    fc.assert(
      fc.property(amount, (v) => same(AmountMinorSchema, AmountMinorMiniSchema, v)),
      RUNS,
    );
  });
  test("RateBpsSchema", () => {
    const rate = or(fc.oneof(fc.integer({ min: -2, max: 10_002 }), fc.double()));
    fc.assert(
      fc.property(rate, (v) => same(RateBpsSchema, RateBpsMiniSchema, v)),
      RUNS,
    );
  });
});

describe("postback/generic-format-mini ≡ GenericPostbackSchema", () => {
  test("the same verdict, value and issues for near-valid bodies", () => {
    fc.assert(
      fc.property(body, (v) => same(GenericPostbackSchema, GenericPostbackMiniSchema, v)),
      RUNS,
    );
  });
  test("both sides are reached (the generator is not all-valid or all-invalid)", () => {
    const verdicts = fc
      .sample(anyBody, 2_000)
      .map((v) => GenericPostbackSchema.safeParse(v).success);
    expect(verdicts).toContain(true);
    expect(verdicts).toContain(false);
  });
});
