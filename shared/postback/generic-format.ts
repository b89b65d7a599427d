import { z } from "zod";
import { AmountMinorSchema, CurrencySchema } from "../money/currency";

/**
 * Boomerang's generic postback body (JSON, snake_case as most networks send). Networks
 * with their own formats get adapters that normalise into the same event.
 */
export const GenericPostbackSchema = z
  .object({
    order_id: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[\x21-\x7e]+$/, "order_id is printable ASCII without spaces")
      .describe("the network's order id; (network, order_id) is the idempotency key"),
    sub_id: z.string().min(17).max(400).describe("the sub-ID Boomerang put on the tracking link"),
    status: z
      .enum(["pending", "approved", "cancelled"])
      .describe("conversion status at the network"),
    currency: CurrencySchema,
    sale_amount_minor: AmountMinorSchema.describe("order value in minor units"),
    commission_minor: AmountMinorSchema.describe("commission the network pays, in minor units"),
    category: z.string().min(1).max(64).nullable().optional().describe("product category"),
    occurred_at: z.iso.datetime({ offset: true }).describe("when the order was placed (ISO 8601)"),
  })
  .strict();

export type GenericPostback = z.infer<typeof GenericPostbackSchema>;

export type ParsedPostback =
  | { ok: true; value: GenericPostback }
  | { ok: false; fields: Array<{ path: string; message: string }> };

/** Parses a raw body; never throws. */
export function parseGenericPostback(rawBody: string): ParsedPostback {
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    return { ok: false, fields: [{ path: "(root)", message: "body is not valid JSON" }] };
  }
  const result = GenericPostbackSchema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    fields: result.error.issues.map((i) => ({
      path: i.path.map(String).join(".") || "(root)",
      message: i.message,
    })),
  };
}
