import type { ApiEnv } from "#shared/env";
import type { Observation } from "#shared/fraud/risk-contract";
import { duplicateOrderIdFor, transactionIdFor } from "#shared/ids";
import { decodeSubId } from "#shared/links/sub-id";
import { boundUpdateTime } from "#shared/networks/core/normalize";
import type { NormalizedConversion } from "#shared/networks/types";
import { toSec } from "#shared/time/clock";
import type { RoutedWrite } from "../../db/batch";
import { type ConversionEvent, type ConversionOutcome, walletOf } from "../../wallet-client";
import { conversionObservation } from "../fraud/index";
import { attributionOfOrder, untrustedTransaction } from "../ledger/index";
import { claimOrder, type OrderClaim, ownersOfOrders } from "./order-claims-store";
import { repriceOfferFor } from "./reprice";

/**
 * One path from a normalised conversion to a wallet, shared by postbacks and report
 * reconciliation: verify the sub-ID (or route a known order by the order), make sure the
 * order is this user's (the first user to claim a (network, order) keeps it), find what a
 * sale at another merchant may be priced by, then let the user's wallet object decide.
 * Nothing here moves money itself.
 */

/** Outcomes after which the wallet holds the order: the ones scoring hears of. */
const REPORTED_OUTCOMES: ReadonlySet<ConversionOutcome> = new Set([
  "created",
  "updated",
  "duplicate",
]);

export type ApplyResult =
  | {
      kind: "wallet";
      outcome: ConversionOutcome;
      txnId: string;
      reason: string | null;
      /**
       * The `conversion` observation scoring is to hear of, when the wallet holds the order
       * (docs/fraud.md "Signals"); the caller reports its batch's observations in one send
       * (`reportOrKeepObservations`). A repeat meets `duplicate` and reports again; the risk
       * object counts it once.
       */
      observation: Observation | null;
    }
  | {
      kind: "untrusted";
      txnId: string;
      reason: "forged_sub_id" | "malformed_sub_id" | "missing_sub_id";
      /** The rejected record, on the global database (no user). */
      write: RoutedWrite;
    }
  | {
      /**
       * Another user's sub-ID already claimed this (network, order): nothing is credited, and
       * `write` records this claimant's sale rejected `duplicate_order` for review, under
       * its own id (`txnId`) beside the owner's transaction (`ownerTxnId`).
       */
      kind: "duplicate_order";
      txnId: string;
      ownerTxnId: string;
      reason: "duplicate_order";
      /** The rejected record, on the claimant's database. */
      write: RoutedWrite;
    };

export interface ApplySource {
  /** Postback id, or `recon:<runId>` for a conversion found by reconciliation. */
  sourceId: string;
  source: "postback" | "reconciliation";
  receivedAtMs: number;
}

export async function applyNormalizedConversion(
  env: ApiEnv,
  networkId: string,
  conversion: NormalizedConversion,
  from: ApplySource,
): Promise<ApplyResult> {
  const prepared = await prepareConversion(env, networkId, conversion, from);
  if (prepared.kind !== "wallet") return prepared;
  const result = await walletOf(env, prepared.event.userId).applyConversion(prepared.event);
  return walletApplied(prepared.event, result);
}

/** The wallet's answer for `event` as an ApplyResult, with the observation scoring is owed. */
export function walletApplied(
  event: ConversionEvent,
  result: { outcome: ConversionOutcome; reason: string | null },
): Extract<ApplyResult, { kind: "wallet" }> {
  // The wallet has it: scoring is to hear of it; the caller sends its batch's at once.
  const observation = REPORTED_OUTCOMES.has(result.outcome)
    ? conversionObservation(event, result.outcome)
    : null;
  return {
    kind: "wallet",
    outcome: result.outcome,
    txnId: event.txnId,
    reason: result.reason,
    observation,
  };
}

/** A conversion ready for its user's wallet, or what was recorded instead (no wallet call). */
export type PreparedConversion =
  | { kind: "wallet"; event: ConversionEvent }
  | Extract<ApplyResult, { kind: "untrusted" | "duplicate_order" }>;

/**
 * Everything before the wallet call: the sub-ID verified (or the order routed by the order),
 * the order claimed for its user, the reprice lookup. Reconciliation prepares one conversion
 * at a time; the postbacks consumer attributes a whole batch first and claims all of its
 * orders in one D1 batch (`attributeConversion`, then `complete`).
 */
export async function prepareConversion(
  env: ApiEnv,
  networkId: string,
  conversion: NormalizedConversion,
  from: ApplySource,
): Promise<PreparedConversion> {
  const attributed = await attributeConversion(env, networkId, conversion, from);
  if (attributed.kind !== "attributed") return attributed;
  return attributed.complete(attributed.claim ? await claimOrder(env.DB, attributed.claim) : null);
}

/** A conversion with a trusted user, waiting for its order claim's answer. */
export interface AttributedConversion {
  kind: "attributed";
  /**
   * The order claim to make before the wallet call (order-claims-store.ts): null when the
   * order was routed by the order itself, which D1 already attributes to this user.
   */
  claim: OrderClaim | null;
  /**
   * With the order's owner as the claim found it (null without a claim): the wallet event,
   * or the `duplicate_order` record when another user claimed the order first.
   */
  complete(owner: string | null): Promise<PreparedConversion>;
}

/**
 * The sub-ID verified, or the order routed by the order itself; what the order claim is to
 * be. No D1 write: the caller claims (one order, or a batch's orders at once) and completes.
 */
export async function attributeConversion(
  env: ApiEnv,
  networkId: string,
  conversion: NormalizedConversion,
  from: ApplySource,
): Promise<AttributedConversion | Extract<PreparedConversion, { kind: "untrusted" }>> {
  const txnId = await transactionIdFor(networkId, conversion.orderId);
  // A purchase cannot happen after we heard of it; a future time would also push the
  // confirmation date out, so it is capped at the receipt time.
  const occurredAtMs = Math.min(conversion.occurredAtMs, from.receivedAtMs);
  const decoded = conversion.subId
    ? await decodeWithRotation(env, conversion.subId)
    : ({ ok: false, reason: "missing" } as const);
  // The sub-ID decides attribution only once. A later status update for an order we already
  // attributed is routed by the order itself, so a rotated key or a network that drops or
  // mangles sub-IDs on updates cannot lose a cancellation.
  const claims = decoded.ok
    ? decoded.claims
    : await claimsOfKnownOrder(env, networkId, conversion.orderId, txnId);
  if (!claims) {
    const reason =
      decoded.ok === false && decoded.reason === "bad_signature"
        ? "forged_sub_id"
        : decoded.ok === false && decoded.reason === "missing"
          ? "missing_sub_id"
          : "malformed_sub_id";
    return {
      kind: "untrusted",
      txnId,
      reason,
      write: untrustedWrite(env, networkId, txnId, conversion, occurredAtMs, reason),
    };
  }
  // Attribution by sub-ID: the order must be this user's, or no one else's yet. (An order
  // routed by the order itself already belongs to the user D1 names.)
  const claim: OrderClaim | null = decoded.ok
    ? {
        networkId,
        orderId: conversion.orderId,
        userId: claims.userId,
        clickId: claims.clickId,
        nowMs: from.receivedAtMs,
      }
    : null;
  const complete = async (owner: string | null): Promise<PreparedConversion> => {
    if (claim && owner !== claim.userId) {
      return duplicateOrder(env, networkId, txnId, conversion, occurredAtMs, {
        ...claims,
        receivedAtMs: from.receivedAtMs,
      });
    }
    const event = await walletEvent(env, networkId, conversion, from, {
      ...claims,
      txnId,
      occurredAtMs,
    });
    return { kind: "wallet", event };
  };
  return { kind: "attributed", claim, complete };
}

async function walletEvent(
  env: ApiEnv,
  networkId: string,
  conversion: NormalizedConversion,
  from: ApplySource,
  claims: {
    userId: string;
    offerId: string;
    clickId: string;
    clickAtSec: number;
    txnId: string;
    occurredAtMs: number;
  },
): Promise<ConversionEvent> {
  const { txnId, occurredAtMs } = claims;
  const reportedRef = conversion.networkOfferRef ?? null;
  return {
    txnId,
    postbackId: from.sourceId,
    source: from.source,
    networkId,
    orderId: conversion.orderId,
    userId: claims.userId,
    offerId: claims.offerId,
    clickId: claims.clickId,
    clickAtSec: claims.clickAtSec,
    status: conversion.status,
    currency: conversion.currency,
    saleAmountMinor: conversion.saleAmountMinor,
    commissionMinor: conversion.commissionMinor,
    category: conversion.category,
    lineItems: conversion.lineItems,
    occurredAtMs,
    // Bounded here too (postbacks already were): a report's far-future update time would
    // otherwise hold every later timed correction of the order as stale.
    updatedAtMs: boundUpdateTime(conversion.updatedAtMs, from.receivedAtMs),
    receivedAtMs: from.receivedAtMs,
    networkOfferRef: reportedRef,
    // Only a new order is bound to its merchant, but whether the wallet knows the order is the
    // wallet's to say; the lookup is cheap (cached configs) unless the references differ.
    repriceOffer:
      reportedRef === null
        ? null
        : await repriceOfferFor(env, networkId, claims.offerId, reportedRef),
  };
}

type Decoded = Awaited<ReturnType<typeof decodeSubId>>;

/** The `duplicate_order` record of a claimant whose order another user claimed first. */
async function duplicateOrder(
  env: ApiEnv,
  networkId: string,
  ownerTxnId: string,
  conversion: NormalizedConversion,
  occurredAtMs: number,
  claimant: {
    userId: string;
    offerId: string;
    clickId: string;
    clickAtSec: number;
    receivedAtMs: number;
  },
): Promise<Extract<ApplyResult, { kind: "duplicate_order" }>> {
  const txnId = await duplicateOrderIdFor(networkId, conversion.orderId, claimant.userId);
  return {
    kind: "duplicate_order",
    txnId,
    ownerTxnId,
    reason: "duplicate_order",
    write: untrustedTransaction(env, {
      txnId,
      networkId,
      orderId: conversion.orderId,
      reason: "duplicate_order",
      currency: conversion.currency,
      saleAmountMinor: conversion.saleAmountMinor,
      commissionMinor: conversion.commissionMinor,
      occurredAtMs,
      nowMs: Date.now(),
      claimant: {
        userId: claimant.userId,
        offerId: claimant.offerId,
        clickId: claimant.clickId,
        clickedAtMs: claimant.clickAtSec * 1000,
      },
    }),
  };
}

/** Tries the current key, then the previous one while a rotation is under way. */
async function decodeWithRotation(env: ApiEnv, subId: string): Promise<Decoded> {
  const current = await decodeSubId(env.SUBID_SIGNING_KEY, subId);
  if (current.ok || !env.SUBID_SIGNING_KEY_PREVIOUS) return current;
  const previous = await decodeSubId(env.SUBID_SIGNING_KEY_PREVIOUS, subId);
  return previous.ok ? previous : current;
}

/**
 * The attribution of an order a wallet already holds: its owner from the global order claims,
 * then the owner's transaction row on the owner's database.
 */
async function claimsOfKnownOrder(env: ApiEnv, networkId: string, orderId: string, txnId: string) {
  const owner = (await ownersOfOrders(env.DB, networkId, [orderId])).get(orderId);
  if (owner === undefined) return null;
  const row = await attributionOfOrder(env, owner, txnId);
  if (!row) return null;
  return {
    userId: row.userId,
    offerId: row.offerId,
    clickId: row.clickId,
    clickAtSec: toSec(row.clickedAtMs ?? 0),
  };
}

/** No trustworthy user to credit: the transaction is recorded, rejected, in D1 only. */
function untrustedWrite(
  env: ApiEnv,
  networkId: string,
  txnId: string,
  conversion: NormalizedConversion,
  occurredAtMs: number,
  reason: string,
): RoutedWrite {
  return untrustedTransaction(env, {
    txnId,
    networkId,
    orderId: conversion.orderId,
    reason,
    currency: conversion.currency,
    saleAmountMinor: conversion.saleAmountMinor,
    commissionMinor: conversion.commissionMinor,
    occurredAtMs,
    nowMs: Date.now(),
  });
}
