import { type LinkKey, linkHash } from "#shared/fraud/identity-links";
import { ORDER_AT_FACT } from "#shared/fraud/return-signals";
import type { Observation } from "#shared/fraud/risk-contract";
import type { StoredClaim } from "../claims/decide-claim";
import type { StoredTxn } from "../conversions/types";
import type { NewDestination } from "../payouts/types";

/**
 * What the wallet tells the user's risk object (docs/fraud.md "Signals"), sent through the
 * outbox in the transaction that made the change, so a change committed is a change reported,
 * once: destination changes (with the keyed hash of the account paid to, so two members paid
 * to one account are linked) and missing-cashback claims.
 */

/** The account a destination pays: a new destination's input, or its opened details. */
export type PaidAccount =
  | Pick<Extract<NewDestination, { type: "bank" }>, "type" | "ifsc" | "accountNumber">
  | Pick<Extract<NewDestination, { type: "upi" }>, "type" | "vpa">;

/**
 * Pure: the account a destination pays, normalised (bank: IFSC and account number; UPI: the
 * handle, lower case), before it is hashed as a `payment_instrument` link.
 *
 * @example
 * paymentInstrumentOf({ type: "upi", vpa: "Alice@OkBank", holderName: null, label: null }) // "upi:alice@okbank"
 */
export function paymentInstrumentOf(input: PaidAccount): string {
  return input.type === "bank"
    ? `bank:${input.ifsc.trim().toUpperCase()}:${input.accountNumber.replace(/\s+/g, "")}`
    : `upi:${input.vpa.trim().toLowerCase()}`;
}

/** The keyed identifiers of a destination (none without a key). */
export async function destinationIdentifiers(
  key: LinkKey | null,
  input: PaidAccount,
): Promise<Record<string, string>> {
  if (!key) return {};
  return {
    payment_instrument: await linkHash(key, "payment_instrument", paymentInstrumentOf(input)),
  };
}

/** Pure: a destination added or changed, one observation per change. */
export function destinationObservation(
  userId: string,
  destinationId: string,
  change: "created" | "updated",
  identifiers: Record<string, string>,
  nowMs: number,
): Observation {
  return {
    observationId: `destination:${destinationId}:${nowMs}`,
    userId,
    kind: "destination_changed",
    atMs: nowMs,
    subjectRef: destinationId,
    identifiers,
    facts: { "signal.destinationChange": change },
  };
}

/** Pure: a claim filed, observed once (its id is the claim's). */
export function claimObservation(userId: string, claim: StoredClaim): Observation {
  return {
    observationId: `claim:${claim.claimId}`,
    userId,
    kind: "claim",
    atMs: claim.createdAtMs,
    subjectRef: claim.claimId,
    facts: {
      "signal.offerId": claim.offerId,
      "signal.claimAmountMinor": claim.amountMinor,
      "signal.claimMatched": claim.status === "matched",
    },
  };
}

/**
 * Pure: a transaction that came back — cancelled by the network (or an operator) before it
 * confirmed, or returned after — observed once per change of status (its id names the
 * transaction's version), with the order's time so the risk object counts it in the order's
 * window, and the merchant and category when known (docs/fraud.md "Return abuse").
 */
export function returnObservation(
  userId: string,
  txn: Pick<
    StoredTxn,
    "txnId" | "version" | "offerId" | "category" | "convertedAtMs" | "saleAmountMinor"
  >,
  outcome: "cancelled" | "returned_after_confirmation",
  merchantId: string | null,
  nowMs: number,
): Observation {
  return {
    observationId: `return:${txn.txnId}:v${txn.version}`,
    userId,
    kind: "return",
    atMs: nowMs,
    subjectRef: txn.txnId,
    facts: {
      "signal.returnOutcome": outcome,
      "signal.saleAmountMinor": txn.saleAmountMinor,
      [ORDER_AT_FACT]: txn.convertedAtMs,
      ...(txn.offerId ? { "signal.offerId": txn.offerId } : {}),
      ...(merchantId ? { "signal.merchantId": merchantId } : {}),
      ...(txn.category ? { "signal.category": txn.category } : {}),
    },
  };
}
