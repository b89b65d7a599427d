import { AmountMinorMiniSchema, CurrencyMiniSchema } from "../money/currency-mini";
import * as z from "../validate/zod-mini";
import { CUSTOM_EVENT_TYPE_PATTERN } from "./event-schema";

/**
 * Operator-defined event types as the events worker reads them (docs/events.md, "Custom event
 * types"), in zod/mini: the registered spec (`CustomEventTypeSpecMiniSchema`, twin of
 * custom-event-types.ts `CustomEventTypeSpecSchema`, which the api validates and documents
 * writes with) and the `data` schema built from it (`buildDataSchema`). The spec is data, not
 * code: `buildDataSchema` composes zod's own builders (no `eval`, which Workers forbid
 * anyway). Fields are flat scalars because the wallet stores an event's `data` as
 * string | number | boolean | null values. events-mini.property.test.ts holds both to the
 * classic schemas they replaced (same verdict, value and issues).
 */

/** How many fields one custom type may declare. */
export const MAX_CUSTOM_FIELDS = 32;
/** How many values an enum field may list. */
export const MAX_ENUM_VALUES = 50;
/** The longest string a custom field may hold (and the default bound of a string field). */
export const MAX_CUSTOM_STRING_LENGTH = 1000;

export const CUSTOM_FIELD_NAME_PATTERN = /^[a-z][a-zA-Z0-9_]{0,47}$/;

/** A custom amount: named like the built-in ones, so rules can treat it the same way. */
export const AMOUNT_FIELD = "amountMinor";
export const CURRENCY_FIELD = "currency";

export const MESSAGES = {
  bound: "bounds are finite numbers",
  minAboveMax: "min must not be above max",
  distinct: "enum values must be distinct",
  fieldName: "field names are 1..48 of a-z A-Z 0-9 _, starting with a lower-case letter",
  tooManyFields: `at most ${MAX_CUSTOM_FIELDS} fields`,
  amount: "amountMinor is an amount in minor units: type integer, min ≥ 0 if given",
  currency: "a type with amountMinor declares currency too, as a string field",
  amountWithCurrency: "an amountMinor is sent with its currency",
} as const;

export const minNotAboveMax = (f: { min?: number | undefined; max?: number | undefined }) =>
  f.min === undefined || f.max === undefined || f.min <= f.max;

const required = z._default(z.boolean(), false);
const fieldDescription = z.optional(z.string().check(z.minLength(1), z.maxLength(200)));
const bound = z.number().check(z.refine(Number.isFinite, MESSAGES.bound));

const numberField = <T extends "number" | "integer">(type: T) =>
  z
    .strictObject({
      type: z.literal(type),
      required,
      description: fieldDescription,
      min: z.optional(bound),
      max: z.optional(bound),
    })
    .check(z.refine(minNotAboveMax, { message: MESSAGES.minAboveMax, path: ["max"] }));

const CustomFieldSpecMiniSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("string"),
    required,
    description: fieldDescription,
    maxLength: z.optional(
      z.number().check(z.int(), z.minimum(1), z.maximum(MAX_CUSTOM_STRING_LENGTH)),
    ),
  }),
  numberField("number"),
  numberField("integer"),
  z.strictObject({ type: z.literal("boolean"), required, description: fieldDescription }),
  z.strictObject({
    type: z.literal("enum"),
    required,
    description: fieldDescription,
    values: z.array(z.string().check(z.minLength(1), z.maxLength(100))).check(
      z.minLength(1),
      z.maxLength(MAX_ENUM_VALUES),
      z.refine((values: string[]) => new Set(values).size === values.length, MESSAGES.distinct),
    ),
  }),
]);

export type CustomFieldSpec = z.infer<typeof CustomFieldSpecMiniSchema>;

/**
 * The cross-field rule of a spec (both the classic and the mini schema run it): a declared
 * `amountMinor` is an integer field with no negative bound and comes with a `currency`
 * string field.
 */
export function specIssues(
  spec: { fields: Record<string, { type: string; min?: number | undefined }> },
  ctx: { addIssue(issue: { code: "custom"; path: string[]; message: string }): void },
): void {
  const amount = spec.fields[AMOUNT_FIELD];
  if (!amount) return;
  if (amount.type !== "integer" || (amount.min !== undefined && amount.min < 0)) {
    ctx.addIssue({ code: "custom", path: ["fields", AMOUNT_FIELD], message: MESSAGES.amount });
  }
  if (spec.fields[CURRENCY_FIELD]?.type !== "string") {
    ctx.addIssue({ code: "custom", path: ["fields", CURRENCY_FIELD], message: MESSAGES.currency });
  }
}

/** A registered spec as stored (validated on write by the api's classic schema). */
export const CustomEventTypeSpecMiniSchema = z
  .strictObject({
    description: z.optional(z.string().check(z.minLength(1), z.maxLength(500))),
    active: z._default(z.boolean(), true),
    fields: z
      .record(
        z.string().check(z.regex(CUSTOM_FIELD_NAME_PATTERN, MESSAGES.fieldName)),
        CustomFieldSpecMiniSchema,
      )
      .check(
        z.refine(
          (fields: Record<string, unknown>) => Object.keys(fields).length <= MAX_CUSTOM_FIELDS,
          MESSAGES.tooManyFields,
        ),
      ),
  })
  .check(z.superRefine((spec, ctx) => specIssues(spec, ctx)));

export type CustomEventTypeSpec = z.infer<typeof CustomEventTypeSpecMiniSchema>;

type Scalar = string | number | boolean;
type DataSchema = z.ZodMiniType<Record<string, Scalar>>;

function fieldSchema(
  name: string,
  field: CustomFieldSpec,
  hasAmount: boolean,
): z.ZodMiniType<Scalar> {
  switch (field.type) {
    case "string": {
      // With an amount, `currency` is an ISO 4217 code, as beside every built-in amount.
      if (hasAmount && name === CURRENCY_FIELD) return CurrencyMiniSchema;
      return z.string().check(z.maxLength(field.maxLength ?? MAX_CUSTOM_STRING_LENGTH));
    }
    case "number":
    case "integer": {
      let schema =
        hasAmount && name === AMOUNT_FIELD
          ? AmountMinorMiniSchema
          : field.type === "integer"
            ? z.number().check(z.int())
            : z.number();
      if (field.min !== undefined) schema = schema.check(z.minimum(field.min));
      if (field.max !== undefined) schema = schema.check(z.maximum(field.max));
      return schema;
    }
    case "boolean":
      return z.boolean();
    case "enum":
      return z.enum(field.values as [string, ...string[]]);
  }
}

/**
 * A custom type's spec → the schema its events' `data` must pass: a strict object (an
 * unknown field is refused, so a typo is an error), each field its declared scalar, optional
 * unless `required`. With an amount, one is not sent without its currency.
 *
 * @example
 * const schema = buildDataSchema(CustomEventTypeSpecMiniSchema.parse({
 *   fields: { quizId: { type: "string", required: true }, score: { type: "integer", min: 0 } },
 * }));
 * schema.safeParse({ quizId: "q-7", score: 9 }).success; // true
 * schema.safeParse({ quizId: "q-7", score: "9" }).success; // false: data.score is a number
 */
export function buildDataSchema(spec: { fields: Record<string, CustomFieldSpec> }): DataSchema {
  const hasAmount = AMOUNT_FIELD in spec.fields;
  const shape: Record<string, z.ZodMiniType<Scalar | undefined>> = {};
  for (const [name, field] of Object.entries(spec.fields)) {
    const schema = fieldSchema(name, field, hasAmount);
    shape[name] = field.required ? schema : z.optional(schema);
  }
  const data = z.strictObject(shape) as unknown as DataSchema;
  if (!hasAmount) return data;
  return data.check(
    z.refine(
      (d: Record<string, Scalar>) =>
        d[AMOUNT_FIELD] === undefined || d[CURRENCY_FIELD] !== undefined,
      { message: MESSAGES.amountWithCurrency, path: [CURRENCY_FIELD] },
    ),
  );
}

/** Whether `type` names a custom type (and so needs the registered types to be checked). */
export function isCustomEventType(type: unknown): boolean {
  return typeof type === "string" && CUSTOM_EVENT_TYPE_PATTERN.test(type);
}
