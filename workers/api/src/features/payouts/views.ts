import { toIso, toIsoOrNull } from "../../http/common-schemas";
import type { DestinationView, StoredPayout } from "../../wallet-client";

/** Wallet records as the API shows them. */

export const destinationView = (d: DestinationView) => ({
  id: d.destinationId,
  type: d.type,
  label: d.label,
  masked: d.masked,
  status: d.status,
  usableFrom: toIso(d.usableFromMs),
  createdAt: toIso(d.createdAtMs),
  updatedAt: toIso(d.updatedAtMs),
});

export const payoutView = (p: StoredPayout) => ({
  id: p.payoutId,
  status: p.status,
  amountMinor: p.amountMinor,
  currency: p.currency,
  destination: { type: p.destinationType, id: p.destinationId, masked: p.destinationMasked },
  holdReason: p.holdReason,
  failureCode: p.failureCode,
  createdAt: toIso(p.createdAtMs),
  updatedAt: toIso(p.updatedAtMs),
  paidAt: toIsoOrNull(p.paidAtMs),
});
