/**
 * The classic zod schemas the events path used before it moved to zod/mini (copied verbatim
 * from event-schema.ts, event-keys.ts and custom-event-types.ts at ab4631d, this
 * branch's base), kept only as the reference the fast-check equivalence tests hold the
 * zod/mini schemas to (events-mini.property.test.ts): same verdict, value and issues. Not
 * imported by product code.
 */
import { z } from "zod";
import { AmountMinorSchema, CurrencySchema } from "../../money/currency";
import { CUSTOM_EVENT_TYPE_PATTERN } from "./event-schema.classic";

/**
 * Operator-defined event types (docs/events.md, "Custom event types"). An operator registers
 * `custom.<name>` with a spec: which `data` fields its events carry and what each may hold.
 * The spec is data, not code: `buildDataSchema` turns it into a zod schema by composing zod's
 * own builders (no `eval`, which Workers forbid anyway). Fields are flat scalars because the
 * wallet stores an event's `data` as string | number | boolean | null values.
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

const required = z
  .boolean()
  .default(false)
  .describe("true: every event of the type must carry the field");
const fieldDescription = z.string().min(1).max(200).optional();
const bound = z.number().refine(Number.isFinite, "bounds are finite numbers");

const minNotAboveMax = (f: { min?: number | undefined; max?: number | undefined }) =>
  f.min === undefined || f.max === undefined || f.min <= f.max;

const StringFieldSchema = z.strictObject({
  type: z.literal("string"),
  required,
  description: fieldDescription,
  maxLength: z
    .number()
    .int()
    .min(1)
    .max(MAX_CUSTOM_STRING_LENGTH)
    .optional()
    .describe(`longest value accepted (default ${MAX_CUSTOM_STRING_LENGTH})`),
});

const numberField = <T extends "number" | "integer">(type: T) =>
  z
    .strictObject({
      type: z.literal(type),
      required,
      description: fieldDescription,
      min: bound.optional().describe("smallest value accepted"),
      max: bound.optional().describe("largest value accepted"),
    })
    .refine(minNotAboveMax, { message: "min must not be above max", path: ["max"] });

const BooleanFieldSchema = z.strictObject({
  type: z.literal("boolean"),
  required,
  description: fieldDescription,
});

const EnumFieldSchema = z.strictObject({
  type: z.literal("enum"),
  required,
  description: fieldDescription,
  values: z
    .array(z.string().min(1).max(100))
    .min(1)
    .max(MAX_ENUM_VALUES)
    .refine((values) => new Set(values).size === values.length, "enum values must be distinct")
    .describe(`the values accepted (1..${MAX_ENUM_VALUES})`),
});

export const CustomFieldSpecSchema = z.discriminatedUnion("type", [
  StringFieldSchema,
  numberField("number"),
  numberField("integer"),
  BooleanFieldSchema,
  EnumFieldSchema,
]);

export type CustomFieldSpec = z.infer<typeof CustomFieldSpecSchema>;

/**
 * What an operator registers for a custom type. `amountMinor`, when declared, must be an
 * integer field with no negative bound and comes with a `currency` string field: checked as
 * integer minor units and an ISO 4217 code like every built-in amount.
 */
export const CustomEventTypeSpecSchema = z
  .strictObject({
    description: z.string().min(1).max(500).optional(),
    active: z
      .boolean()
      .default(true)
      .describe("false: events of the type are refused (400) until it is active again"),
    fields: z
      .record(
        z
          .string()
          .regex(
            CUSTOM_FIELD_NAME_PATTERN,
            "field names are 1..48 of a-z A-Z 0-9 _, starting with a lower-case letter",
          ),
        CustomFieldSpecSchema,
      )
      .refine(
        (fields) => Object.keys(fields).length <= MAX_CUSTOM_FIELDS,
        `at most ${MAX_CUSTOM_FIELDS} fields`,
      )
      .describe("the `data` fields events of the type carry; any other field is refused"),
  })
  .superRefine((spec, ctx) => {
    const amount = spec.fields[AMOUNT_FIELD];
    if (!amount) return;
    if (amount.type !== "integer" || (amount.min !== undefined && amount.min < 0)) {
      ctx.addIssue({
        code: "custom",
        path: ["fields", AMOUNT_FIELD],
        message: "amountMinor is an amount in minor units: type integer, min ≥ 0 if given",
      });
    }
    if (spec.fields[CURRENCY_FIELD]?.type !== "string") {
      ctx.addIssue({
        code: "custom",
        path: ["fields", CURRENCY_FIELD],
        message: "a type with amountMinor declares currency too, as a string field",
      });
    }
  });

export type CustomEventTypeSpec = z.infer<typeof CustomEventTypeSpecSchema>;

type Scalar = string | number | boolean;

function fieldSchema(name: string, field: CustomFieldSpec, hasAmount: boolean): z.ZodType<Scalar> {
  switch (field.type) {
    case "string": {
      // With an amount, `currency` is an ISO 4217 code, as beside every built-in amount.
      if (hasAmount && name === CURRENCY_FIELD) return CurrencySchema;
      return z.string().max(field.maxLength ?? MAX_CUSTOM_STRING_LENGTH);
    }
    case "number":
    case "integer": {
      let schema =
        hasAmount && name === AMOUNT_FIELD
          ? AmountMinorSchema
          : field.type === "integer"
            ? z.number().int()
            : z.number();
      if (field.min !== undefined) schema = schema.min(field.min);
      if (field.max !== undefined) schema = schema.max(field.max);
      return schema;
    }
    case "boolean":
      return z.boolean();
    case "enum":
      return z.enum(field.values as [string, ...string[]]);
  }
}

/**
 * A custom type's spec → the zod schema its events' `data` must pass: a strict object (an
 * unknown field is refused, so a typo is an error), each field its declared scalar, optional
 * unless `required`. With an amount, one is not sent without its currency.
 *
 * @example
 * const schema = buildDataSchema(CustomEventTypeSpecSchema.parse({
 *   fields: { quizId: { type: "string", required: true }, score: { type: "integer", min: 0 } },
 * }));
 * schema.safeParse({ quizId: "q-7", score: 9 }).success; // true
 * schema.safeParse({ quizId: "q-7", score: "9" }).success; // false: data.score is a number
 */
export function buildDataSchema(spec: CustomEventTypeSpec): z.ZodType<Record<string, Scalar>> {
  const hasAmount = AMOUNT_FIELD in spec.fields;
  const shape: Record<string, z.ZodType<Scalar | undefined>> = {};
  for (const [name, field] of Object.entries(spec.fields)) {
    const schema = fieldSchema(name, field, hasAmount);
    shape[name] = field.required ? schema : schema.optional();
  }
  const data = z.strictObject(shape) as unknown as z.ZodType<Record<string, Scalar>>;
  if (!hasAmount) return data;
  return data.refine((d) => d[AMOUNT_FIELD] === undefined || d[CURRENCY_FIELD] !== undefined, {
    message: "an amountMinor is sent with its currency",
    path: [CURRENCY_FIELD],
  });
}

/** Whether `type` names a custom type (and so needs the registered types to be checked). */
export function isCustomEventType(type: unknown): boolean {
  return typeof type === "string" && CUSTOM_EVENT_TYPE_PATTERN.test(type);
}
