import { getNetworkConfig, getOfferConfig } from "#shared/config/config-store";
import { offerByNetworkRef } from "#shared/config/offer-by-network-ref";
import type { ApiEnv } from "#shared/env";
import { offerMismatchPolicy } from "#shared/networks/core/binding-options";
import type { RepriceOffer } from "../../wallet-client";

/** Config cache write-backs are best effort here: the consumer has no response to outlive. */
const bestEffort = (p: Promise<unknown>) => {
  p.catch(() => undefined);
};

/**
 * The offer a sale reported at `reportedRef` may be priced by, when the network's
 * `offerMismatch` option is `reprice` and the reference is not the clicked offer's; null
 * otherwise (the wallet then binds as usual, or rejects a mismatch). The wallet makes the
 * decision (conversions/decide-binding.ts); this only finds what it needs, because a wallet
 * mutation awaits nothing but storage.
 *
 * Terms: the catalog keeps no history of an offer's terms, so the wallet prices by the reported
 * offer only when it has not changed since the click (its terms now are its terms then),
 * frozen onto the transaction from then on (like a click's), and only if that offer is
 * switched on and its schedule covered the click time; otherwise the sale stays offer_mismatch.
 *
 * @example
 * const repriceOffer = await repriceOfferFor(env, "impact-us", "offer-a", "2000");
 */
export async function repriceOfferFor(
  env: ApiEnv,
  networkId: string,
  clickedOfferId: string,
  reportedRef: string,
): Promise<RepriceOffer | null> {
  const network = await getNetworkConfig(env, networkId, bestEffort);
  if (!network || offerMismatchPolicy(network.options) !== "reprice") return null;
  // The cached config of the clicked offer: when it carries the reported reference there is
  // nothing to reprice, and no D1 read.
  const clicked = await getOfferConfig(env, clickedOfferId, bestEffort);
  if (clicked?.networkOfferRef === reportedRef) return null;
  const offer = await offerByNetworkRef(env.DB, networkId, reportedRef);
  if (!offer || offer.networkId !== networkId) return null;
  return {
    offerId: offer.offerId,
    merchantId: offer.merchantId,
    networkOfferRef: offer.networkOfferRef,
    currency: offer.currency,
    terms: offer.terms,
    returnWindowDays: offer.returnWindowDays,
    ...(offer.confirmationPolicy ? { confirmationPolicy: offer.confirmationPolicy } : {}),
    startsAtMs: offer.startsAtMs,
    endsAtMs: offer.endsAtMs,
    changedAtMs: offer.changedAtMs,
    active: offer.active,
  };
}
