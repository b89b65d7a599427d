import { z } from "zod";
import { AmountMinorSchema, CurrencySchema } from "../money/currency";

/** One line of an order in the generic format. */
export const GenericLineItemSchema = z
  .object({
    sku: z.string().min(1).max(128).nullable().optional().describe("the merchant's product id"),
    category: z.string().min(1).max(64).nullable().optional().describe("product category"),
    amount_minor: AmountMinorSchema.describe("line total after discounts, in minor units"),
    commission_minor: AmountMinorSchema.nullable()
      .optional()
      .describe("the network's commission for this line, in minor units"),
    quantity: z.number().int().min(1).max(1_000_000).optional().describe("units; default 1"),
  })
  .strict();

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
    // Optional since the adapter contract (shared/networks): older senders omit them.
    updated_at: z.iso
      .datetime({ offset: true })
      .optional()
      .describe("when the network last changed this order; updates apply newest-wins"),
    network_offer_ref: z
      .string()
      .min(1)
      .max(200)
      .regex(/^\P{Cc}+$/u, "network_offer_ref has no control characters")
      .optional()
      .describe(
        "the network's reference for the advertiser, campaign or offer the sale was made at; compared with the clicked offer's networkOfferRef",
      ),
    line_items: z
      .array(GenericLineItemSchema)
      .max(100)
      .optional()
      .describe("the order's lines, net of discounts; absent means one line of `category`"),
  })
  .strict();

export type GenericPostback = z.infer<typeof GenericPostbackSchema>;

export type ParsedPostback =
  | { ok: true; value: GenericPostback }
  | { ok: false; fields: Array<{ path: string; message: string }> };

/** Parses a raw body; never throws. The hot path's zod/mini twin of the schema above. */
export { parseGenericPostback } from "./generic-format-mini";
