import { describe, expect, test } from "vitest";
import {
  buildDataSchema,
  CustomEventTypeSpecSchema,
  isCustomEventType,
  MAX_CUSTOM_FIELDS,
} from "./custom-event-types";

const pathsOf = (spec: unknown): string[] => {
  const result = CustomEventTypeSpecSchema.safeParse(spec);
  return result.success ? [] : result.error.issues.map((i) => i.path.join("."));
};

describe("the spec an operator registers", () => {
  test.each([
    { label: "a string field", fields: { quizId: { type: "string" } } },
    { label: "a bounded string", fields: { quizId: { type: "string", maxLength: 1000 } } },
    { label: "a number with bounds", fields: { score: { type: "number", min: -1.5, max: 9.5 } } },
    { label: "an integer with min = max", fields: { level: { type: "integer", min: 3, max: 3 } } },
    { label: "a boolean", fields: { perfect: { type: "boolean", required: true } } },
    { label: "an enum", fields: { mode: { type: "enum", values: ["solo", "team"] } } },
    { label: "no fields at all", fields: {} },
    {
      label: "an amount with its currency",
      fields: {
        amountMinor: { type: "integer", required: true, min: 0 },
        currency: { type: "string", required: true },
      },
    },
    { label: "a camelCase field name", fields: { prizeTier_2: { type: "string" } } },
  ])("accepts $label", ({ fields }) => {
    expect(pathsOf({ fields })).toEqual([]);
  });

  test("defaults: active, fields optional", () => {
    const spec = CustomEventTypeSpecSchema.parse({ fields: { quizId: { type: "string" } } });
    expect(spec).toEqual({ active: true, fields: { quizId: { type: "string", required: false } } });
  });

  const manyFields = (n: number) =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, { type: "boolean" }]));

  test.each([
    {
      label: "an unknown field type",
      spec: { fields: { a: { type: "date" } } },
      path: "fields.a.type",
    },
    {
      label: "a field name with a capital first",
      spec: { fields: { Quiz: { type: "string" } } },
      path: "fields.Quiz",
    },
    {
      label: "a field name with a dash",
      spec: { fields: { "quiz-id": { type: "string" } } },
      path: "fields.quiz-id",
    },
    {
      label: "a field name of 49 chars",
      spec: { fields: { [`a${"b".repeat(48)}`]: { type: "string" } } },
      path: `fields.a${"b".repeat(48)}`,
    },
    { label: "33 fields", spec: { fields: manyFields(MAX_CUSTOM_FIELDS + 1) }, path: "fields" },
    {
      label: "values on a number",
      spec: { fields: { a: { type: "number", values: ["x"] } } },
      path: "fields.a",
    },
    {
      label: "maxLength on an integer",
      spec: { fields: { a: { type: "integer", maxLength: 3 } } },
      path: "fields.a",
    },
    {
      label: "min on a string",
      spec: { fields: { a: { type: "string", min: 1 } } },
      path: "fields.a",
    },
    {
      label: "maxLength above 1000",
      spec: { fields: { a: { type: "string", maxLength: 1001 } } },
      path: "fields.a.maxLength",
    },
    {
      label: "min above max",
      spec: { fields: { a: { type: "number", min: 5, max: 4 } } },
      path: "fields.a.max",
    },
    {
      label: "an enum without values",
      spec: { fields: { a: { type: "enum", values: [] } } },
      path: "fields.a.values",
    },
    {
      label: "an enum with 51 values",
      spec: {
        fields: { a: { type: "enum", values: Array.from({ length: 51 }, (_, i) => `v${i}`) } },
      },
      path: "fields.a.values",
    },
    {
      label: "an enum with a repeated value",
      spec: { fields: { a: { type: "enum", values: ["x", "x"] } } },
      path: "fields.a.values",
    },
    {
      label: "an enum with no values key",
      spec: { fields: { a: { type: "enum" } } },
      path: "fields.a.values",
    },
    {
      label: "amountMinor as a number",
      spec: { fields: { amountMinor: { type: "number" }, currency: { type: "string" } } },
      path: "fields.amountMinor",
    },
    {
      label: "amountMinor allowed below 0",
      spec: { fields: { amountMinor: { type: "integer", min: -1 }, currency: { type: "string" } } },
      path: "fields.amountMinor",
    },
    {
      label: "amountMinor without currency",
      spec: { fields: { amountMinor: { type: "integer" } } },
      path: "fields.currency",
    },
    {
      label: "amountMinor with an enum currency",
      spec: {
        fields: { amountMinor: { type: "integer" }, currency: { type: "enum", values: ["INR"] } },
      },
      path: "fields.currency",
    },
    { label: "an unknown top-level key", spec: { fields: {}, schema: {} }, path: "" },
    { label: "no fields key", spec: { active: true }, path: "fields" },
    { label: "a non-boolean active", spec: { active: "yes", fields: {} }, path: "active" },
  ])("refuses $label (at $path)", ({ spec, path }) => {
    expect(pathsOf(spec)).toContain(path);
  });
});

describe("buildDataSchema", () => {
  const schema = buildDataSchema(
    CustomEventTypeSpecSchema.parse({
      fields: {
        quizId: { type: "string", required: true, maxLength: 8 },
        score: { type: "number", min: 0, max: 10 },
        level: { type: "integer", min: 1 },
        perfect: { type: "boolean" },
        mode: { type: "enum", values: ["solo", "team"] },
      },
    }),
  );
  const check = (data: unknown) => {
    const result = schema.safeParse(data);
    return result.success ? "ok" : result.error.issues.map((i) => i.path.join(".")).join(",");
  };

  test.each([
    { label: "only the required field", data: { quizId: "q1" }, want: "ok" },
    {
      label: "every field",
      data: { quizId: "q1", score: 9.5, level: 3, perfect: true, mode: "team" },
      want: "ok",
    },
    { label: "the required field missing", data: { score: 1 }, want: "quizId" },
    { label: "a string too long", data: { quizId: "123456789" }, want: "quizId" },
    { label: "a number as a string", data: { quizId: "q1", score: "9" }, want: "score" },
    { label: "a number above max", data: { quizId: "q1", score: 10.5 }, want: "score" },
    { label: "a number below min", data: { quizId: "q1", score: -1 }, want: "score" },
    { label: "a fraction for an integer", data: { quizId: "q1", level: 1.5 }, want: "level" },
    { label: "an integer below min", data: { quizId: "q1", level: 0 }, want: "level" },
    { label: "a boolean as a string", data: { quizId: "q1", perfect: "true" }, want: "perfect" },
    { label: "a value not in the enum", data: { quizId: "q1", mode: "duo" }, want: "mode" },
    { label: "an unknown field", data: { quizId: "q1", sore: 3 }, want: "" },
    { label: "a nested object", data: { quizId: { id: "q1" } }, want: "quizId" },
    { label: "null for an optional field", data: { quizId: "q1", score: null }, want: "score" },
  ])("$label → $want", ({ data, want }) => {
    expect(check(data)).toBe(want);
  });

  const amounts = buildDataSchema(
    CustomEventTypeSpecSchema.parse({
      fields: { amountMinor: { type: "integer" }, currency: { type: "string" } },
    }),
  );
  const checkAmount = (data: unknown) => {
    const result = amounts.safeParse(data);
    return result.success ? "ok" : result.error.issues.map((i) => i.path.join(".")).join(",");
  };

  test.each([
    {
      label: "an amount with its currency",
      data: { amountMinor: 5000, currency: "INR" },
      want: "ok",
    },
    { label: "neither", data: {}, want: "ok" },
    { label: "an amount without currency", data: { amountMinor: 5000 }, want: "currency" },
    { label: "a negative amount", data: { amountMinor: -1, currency: "INR" }, want: "amountMinor" },
    {
      label: "a fractional amount",
      data: { amountMinor: 1.5, currency: "INR" },
      want: "amountMinor",
    },
    {
      label: "a currency that is not ISO 4217",
      data: { amountMinor: 1, currency: "rupees" },
      want: "currency",
    },
  ])("amounts: $label → $want", ({ data, want }) => {
    expect(checkAmount(data)).toBe(want);
  });
});

test.each([
  { type: "custom.quiz_won", want: true },
  { type: "custom.", want: false },
  { type: "purchase.completed", want: false },
  { type: 7, want: false },
  { type: undefined, want: false },
])("isCustomEventType($type) → $want", ({ type, want }) => {
  expect(isCustomEventType(type)).toBe(want);
});
