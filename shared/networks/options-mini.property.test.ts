import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { type Parser, parseOutcome } from "../validate/testing/parse-outcome";
import { AdmitadOptionsSchema } from "./admitad/options";
import { CjOptionsSchema } from "./cj/options";
import { IpAllowlistSchema } from "./core/ip-allowlist";
import { readOptions } from "./core/options";
import { GenericOptionsSchema } from "./generic-options";
import { ImpactOptionsSchema } from "./impact/options";
import {
  AdmitadOptionsMiniSchema,
  CjOptionsMiniSchema,
  GenericOptionsMiniSchema,
  ImpactOptionsMiniSchema,
  IpAllowlistMiniSchema,
} from "./options-mini";

/**
 * The postback worker's zod/mini option schemas against the classic ones the api saves
 * networks with: the same verdict, the same value (defaults included) and the same issues,
 * and so the same `readOptions` result (its `misconfigured: options.<path>: <message>`
 * reason is what a rejected postback records).
 */
const RUNS = { numRuns: 2_000 };

const junk = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(0, -1, 1, 1.5, 500, 501, 840, 841, -720, -721, 20_000, 20_001, "", null, true),
);
const or = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 6, arbitrary: arb }, { weight: 1, arbitrary: junk });
const ip = fc.oneof(
  fc.ipV4(),
  fc.ipV6(),
  fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 40 })).map(([a, p]) => `${a}/${p}`),
  fc.constantFrom("::ffff:203.0.113.7", "203.0.113.256", "2001:db8::/129", "x", "1.2.3.4/08"),
);
const allowlist = or(fc.array(or(ip), { maxLength: 4 }));
const url = or(
  fc.oneof(
    fc.webUrl(),
    fc.constantFrom("ftp://x.example", "https://", "http://a.example/r", "not a url"),
  ),
);
const name = (max: number) =>
  or(
    fc.oneof(
      fc.stringMatching(new RegExp(`^[A-Za-z0-9_]{1,${max}}$`)),
      fc.string({ maxLength: 6 }),
    ),
  );
const int = (min: number, max: number) =>
  or(fc.oneof(fc.integer({ min: min - 2, max: max + 2 }), fc.double({ noNaN: true })));
const tokenAuth = {
  tokenParam: name(64),
  requireToken: or(fc.boolean()),
  ipAllowlist: allowlist,
  subIdParam: name(32),
  extra: junk,
};
const options = fc.oneof(
  fc.record(
    {
      ...tokenAuth,
      apiBaseUrl: url,
      apiUrl: url,
      reportUrl: url,
      websiteId: int(0, 5),
      reportPageSize: int(1, 20_000),
      reportUtcOffsetMinutes: int(-720, 840),
      publisherId: or(fc.stringMatching(/^\d{1,22}$/)),
      currency: or(fc.stringMatching(/^[A-Z]{2,4}$/)),
      reportDateType: or(fc.constantFrom("event", "posting", "paid")),
      accountSid: name(64),
    },
    { requiredKeys: [] },
  ),
  junk,
);

const PAIRS: Array<[string, Parser, Parser]> = [
  ["generic", GenericOptionsSchema, GenericOptionsMiniSchema],
  ["admitad", AdmitadOptionsSchema, AdmitadOptionsMiniSchema],
  ["cj", CjOptionsSchema, CjOptionsMiniSchema],
  ["impact", ImpactOptionsSchema, ImpactOptionsMiniSchema],
];

describe("networks/options-mini ≡ the classic option schemas", () => {
  test("IpAllowlistSchema", () => {
    fc.assert(
      fc.property(allowlist, (v) => {
        expect(parseOutcome(IpAllowlistMiniSchema, v)).toEqual(parseOutcome(IpAllowlistSchema, v));
      }),
      RUNS,
    );
  });
  for (const [format, classic, mini] of PAIRS) {
    test(`${format}: verdict, value, issues and readOptions`, () => {
      fc.assert(
        fc.property(options, (v) => {
          expect(parseOutcome(mini, v)).toEqual(parseOutcome(classic, v));
          expect(readOptions(mini as never, v)).toEqual(readOptions(classic as never, v));
        }),
        RUNS,
      );
      const verdicts = fc.sample(options, 1_000).map((v) => classic.safeParse(v).success);
      expect(verdicts).toContain(true);
      expect(verdicts).toContain(false);
    });
  }
});
