import { fieldsFromZod } from "../http/errors";
import { AmountMinorMiniSchema, CurrencyMiniSchema } from "../money/currency-mini";
import * as z from "../validate/zod-mini";
import type { GenericPostback, ParsedPostback } from "./generic-format";

/**
 * `GenericPostbackSchema` (generic-format.ts, which the api documents) in zod/mini, for the
 * postback worker's hot path: same checks, same issues, same parsed value
 * (generic-format-mini.property.test.ts).
 */
const GenericLineItemMiniSchema = z.strictObject({
  sku: z.optional(z.nullable(z.string().check(z.minLength(1), z.maxLength(128)))),
  category: z.optional(z.nullable(z.string().check(z.minLength(1), z.maxLength(64)))),
  amount_minor: AmountMinorMiniSchema,
  commission_minor: z.optional(z.nullable(AmountMinorMiniSchema)),
  quantity: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(1_000_000))),
});

export const GenericPostbackMiniSchema = z.strictObject({
  order_id: z
    .string()
    .check(
      z.minLength(1),
      z.maxLength(128),
      z.regex(/^[\x21-\x7e]+$/, "order_id is printable ASCII without spaces"),
    ),
  sub_id: z.string().check(z.minLength(17), z.maxLength(400)),
  status: z.enum(["pending", "approved", "cancelled"]),
  currency: CurrencyMiniSchema,
  sale_amount_minor: AmountMinorMiniSchema,
  commission_minor: AmountMinorMiniSchema,
  category: z.optional(z.nullable(z.string().check(z.minLength(1), z.maxLength(64)))),
  occurred_at: z.iso.datetime({ offset: true }),
  updated_at: z.optional(z.iso.datetime({ offset: true })),
  network_offer_ref: z.optional(
    z
      .string()
      .check(
        z.minLength(1),
        z.maxLength(200),
        z.regex(/^\P{Cc}+$/u, "network_offer_ref has no control characters"),
      ),
  ),
  line_items: z.optional(z.array(GenericLineItemMiniSchema).check(z.maxLength(100))),
});

/** Validates one parsed body; the issues as problem fields. */
export function checkGenericPostback(
  json: unknown,
):
  | { ok: true; value: GenericPostback }
  | { ok: false; issues: Array<{ path: PropertyKey[]; message: string }> } {
  const result = GenericPostbackMiniSchema.safeParse(json);
  return result.success
    ? { ok: true, value: result.data as GenericPostback }
    : { ok: false, issues: result.error.issues };
}

/** Parses a raw body; never throws. */
export function parseGenericPostback(rawBody: string): ParsedPostback {
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    return { ok: false, fields: [{ path: "(root)", message: "body is not valid JSON" }] };
  }
  const result = checkGenericPostback(json);
  if (result.ok) return result;
  return { ok: false, fields: fieldsFromZod(result.issues) };
}
