import { toIso, toIsoOrNull } from "../../http/common-schemas";
import type * as catalog from "./store";

/** Stored catalog rows as the API shows them. */

type NetworkRow = Awaited<ReturnType<typeof catalog.getNetwork>>;
type MerchantRow = Awaited<ReturnType<typeof catalog.getMerchant>>;
type OfferRow = Awaited<ReturnType<typeof catalog.getOffer>>;

export const networkView = (n: NetworkRow) => ({
  id: n.id,
  name: n.name,
  trackingTemplate: n.trackingTemplate,
  postbackFormat: n.postbackFormat,
  postbackSecretSet: n.postbackSecretSet,
  reportApiTokenSet: n.reportApiTokenSet,
  options: n.options,
  active: n.active,
  updatedAt: toIso(n.updatedAtMs),
});

export const merchantView = (m: MerchantRow) => ({
  id: m.id,
  networkId: m.networkId,
  name: m.name,
  landingUrl: m.landingUrl,
  active: m.active,
  deactivatedBy: m.deactivatedBy,
  updatedAt: toIso(m.updatedAtMs),
});

export const offerView = (o: OfferRow) => ({
  id: o.id,
  merchantId: o.merchantId,
  title: o.title,
  description: o.description,
  networkOfferRef: o.networkOfferRef,
  currency: o.currency,
  cashback: o.cashbackTerms,
  returnWindowDays: o.returnWindowDays,
  startsAt: toIsoOrNull(o.startsAtMs),
  endsAt: toIsoOrNull(o.endsAtMs),
  active: o.active,
  deactivatedBy: o.deactivatedBy,
  confirmationPolicy: o.confirmationPolicy,
  origin: o.origin,
  allowedReferrers: o.allowedReferrers ?? [],
  updatedAt: toIso(o.updatedAtMs),
});
