import type { BatchItem } from "drizzle-orm/batch";
import type { ApiEnv } from "#shared/env";
import { transactionIdFor } from "#shared/ids";
import { decodeSubId } from "#shared/links/sub-id";
import type { NormalizedConversion } from "#shared/networks/types";
import { toSec } from "#shared/time/clock";
import { type ConversionEvent, type ConversionOutcome, walletOf } from "../../wallet-client";
import { attributionOfOrder, untrustedTransaction } from "../ledger/index";

/**
 * One path from a normalised conversion to a wallet, shared by postbacks and report
 * reconciliation: verify the sub-ID (or route a known order by the order), then let the
 * user's wallet object decide. Nothing here moves money itself.
 */

export type ApplyResult =
  | { kind: "wallet"; outcome: ConversionOutcome; txnId: string; reason: string | null }
  | {
      kind: "untrusted";
      txnId: string;
      reason: "forged_sub_id" | "malformed_sub_id" | "missing_sub_id";
      statement: BatchItem<"sqlite">;
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
  const claims = decoded.ok ? decoded.claims : await claimsOfKnownOrder(env, txnId);
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
      statement: untrustedStatement(env, networkId, txnId, conversion, occurredAtMs, reason),
    };
  }
  const event: ConversionEvent = {
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
    updatedAtMs: conversion.updatedAtMs,
    receivedAtMs: from.receivedAtMs,
  };
  const result = await walletOf(env, event.userId).applyConversion(event);
  return { kind: "wallet", outcome: result.outcome, txnId, reason: result.reason };
}

type Decoded = Awaited<ReturnType<typeof decodeSubId>>;

/** Tries the current key, then the previous one while a rotation is under way. */
async function decodeWithRotation(env: ApiEnv, subId: string): Promise<Decoded> {
  const current = await decodeSubId(env.SUBID_SIGNING_KEY, subId);
  if (current.ok || !env.SUBID_SIGNING_KEY_PREVIOUS) return current;
  const previous = await decodeSubId(env.SUBID_SIGNING_KEY_PREVIOUS, subId);
  return previous.ok ? previous : current;
}

async function claimsOfKnownOrder(env: ApiEnv, txnId: string) {
  const row = await attributionOfOrder(env.DB, txnId);
  if (!row) return null;
  return {
    userId: row.userId,
    offerId: row.offerId,
    clickId: row.clickId,
    clickAtSec: toSec(row.clickedAtMs ?? 0),
  };
}

/** No trustworthy user to credit: the transaction is recorded, rejected, in D1 only. */
function untrustedStatement(
  env: ApiEnv,
  networkId: string,
  txnId: string,
  conversion: NormalizedConversion,
  occurredAtMs: number,
  reason: string,
): BatchItem<"sqlite"> {
  return untrustedTransaction(env.DB, {
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
