import { z } from "@hono/zod-openapi";
import { USER_ID_PATTERN } from "#shared/ids";
import { MAX_PAGE_ROWS } from "#shared/paging";
import { IsoTimeSchema } from "../../http/common-schemas";

/** Schemas of the operator's transaction and postback searches and a transaction's history. */

export const TRANSACTION_STATUSES = ["pending", "confirmed", "cancelled", "rejected"] as const;

const FILTER_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export const TransactionIdParam = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,80}$/, "transaction ids are 1-80 chars of A-Z, a-z, 0-9, '_' and '-'")
    .openapi({ param: { name: "id", in: "path" } }),
});

const pageFields = {
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_ROWS).default(50),
  cursor: z.string().max(200).optional().describe("opaque cursor from the previous page"),
};

const timeFields = (what: string) => ({
  from: IsoTimeSchema.optional().describe(`${what} at or after this time`),
  to: IsoTimeSchema.optional().describe(`${what} before this time`),
});

export const TransactionSearchQuery = z.object({
  orderId: z.string().regex(FILTER_ID, "an order id as the network sent it").optional(),
  networkId: z.string().regex(FILTER_ID, "a network id").optional(),
  userId: z.string().regex(USER_ID_PATTERN, "a user id").optional(),
  status: z.enum(TRANSACTION_STATUSES).optional(),
  ...timeFields("purchased"),
  ...pageFields,
});

export const PostbackSearchQuery = z.object({
  networkId: z.string().regex(FILTER_ID, "a network id").optional(),
  verdict: z.enum(["accepted", "rejected"]).optional(),
  orderId: z.string().regex(FILTER_ID, "an order id as the network sent it").optional(),
  ...timeFields("received"),
  ...pageFields,
});

export const AdminTransactionSchema = z
  .object({
    id: z.string(),
    userId: z.string().nullable().describe("null when the sub-ID could not be trusted"),
    networkId: z.string(),
    orderId: z.string(),
    offerId: z.string().nullable(),
    clickId: z.string().nullable(),
    status: z.enum(TRANSACTION_STATUSES),
    rejectReason: z.string().nullable(),
    currency: z.string(),
    saleAmountMinor: z.number().int(),
    commissionMinor: z.number().int(),
    cashbackMinor: z.number().int(),
    boostMinor: z.number().int().describe("campaign boost granted on top of cashbackMinor"),
    rateBps: z.number().int(),
    clickedAt: IsoTimeSchema.nullable(),
    purchasedAt: IsoTimeSchema,
    expectedConfirmationAt: IsoTimeSchema.nullable(),
    confirmedAt: IsoTimeSchema.nullable(),
    updatedAt: IsoTimeSchema,
  })
  .openapi("AdminTransaction");

export const PostbackSummarySchema = z
  .object({
    id: z.string(),
    networkId: z.string(),
    receivedAt: IsoTimeSchema,
    verdict: z.enum(["accepted", "rejected"]),
    rejectReason: z.string().nullable(),
    orderId: z.string().nullable(),
  })
  .openapi("PostbackSummary");

export const TimelineItemSchema = z
  .object({
    at: IsoTimeSchema,
    source: z
      .enum(["postback", "report", "wallet", "ledger"])
      .describe(
        "postback: what the network sent; report: a reconciliation row; wallet: the wallet's " +
          "decision; ledger: a money movement",
      ),
    title: z.string(),
    detail: z.string().nullable(),
    ref: z
      .string()
      .nullable()
      .describe("the postback id, the reconciliation run id, or the ledger entry's sequence"),
    money: z
      .object({
        bucket: z.string(),
        currency: z.string(),
        amountMinor: z.number().int().describe("signed, in minor units"),
        balanceAfterMinor: z.number().int(),
      })
      .nullable(),
  })
  .openapi("TransactionTimelineItem");

export const TransactionDetailSchema = z
  .object({
    transaction: AdminTransactionSchema,
    timeline: z
      .array(TimelineItemSchema)
      .describe("every postback, report row, wallet event and money movement, oldest first"),
  })
  .openapi("AdminTransactionDetail");
