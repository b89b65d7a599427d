import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { type Parser, parseOutcome } from "../validate/testing/parse-outcome";
import { buildDataSchema, CustomEventTypeSpecMiniSchema } from "./custom-data";
import { CustomEventTypeSpecSchema as ApiSpecSchema } from "./custom-event-types";
import { eventKeys } from "./event-keys";
import {
  BUILT_IN_EVENT_DATA,
  EventEnvelopeSchema,
  EventsBatchSchema,
  WALLET_EVENT_DATA,
} from "./event-schema";
import {
  CustomEventTypeSpecSchema as ClassicSpecSchema,
  buildDataSchema as classicBuildDataSchema,
} from "./testing/custom-event-types.classic";
import { eventKeys as classicEventKeys } from "./testing/event-keys.classic";
import {
  BUILT_IN_EVENT_DATA as CLASSIC_BUILT_IN,
  WALLET_EVENT_DATA as CLASSIC_WALLET,
  EventsBatchSchema as ClassicBatchSchema,
  EventEnvelopeSchema as ClassicEnvelopeSchema,
} from "./testing/event-schema.classic";

/**
 * The events path's zod/mini schemas against the classic ones they replaced (kept verbatim in
 * ./testing/*.classic.ts): the same verdict, the same value (defaults included) and the same
 * issues (path, code, message, in order), so the events worker's problem details
 * (`validation_failed` fields: path + message) are unchanged.
 */
const RUNS = { numRuns: 1_500 };

const scalar = fc.oneof(
  fc.emailAddress(),
  fc.constantFrom("+919812345678", "+0123", "919812345678", "a@b", "x@example.com"),
  fc.ipV4(),
  fc.ipV6(),
  fc.constantFrom("IN", "in", "USA", "INR", "usd", "web", "ios", "tv", "user_won", "user_lost"),
  fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,12}$/),
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,12}$/),
  fc.string({ maxLength: 24 }),
  fc.string({ minLength: 60, maxLength: 140 }),
  fc.integer({ min: -3, max: 6 }),
  fc.integer({ min: -2_000_000_000_000, max: 5_000_000_000 }),
  fc.constantFrom(4_294_967_295, 4_294_967_296, 90, 90.5, -180, -180.01, 1e12, 1e12 + 1),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const value = fc.oneof(
  { weight: 9, arbitrary: scalar },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
);

/** Objects over `keys` (each present or not) plus, sometimes, an unknown key. */
const objectOver = (keys: string[]) =>
  fc.oneof(
    {
      weight: 10,
      arbitrary: fc.record(Object.fromEntries([...keys, "extra"].map((k) => [k, value])), {
        requiredKeys: [],
      }),
    },
    { weight: 1, arbitrary: value },
  );

function pairs(
  classic: Record<string, { shape: Record<string, unknown> }>,
  mini: Record<string, unknown>,
): Array<[string, Parser, Parser, string[]]> {
  return Object.keys(classic).map((type) => [
    type,
    classic[type] as unknown as Parser,
    mini[type] as Parser,
    Object.keys((classic[type] as { shape: Record<string, unknown> }).shape),
  ]);
}

describe("event-schema.ts (zod/mini) ≡ the classic schemas", () => {
  const all = [
    ...pairs(CLASSIC_BUILT_IN as never, BUILT_IN_EVENT_DATA),
    ...pairs(CLASSIC_WALLET as never, WALLET_EVENT_DATA),
  ];
  test("every type has its twin", () => {
    expect(Object.keys(BUILT_IN_EVENT_DATA)).toEqual(Object.keys(CLASSIC_BUILT_IN));
    expect(Object.keys(WALLET_EVENT_DATA)).toEqual(Object.keys(CLASSIC_WALLET));
  });
  for (const [type, classic, mini, keys] of all) {
    test(`data of ${type}: verdict, value, issues`, () => {
      fc.assert(
        fc.property(objectOver(keys), (v) => {
          expect(parseOutcome(mini, v)).toEqual(parseOutcome(classic, v));
        }),
        RUNS,
      );
    });
  }

  const iso = fc.oneof(
    fc
      .date({ min: new Date("1900-01-01"), max: new Date("2200-01-01"), noInvalidDate: true })
      .map((d) => d.toISOString()),
    fc.constantFrom(
      "2026-12-05T10:00:00+05:30",
      "2026-12-05T10:00:00",
      "2026-02-30T10:00:00Z",
      "2024-02-29T00:00:00.123456Z",
      "2026-12-05 10:00:00Z",
      "2026-12-05T24:00:00Z",
    ),
  );
  const envelope = fc.oneof(
    {
      weight: 10,
      arbitrary: fc.record(
        {
          id: fc.oneof(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,12}$/), value),
          type: fc.oneof(
            fc.constantFrom(...Object.keys(CLASSIC_BUILT_IN), ...Object.keys(CLASSIC_WALLET)),
            fc.constantFrom("custom.quiz", "custom.Quiz", "custom.", "user.unknown"),
            value,
          ),
          userId: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,10}$/), value),
          occurredAt: fc.oneof(iso, value),
          data: fc.oneof(fc.dictionary(fc.string({ maxLength: 5 }), value, { maxKeys: 3 }), value),
          extra: value,
        },
        { requiredKeys: [] },
      ),
    },
    { weight: 1, arbitrary: value },
  );
  test("the envelope", () => {
    fc.assert(
      fc.property(envelope, (v) => {
        expect(parseOutcome(EventEnvelopeSchema, v)).toEqual(
          parseOutcome(ClassicEnvelopeSchema, v),
        );
      }),
      { numRuns: 3_000 },
    );
    const verdicts = fc
      .sample(envelope, 2_000)
      .map((v) => ClassicEnvelopeSchema.safeParse(v).success);
    expect(verdicts).toContain(true);
    expect(verdicts).toContain(false);
  });
  test("the batch form", () => {
    const batch = fc.oneof(
      fc.record(
        { events: fc.oneof(fc.array(value, { maxLength: 102 }), value), extra: value },
        { requiredKeys: [] },
      ),
      value,
    );
    fc.assert(
      fc.property(batch, (v) => {
        expect(parseOutcome(EventsBatchSchema, v)).toEqual(parseOutcome(ClassicBatchSchema, v));
      }),
      RUNS,
    );
  });
});

describe("event-keys.ts (zod/mini) ≡ the classic key list", () => {
  const key = fc.record(
    {
      name: fc.oneof(fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,33}$/), value),
      secret: fc.oneof(fc.string({ minLength: 28, maxLength: 40 }), value),
      eventTypes: fc.oneof(
        fc.array(
          fc.oneof(
            fc.constantFrom("purchase.completed", "user.logged_in", "cashback.confirmed"),
            fc.constantFrom("custom.quiz", "custom.", "x"),
          ),
          { maxLength: 3 },
        ),
        value,
      ),
      extra: value,
    },
    { requiredKeys: ["name", "secret"] },
  );
  const config = fc.oneof(
    { weight: 8, arbitrary: fc.array(key, { maxLength: 3 }).map((v) => JSON.stringify(v)) },
    {
      weight: 1,
      arbitrary: fc.array(key, { minLength: 33, maxLength: 34 }).map((v) => JSON.stringify(v)),
    },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.jsonValue().map((v) => JSON.stringify(v)),
        fc.string(),
      ),
    },
  );
  const read = (fn: typeof eventKeys, text: string) => {
    try {
      return { keys: fn(text) };
    } catch (error) {
      return { error: String(error) };
    }
  };
  test("eventKeys: the same keys or the same configuration error", () => {
    fc.assert(
      fc.property(config, (text) => {
        expect(read(eventKeys, text)).toEqual(read(classicEventKeys, text));
      }),
      RUNS,
    );
    const samples = fc.sample(config, 1_000).map((t) => read(classicEventKeys, t));
    expect(samples.some((s) => "keys" in s && (s.keys?.length ?? 0) > 0)).toBe(true);
    expect(samples.some((s) => "error" in s)).toBe(true);
  });
});

describe("custom-data.ts (zod/mini) ≡ the classic custom type schemas", () => {
  const bound = fc.oneof(
    fc.integer({ min: -5, max: 5 }),
    fc.double(),
    fc.constantFrom(Number.POSITIVE_INFINITY, "1"),
  );
  const fieldSpec = fc.oneof(
    fc.record(
      {
        type: fc.constant("string"),
        required: fc.oneof(fc.boolean(), value),
        maxLength: fc.oneof(fc.integer({ min: 0, max: 1_001 }), value),
        description: fc.string({ maxLength: 3 }),
      },
      { requiredKeys: ["type"] },
    ),
    fc.record(
      {
        type: fc.constantFrom("number", "integer"),
        required: fc.boolean(),
        min: bound,
        max: bound,
      },
      { requiredKeys: ["type"] },
    ),
    fc.record({ type: fc.constant("boolean"), required: fc.boolean() }, { requiredKeys: ["type"] }),
    fc.record(
      {
        type: fc.constant("enum"),
        values: fc.oneof(fc.array(fc.constantFrom("a", "b", "c", ""), { maxLength: 4 }), value),
      },
      { requiredKeys: ["type"] },
    ),
    fc.record({ type: fc.constantFrom("date", "string"), extra: value }),
    value,
  );
  const fieldName = fc.oneof(
    fc.constantFrom("amountMinor", "currency", "score", "quizId", "passed", "level"),
    fc.constantFrom("Bad", "_x", ""),
  );
  const spec = fc.record(
    {
      description: fc.oneof(fc.string({ maxLength: 4 }), value),
      active: fc.oneof(fc.boolean(), value),
      fields: fc.oneof(fc.dictionary(fieldName, fieldSpec, { maxKeys: 4 }), value),
      extra: value,
    },
    { requiredKeys: ["fields"] },
  );
  test("the spec: verdict, value, issues", () => {
    fc.assert(
      fc.property(spec, (v) => {
        expect(parseOutcome(CustomEventTypeSpecMiniSchema, v)).toEqual(
          parseOutcome(ClassicSpecSchema, v),
        );
      }),
      { numRuns: 3_000 },
    );
  });
  // The api still validates registrations with its classic schema (custom-event-types.ts) and
  // the worker reads them with the zod/mini one: the two must not drift apart from here on.
  test("the spec: the api's classic schema and the worker's agree", () => {
    fc.assert(
      fc.property(spec, (v) => {
        expect(parseOutcome(CustomEventTypeSpecMiniSchema, v)).toEqual(
          parseOutcome(ApiSpecSchema, v),
        );
      }),
      { numRuns: 3_000 },
    );
  });
  test("buildDataSchema: the same data verdicts, values and issues", () => {
    const validSpec = spec.filter((v) => ClassicSpecSchema.safeParse(v).success);
    const dataFor = (keys: string[]) => objectOver(keys);
    fc.assert(
      fc.property(
        validSpec.chain((v) => {
          const parsed = ClassicSpecSchema.parse(v);
          return fc.tuple(fc.constant(parsed), dataFor(Object.keys(parsed.fields)));
        }),
        ([parsed, data]) => {
          const mini = buildDataSchema(parsed as never);
          const classic = classicBuildDataSchema(parsed);
          expect(parseOutcome(mini, data)).toEqual(parseOutcome(classic, data));
        },
      ),
      { numRuns: 1_000 },
    );
  });
});
