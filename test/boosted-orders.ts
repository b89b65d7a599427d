import type { ConversionEvent, StoredClick } from "#durable-objects/wallet/index";
import { transactionIdFor } from "#shared/ids";
import type { BoostSnapshot } from "#shared/money/boost";
import { walletStub } from "./helpers";

/** Where a suite's boosted clicks come from: its network, merchant and base rate. */
export interface BoostedShop {
  networkId: string;
  merchantId: string;
  baseRateBps: number;
}

/** A click on `offerId` two minutes ago with `boosts` frozen into it, stored in the user's wallet. */
export async function storeBoostedClick(
  shop: BoostedShop,
  userId: string,
  offerId: string,
  boosts: BoostSnapshot[],
): Promise<{ userId: string; click: StoredClick }> {
  const click: StoredClick = {
    clickId: `clk_${crypto.randomUUID().replaceAll("-", "")}`,
    offerId,
    merchantId: shop.merchantId,
    networkId: shop.networkId,
    clickedAtMs: Date.now() - 120_000,
    currency: "INR",
    terms: { basis: "sale", defaultRateBps: shop.baseRateBps, categoryRates: {} },
    returnWindowDays: 30,
    boosts,
  };
  await walletStub(userId).recordClicks(userId, [click]);
  return { userId, click };
}

let updates = 0;

/**
 * A pending conversion of the user's click (each later than the one before, so a status change
 * built after it is newer); `fields` override any part.
 */
export async function pendingConversion(
  shop: BoostedShop,
  who: { userId: string; click: StoredClick },
  orderId: string,
  sale: { saleAmountMinor: number; commissionMinor: number },
  fields: Partial<ConversionEvent> = {},
): Promise<ConversionEvent> {
  updates++;
  return {
    txnId: await transactionIdFor(shop.networkId, orderId),
    postbackId: `pb_${crypto.randomUUID()}`,
    networkId: shop.networkId,
    orderId,
    userId: who.userId,
    offerId: who.click.offerId,
    clickId: who.click.clickId,
    clickAtSec: Math.floor(who.click.clickedAtMs / 1000),
    status: "pending",
    currency: "INR",
    ...sale,
    category: null,
    lineItems: null,
    occurredAtMs: who.click.clickedAtMs + 60_000,
    updatedAtMs: who.click.clickedAtMs + 60_000 + updates,
    receivedAtMs: Date.now(),
    ...fields,
  };
}
