import { type KeyRing, open } from "#shared/crypto/sealed";
import type { LinkKey } from "#shared/fraud/identity-links";
import type { DestinationDetails } from "#shared/payouts/types";
import { sealContext } from "../payouts/destinations/decide-destination";
import type { RedemptionContext } from "../payouts/redeem/risk-check";
import { knownActivity } from "./known-activity";
import { destinationIdentifiers } from "./observations";

/**
 * What a redemption's risk observation carries beyond the payout (docs/fraud.md "Signals"): the
 * keyed `payment_instrument` hash of the account it pays — the same hash the destination's own
 * observation linked, hashed now under the key in force — and what the wallet knows of the
 * user's recent activity. `sealed` is the destination's sealed details (at redeem) or the
 * payout's snapshot of them (the fail-safe's retry); null (a gift card), erased details, no
 * key ring or no link key: no identifier.
 */
export async function redemptionContext(
  sql: SqlStorage,
  keys: { ring: KeyRing | null; linkKey: LinkKey | null },
  userId: string,
  paid: { destinationId: string; sealed: string } | null,
): Promise<RedemptionContext> {
  const known = knownActivity(sql);
  if (!paid || !keys.ring || !keys.linkKey || paid.sealed === "") {
    return { identifiers: {}, known };
  }
  const opened = await open(keys.ring, paid.sealed, sealContext(userId, paid.destinationId));
  if (!opened.ok) return { identifiers: {}, known };
  const details = JSON.parse(opened.plaintext) as DestinationDetails;
  if (details.type === "gift_card") return { identifiers: {}, known };
  return { identifiers: await destinationIdentifiers(keys.linkKey, details), known };
}
