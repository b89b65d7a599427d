import type { ConversionEvent, ConversionOutcome } from "#durable-objects/wallet/index";
import type { ApiEnv } from "#shared/env";
import { transactionIdFor } from "#shared/ids";
import { decodeSubId } from "#shared/links/sub-id";
import type { NormalizedConversion } from "#shared/networks/types";
import { toSec } from "#shared/time/clock";
import { walletOf } from "../wallet-client";

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
      statement: D1PreparedStatement;
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
  const row = await env.DB.prepare(
    `SELECT user_id, offer_id, click_id, clicked_at_ms FROM transactions
     WHERE id = ?1 AND user_id IS NOT NULL AND offer_id IS NOT NULL AND click_id IS NOT NULL`,
  )
    .bind(txnId)
    .first<{ user_id: string; offer_id: string; click_id: string; clicked_at_ms: number | null }>();
  if (!row) return null;
  return {
    userId: row.user_id,
    offerId: row.offer_id,
    clickId: row.click_id,
    clickAtSec: toSec(row.clicked_at_ms ?? 0),
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
): D1PreparedStatement {
  return env.DB.prepare(
    `INSERT INTO transactions (id, network_id, order_id, user_id, offer_id, click_id, status,
       reject_reason, currency, sale_amount_minor, commission_minor, cashback_minor, rate_bps,
       clicked_at_ms, converted_at_ms, expected_confirm_at_ms, confirmed_at_ms, version, updated_at_ms)
     VALUES (?1, ?2, ?3, NULL, NULL, NULL, 'rejected', ?4, ?5, ?6, ?7, 0, 0, NULL, ?8, NULL, NULL, 0, ?9)
     ON CONFLICT (id) DO NOTHING`,
  ).bind(
    txnId,
    networkId,
    conversion.orderId,
    reason,
    conversion.currency,
    conversion.saleAmountMinor,
    conversion.commissionMinor,
    occurredAtMs,
    Date.now(),
  );
}
