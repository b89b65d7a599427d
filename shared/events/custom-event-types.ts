import { z } from "zod";
import {
  CUSTOM_FIELD_NAME_PATTERN,
  MAX_CUSTOM_FIELDS,
  MAX_CUSTOM_STRING_LENGTH,
  MAX_ENUM_VALUES,
  MESSAGES,
  minNotAboveMax,
  specIssues,
} from "./custom-data";

/**
 * Operator-defined event types (docs/events.md, "Custom event types"). An operator registers
 * `custom.<name>` with a spec: which `data` fields its events carry and what each may hold.
 * These classic schemas are what the api validates and documents a registration with; the
 * events worker reads stored specs and builds `data` schemas with the zod/mini twins in
 * custom-data.ts (`buildDataSchema`), which share the constants, messages and cross-field
 * rule below.
 */

export {
  AMOUNT_FIELD,
  buildDataSchema,
  CURRENCY_FIELD,
  CUSTOM_FIELD_NAME_PATTERN,
  isCustomEventType,
  MAX_CUSTOM_FIELDS,
  MAX_CUSTOM_STRING_LENGTH,
  MAX_ENUM_VALUES,
} from "./custom-data";

const required = z
  .boolean()
  .default(false)
  .describe("true: every event of the type must carry the field");
const fieldDescription = z.string().min(1).max(200).optional();
const bound = z.number().refine(Number.isFinite, MESSAGES.bound);

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
    .refine(minNotAboveMax, { message: MESSAGES.minAboveMax, path: ["max"] });

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
    .refine((values) => new Set(values).size === values.length, MESSAGES.distinct)
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
        z.string().regex(CUSTOM_FIELD_NAME_PATTERN, MESSAGES.fieldName),
        CustomFieldSpecSchema,
      )
      .refine((fields) => Object.keys(fields).length <= MAX_CUSTOM_FIELDS, MESSAGES.tooManyFields)
      .describe("the `data` fields events of the type carry; any other field is refused"),
  })
  .superRefine((spec, ctx) => specIssues(spec, ctx));

export type CustomEventTypeSpec = z.infer<typeof CustomEventTypeSpecSchema>;
