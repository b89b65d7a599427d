import fc from "fast-check";

/** fast-check generators for hostile network input. Test-only. */

const PROTOTYPE_KEYS = [
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "valueOf",
  "hasOwnProperty",
];

/** Strings a network should never send, and some it might. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.constantFrom(
    "",
    " ",
    "-1",
    "-0.00",
    "1e309",
    "NaN",
    "Infinity",
    "99999999999999999999",
    "1,299.5",
    "12,5",
    "0.005",
    "１２３",
    "١٢٣",
    "\u0000",
    "\n\r",
    "%00",
    "%zz",
    "null",
    "undefined",
    "true",
    "[object Object]",
    "1970-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "2026-02-30T00:00:00Z",
    "0",
    "4102444800",
    "x".repeat(3000),
    ...PROTOTYPE_KEYS,
  ),
  fc.integer({ min: -1e6, max: 1e12 }).map(String),
  fc.double().map(String),
);

/** JSON values with prototype keys, deep nesting, huge numbers and unicode. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom(null, true, false, 0, -1, 1e308, -1e308, 2 ** 53, 0.1, Number.MAX_SAFE_INTEGER),
    hostileString,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.oneof(hostileString, fc.constantFrom(...PROTOTYPE_KEYS)), tie("value"), {
      maxKeys: 5,
    }),
  ),
})).value;

/** A very deeply nested JSON text (deeper than any mapping path). */
export function deepJsonText(depth: number): string {
  return `${"[".repeat(depth)}1${"]".repeat(depth)}`;
}

/**
 * Query strings built from `names` (the network's real parameter names, so values reach the
 * parser) plus random names, with hostile values, occasionally duplicated.
 */
export function hostileQuery(names: readonly string[]): fc.Arbitrary<string> {
  return fc
    .array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom(...names),
          fc.constantFrom(...PROTOTYPE_KEYS),
          fc.string({ maxLength: 8 }),
        ),
        hostileString,
      ),
      { maxLength: 14 },
    )
    .map((pairs) =>
      pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&"),
    );
}

/** A record of the named fields, each either a plausible value from `good` or a hostile one. */
export function mixedRecord(
  good: Record<string, fc.Arbitrary<unknown>>,
): fc.Arbitrary<Record<string, unknown>> {
  const entries = Object.entries(good).map(
    ([key, arb]) =>
      [
        key,
        fc.option(fc.oneof({ weight: 3, arbitrary: arb }, { weight: 1, arbitrary: hostileJson }), {
          nil: undefined,
        }),
      ] as const,
  );
  return fc.record(Object.fromEntries(entries)).map((record) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(record)) if (v !== undefined) out[k] = v;
    return out;
  });
}

export const sourceIp: fc.Arbitrary<string | null> = fc.oneof(
  fc.constant(null),
  fc.ipV4(),
  fc.ipV6(),
  fc.constantFrom("203.0.113.7", "::ffff:203.0.113.7", "not-an-ip", "", "999.1.1.1"),
);

export const decimalText: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 0, max: 99_999_999 }), fc.integer({ min: 0, max: 99 }))
  .map(([a, b]) => `${a}.${String(b).padStart(2, "0")}`);

export const isoText: fc.Arbitrary<string> = fc
  .date({
    min: new Date("2001-01-01T00:00:00Z"),
    max: new Date("2099-01-01T00:00:00Z"),
    noInvalidDate: true,
  })
  .map((d) => `${d.toISOString().slice(0, 19)}Z`);
