import { z } from "@hono/zod-openapi";
import { AmountMinorSchema, RateBpsSchema } from "#shared/money/currency";
import { IsoTimeSchema } from "../../http/common-schemas";
import { OfferSchema } from "../catalog/index";

/** Schemas of the user API (offers, wallet, ledger, transactions) and of users admin. */

export const KYC_STATUSES = ["none", "pending", "verified", "rejected"] as const;
export type KycStatus = (typeof KYC_STATUSES)[number];

export const UserSchema = z
  .object({ id: z.string(), displayName: z.string().nullable(), createdAt: z.string() })
  .openapi("User");

export const UserInputSchema = z
  .object({ displayName: z.string().min(1).max(120).nullable().default(null) })
  .strict();

export const KycSchema = z
  .object({
    userId: z.string(),
    status: z.enum(KYC_STATUSES),
    updatedAt: z.string().nullable().describe("when the operator last changed it"),
  })
  .openapi("KycStatus");

export const UserOfferSchema = z
  .object({
    id: z.string(),
    merchantId: z.string(),
    merchantName: z.string(),
    title: z.string(),
    description: z.string(),
    currency: z.string(),
    cashback: OfferSchema.shape.cashback,
    headlineRateBps: RateBpsSchema.describe("best rate on the offer, in bps"),
    returnWindowDays: z.number().int(),
    endsAt: IsoTimeSchema.nullable(),
    trackingUrl: z.url().describe("personalised, signed, expiring link for this user"),
    trackingUrlExpiresAt: IsoTimeSchema,
    boosts: z
      .array(
        z.object({
          campaignId: z.string(),
          name: z.string(),
          boostRateBps: RateBpsSchema.describe("extra rate on top of the cashback, in bps"),
          category: z.string().nullable().describe("only this category earns it; null: all"),
          endsAt: IsoTimeSchema.nullable(),
        }),
      )
      .describe(
        "campaign boosts live now for this user; a click now is paid at these rates while " +
          "the campaign's budget lasts",
      ),
  })
  .openapi("UserOffer");

// ---- wallet ----------------------------------------------------------------------------------

export const WalletSchema = z
  .object({
    userId: z.string(),
    balances: z.array(
      z.object({
        currency: z.string(),
        pendingMinor: AmountMinorSchema,
        confirmedMinor: AmountMinorSchema,
        buckets: z.record(z.string(), z.number().int()).describe("every bucket, in minor units"),
      }),
    ),
  })
  .openapi("Wallet");

export const LedgerEntrySchema = z
  .object({
    seq: z.number().int(),
    bucket: z.string(),
    currency: z.string(),
    amountMinor: z.number().int().describe("signed amount in minor units"),
    balanceAfterMinor: z.number().int(),
    kind: z.string(),
    transactionId: z.string().nullable(),
    idempotencyKey: z.string(),
    createdAt: IsoTimeSchema,
    ruleId: z.string().nullable().describe("the rule that produced the entry, if a rule did"),
    ruleVersion: z.number().int().nullable().describe("that rule set version"),
  })
  .openapi("LedgerEntry");

export const TransactionSchema = z
  .object({
    id: z.string(),
    networkId: z.string(),
    orderId: z.string(),
    offerId: z.string().nullable(),
    status: z.enum(["pending", "confirmed", "cancelled", "rejected"]),
    rejectReason: z.string().nullable(),
    currency: z.string(),
    saleAmountMinor: AmountMinorSchema,
    cashbackMinor: AmountMinorSchema,
    rateBps: RateBpsSchema,
    boostMinor: AmountMinorSchema.describe(
      "campaign boost granted on top of cashbackMinor, in minor units (moves with it)",
    ),
    boostRequestedMinor: AmountMinorSchema.describe(
      "boost the order earns at the click-time boost rates, in minor units; boostMinor is the " +
        "part the campaign budgets granted (less when a budget ran out, or not granted yet)",
    ),
    clickedAt: IsoTimeSchema.nullable(),
    purchasedAt: IsoTimeSchema,
    expectedConfirmationAt: IsoTimeSchema.nullable().describe(
      "when pending cashback confirms (the end of its return window); null while it waits for the network's approval (awaitingNetworkApproval) and once it is no longer pending",
    ),
    awaitingNetworkApproval: z
      .boolean()
      .describe(
        "true while pending cashback confirms only when the network approves it (the offer's confirmation policy is network_approval, or both and the network has not approved yet); there is then no date to show",
      ),
    confirmedAt: IsoTimeSchema.nullable(),
  })
  .openapi("Transaction");
