import type { ConversionEvent, RepriceOffer, StoredClick } from "./types";

/**
 * Which merchant was clicked. The sub-ID names the clicked offer, but it travels in the
 * tracking URL, so a user can put it on the same network's link for any other advertiser.
 * The network reports the advertiser/campaign the sale was made at (`networkOfferRef`); the
 * click remembers the clicked offer's reference. When both are known and differ, the sale is
 * not paid at the clicked offer's terms: it is rejected (`offer_mismatch`), or, when the
 * network's option is `reprice` and the consumer found the operator's offer for the reported
 * reference, priced by that offer instead. When either side is unknown (a format without the
 * field, an offer without a reference, a click from before it was carried) nothing is
 * compared, as before.
 */
export type Binding =
  | { kind: "bound" }
  | { kind: "repriced"; offer: RepriceOffer }
  | { kind: "mismatch"; clickedRef: string; reportedRef: string };

/**
 * Pure: how `event` binds to `click`.
 *
 * @example
 * decideBinding({ ...click, networkOfferRef: "A-ref" }, { ...event, networkOfferRef: "B-ref" })
 * // { kind: "mismatch", clickedRef: "A-ref", reportedRef: "B-ref" }
 */
export function decideBinding(
  click: Pick<StoredClick, "offerId" | "clickedAtMs" | "networkOfferRef">,
  event: Pick<ConversionEvent, "networkOfferRef" | "repriceOffer">,
): Binding {
  const clickedRef = known(click.networkOfferRef);
  const reportedRef = known(event.networkOfferRef);
  if (clickedRef === null || reportedRef === null || clickedRef === reportedRef) {
    return { kind: "bound" };
  }
  const offer = event.repriceOffer ?? null;
  if (offer === null || known(offer.networkOfferRef) !== reportedRef) {
    return { kind: "mismatch", clickedRef, reportedRef };
  }
  // The clicked offer itself, whose reference was changed since the click: the click's frozen
  // terms stand, as for any sale at the clicked merchant.
  if (offer.offerId === click.offerId) return { kind: "bound" };
  // Only an offer the user could have clicked instead at that moment: switched on, and its
  // schedule covering the click. The catalog keeps no history of `active`, so "switched on
  // now" stands in for "then"; an offer the operator has switched off is never paid by the
  // back door.
  const live =
    offer.active &&
    (offer.startsAtMs === null || offer.startsAtMs <= click.clickedAtMs) &&
    (offer.endsAtMs === null || click.clickedAtMs < offer.endsAtMs);
  // Priced by the offer's terms as of the click: only when they have not changed since.
  const unchangedSinceClick =
    offer.changedAtMs === undefined || offer.changedAtMs <= click.clickedAtMs;
  return live && unchangedSinceClick
    ? { kind: "repriced", offer }
    : { kind: "mismatch", clickedRef, reportedRef };
}

/**
 * The click as it prices a repriced sale: the reported offer's terms and return window, and
 * no campaign boosts (those were promised on the clicked offer, not this one).
 */
export function repricedClick(click: StoredClick, offer: RepriceOffer): StoredClick {
  return {
    ...click,
    offerId: offer.offerId,
    merchantId: offer.merchantId,
    currency: offer.currency,
    terms: offer.terms,
    returnWindowDays: offer.returnWindowDays,
    // The sale confirms as the offer it is priced by would, not as the clicked one.
    confirmationPolicy: offer.confirmationPolicy ?? "return_window",
    boosts: [],
    networkOfferRef: offer.networkOfferRef,
  };
}

function known(ref: string | null | undefined): string | null {
  const trimmed = ref?.trim() ?? "";
  return trimmed.length > 0 ? trimmed : null;
}
