import fc from "fast-check";

/**
 * JSON Schema → fast-check arbitrary, for the subset of JSON Schema 2020-12 that the served
 * OpenAPI 3.1 document uses: `type` (one or a list, e.g. `["string","null"]`), `enum`,
 * `const`, `minLength`/`maxLength`, `pattern`, `format` (date-time, uri, email),
 * `minimum`/`maximum` (and the exclusive forms), `minItems`/`maxItems`, `items`, `properties`,
 * `required`, `additionalProperties`, `anyOf`/`oneOf`/`allOf` and `$ref` into
 * `#/components/schemas/`. A value drawn from the arbitrary is one the schema accepts (the
 * table tests in schema-arbitrary.test.ts check that with the same validator the contract
 * tests use). A recursive schema is closed past `maxDepth` (fewest items, no-reference alternatives).
 */

export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  minProperties?: number;
  maxProperties?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  default?: unknown;
}

export interface ArbitraryOptions {
  /** `components.schemas` of the document, for `$ref`. */
  components?: Record<string, JsonSchema>;
  /** How deep references may nest before recursion is closed (recursive rule conditions). */
  maxDepth?: number;
  /** Upper bound for arrays and free-form maps with no maxItems (keeps bodies small). */
  maxCollection?: number;
}

const REF_PREFIX = "#/components/schemas/";

/** Resolves `$ref` (and a `$ref` inside `allOf` of one) to the schema it names. */
export function resolveSchema(schema: JsonSchema, components: Record<string, JsonSchema> = {}) {
  let current = schema;
  for (let hops = 0; current.$ref && hops < 32; hops++) {
    const name = current.$ref.startsWith(REF_PREFIX) ? current.$ref.slice(REF_PREFIX.length) : "";
    const target = components[name];
    if (!target) throw new Error(`unresolved $ref ${current.$ref}`);
    current = target;
  }
  return current;
}

function stringArbitrary(schema: JsonSchema): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? 40, 200));
  if (schema.pattern) {
    try {
      const unicode = /\\p\{/.test(schema.pattern);
      const pattern = new RegExp(schema.pattern, unicode ? "u" : undefined);
      return fc
        .stringMatching(pattern)
        .filter((s) => s.length >= minLength && s.length <= (schema.maxLength ?? Infinity));
    } catch {
      // A pattern fast-check cannot read: fall through to plain text (may be refused: fine).
    }
  }
  switch (schema.format) {
    case "date-time":
      return fc
        .date({ min: new Date("2020-01-01T00:00:00Z"), max: new Date("2035-01-01T00:00:00Z") })
        .filter((d) => !Number.isNaN(d.getTime()))
        .map((d) => d.toISOString());
    case "uri":
      return fc.webUrl({ validSchemes: ["https"] });
    case "email":
      return fc.emailAddress();
    default:
      return fc.string({ minLength, maxLength });
  }
}

function numberArbitrary(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const low = schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum : schema.minimum;
  const high = schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum : schema.maximum;
  if (integer) {
    let min = low === undefined ? -1_000_000 : Math.ceil(low);
    let max = high === undefined ? Math.max(min, 0) + 1_000_000 : Math.floor(high);
    if (schema.exclusiveMinimum !== undefined && min === schema.exclusiveMinimum) min++;
    if (schema.exclusiveMaximum !== undefined && max === schema.exclusiveMaximum) max--;
    min = Math.max(min, Number.MIN_SAFE_INTEGER);
    max = Math.min(Math.max(min, max), Number.MAX_SAFE_INTEGER);
    return fc.integer({ min, max });
  }
  return fc.double({
    min: low ?? -1_000_000,
    max: high ?? 1_000_000,
    minExcluded: schema.exclusiveMinimum !== undefined,
    maxExcluded: schema.exclusiveMaximum !== undefined,
    noNaN: true,
    noDefaultInfinity: true,
  });
}

function objectArbitrary(
  schema: JsonSchema,
  options: ArbitraryOptions,
  depth: number,
): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const names = Object.keys(properties);
  if (names.length > 0) {
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    for (const name of names) {
      model[name] = build(properties[name] as JsonSchema, options, depth + 1);
    }
    return fc.record(model, { requiredKeys: names.filter((n) => required.has(n)) });
  }
  // A free-form map (`additionalProperties: schema`), e.g. category → rate.
  if (schema.additionalProperties && typeof schema.additionalProperties === "object") {
    const value = build(schema.additionalProperties, options, depth + 1);
    const key = schema.propertyNames
      ? stringArbitrary(resolveSchema(schema.propertyNames, options.components))
      : fc.stringMatching(/^[a-z][a-z0-9_]{0,15}$/);
    return fc.dictionary(key, value, {
      minKeys: schema.minProperties ?? 0,
      maxKeys: Math.min(schema.maxProperties ?? options.maxCollection ?? 3, 5),
    });
  }
  return fc.constant({});
}

function build(raw: JsonSchema, options: ArbitraryOptions, depth: number): fc.Arbitrary<unknown> {
  const maxDepth = options.maxDepth ?? 8;
  // Past maxDepth a recursive schema is closed: arrays take their fewest items, unions their
  // alternatives without references; far past it, null stands in.
  if (depth > maxDepth * 3) return fc.constant(null);
  const deep = depth >= maxDepth;
  const schema = resolveSchema(raw, options.components);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  let alternatives = schema.oneOf ?? schema.anyOf;
  if (deep && alternatives) {
    const closed = alternatives.filter((s) => !JSON.stringify(s).includes('"$ref"'));
    if (closed.length > 0) alternatives = closed;
  }
  if (alternatives && alternatives.length > 0) {
    return fc.oneof(...alternatives.map((s) => build(s, options, depth + 1)));
  }
  if (schema.allOf && schema.allOf.length > 0) {
    // The document uses allOf only to wrap one $ref (with a description beside it).
    const merged: JsonSchema = {};
    for (const part of schema.allOf) {
      const resolved = resolveSchema(part, options.components);
      Object.assign(merged, resolved, {
        properties: { ...merged.properties, ...resolved.properties },
        required: [...(merged.required ?? []), ...(resolved.required ?? [])],
      });
    }
    return build(merged, options, depth + 1);
  }
  const types = [schema.type ?? (schema.properties ? "object" : [])].flat();
  if (types.length === 0) {
    // No type: anything JSON.
    return fc.jsonValue({ maxDepth: 2 });
  }
  return fc.oneof(
    ...types.map((type): fc.Arbitrary<unknown> => {
      switch (type) {
        case "null":
          return fc.constant(null);
        case "boolean":
          return fc.boolean();
        case "integer":
          return numberArbitrary(schema, true);
        case "number":
          return numberArbitrary(schema, false);
        case "string":
          return stringArbitrary(schema);
        case "array": {
          const minLength = schema.minItems ?? 0;
          const maxLength = deep
            ? minLength
            : Math.max(
                minLength,
                Math.min(schema.maxItems ?? options.maxCollection ?? 3, options.maxCollection ?? 3),
              );
          const item = schema.items ? build(schema.items, options, depth + 1) : fc.jsonValue();
          return schema.uniqueItems
            ? fc.uniqueArray(item, {
                minLength,
                maxLength,
                selector: (v) => JSON.stringify(v),
              })
            : fc.array(item, { minLength, maxLength });
        }
        case "object":
          return objectArbitrary(schema, options, depth);
        default:
          throw new Error(`unsupported schema type ${type}`);
      }
    }),
  );
}

/**
 * The arbitrary of values `schema` accepts.
 *
 * @example
 * fc.sample(schemaArbitrary({ type: "integer", minimum: 1, maximum: 3 }), 5) // e.g. [2, 1, 3, 3, 1]
 */
export function schemaArbitrary(
  schema: JsonSchema,
  options: ArbitraryOptions = {},
): fc.Arbitrary<unknown> {
  return build(schema, options, 0);
}
