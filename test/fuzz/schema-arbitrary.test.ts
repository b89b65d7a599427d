import { type Schema, Validator } from "@cfworker/json-schema";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type JsonSchema, schemaArbitrary } from "./schema-arbitrary";

/**
 * Every value drawn from a schema's arbitrary is one the schema accepts, checked by the same
 * validator the contract tests use (@cfworker/json-schema, 2020-12), with `$ref` into
 * components resolved by both sides.
 */

const COMPONENTS: Record<string, JsonSchema> = {
  Money: {
    type: "object",
    properties: {
      amountMinor: { type: "integer", minimum: 1, maximum: 10_000_000 },
      currency: { type: "string", pattern: "^[A-Z]{3}$" },
    },
    required: ["amountMinor", "currency"],
    additionalProperties: false,
  },
  Condition: {
    anyOf: [
      {
        type: "object",
        properties: { all: { type: "array", items: { $ref: "#/components/schemas/Condition" } } },
        required: ["all"],
      },
      {
        type: "object",
        properties: { field: { type: "string", minLength: 1 } },
        required: ["field"],
      },
    ],
  },
};

const TABLE: Array<[string, JsonSchema]> = [
  ["bounded integer", { type: "integer", minimum: -5, maximum: 5 }],
  ["exclusive number", { type: "number", exclusiveMinimum: 0, exclusiveMaximum: 1 }],
  ["enum", { type: "string", enum: ["sale", "commission"] }],
  ["const", { const: "generic" }],
  ["nullable integer", { type: ["integer", "null"], minimum: 0 }],
  ["id pattern", { type: "string", pattern: "^[a-z0-9][a-z0-9_-]{0,62}$" }],
  ["unicode name pattern", { type: "string", pattern: "^[\\p{L}\\p{M} .'-]+$", maxLength: 40 }],
  ["length bounds", { type: "string", minLength: 3, maxLength: 5 }],
  ["date-time", { type: "string", format: "date-time" }],
  ["uri", { type: "string", format: "uri" }],
  ["email", { type: "string", format: "email" }],
  ["array bounds", { type: "array", items: { type: "boolean" }, minItems: 1, maxItems: 2 }],
  [
    "unique items",
    {
      type: "array",
      items: { type: "integer", minimum: 0, maximum: 3 },
      uniqueItems: true,
      maxItems: 3,
    },
  ],
  [
    "map",
    { type: "object", additionalProperties: { type: "integer", minimum: 0, maximum: 10_000 } },
  ],
  [
    "closed object, required and optional",
    {
      type: "object",
      properties: { id: { type: "string", minLength: 1 }, note: { type: "string" } },
      required: ["id"],
      additionalProperties: false,
    },
  ],
  ["$ref", { $ref: "#/components/schemas/Money" }],
  [
    "oneOf",
    {
      oneOf: [
        { type: "string", enum: ["a"] },
        { type: "integer", minimum: 10, maximum: 11 },
      ],
    },
  ],
  ["allOf around a $ref", { allOf: [{ $ref: "#/components/schemas/Money" }] }],
  ["recursive $ref", { $ref: "#/components/schemas/Condition" }],
];

function validatorFor(schema: JsonSchema): Validator {
  const text = JSON.stringify({ ...schema, $defs: COMPONENTS }).replaceAll(
    "#/components/schemas/",
    "#/$defs/",
  );
  return new Validator(JSON.parse(text) as Schema, "2020-12", false);
}

describe("schemaArbitrary: drawn values satisfy their schema", () => {
  it.each(TABLE)("%s", (_name, schema) => {
    const validator = validatorFor(schema);
    const values = fc.sample(schemaArbitrary(schema, { components: COMPONENTS, maxDepth: 4 }), {
      seed: 16,
      numRuns: 150,
    });
    const refused = values.filter((v) => !validator.validate(v).valid);
    expect(refused).toEqual([]);
  });

  it("draws every enum member and both sides of a nullable type (it explores, not repeats)", () => {
    const enumValues = new Set(
      fc.sample(schemaArbitrary({ enum: ["a", "b", "c"] }), { seed: 1, numRuns: 100 }),
    );
    expect([...enumValues].sort()).toEqual(["a", "b", "c"]);
    const nullable = fc.sample(schemaArbitrary({ type: ["integer", "null"] }), {
      seed: 1,
      numRuns: 100,
    });
    expect(nullable.some((v) => v === null)).toBe(true);
    expect(nullable.some((v) => typeof v === "number")).toBe(true);
  });

  it("refuses a $ref it cannot resolve rather than drawing garbage", () => {
    expect(() => schemaArbitrary({ $ref: "#/components/schemas/Nope" })).toThrow(/unresolved/);
  });
});
