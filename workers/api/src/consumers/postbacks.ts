import type { ConversionEvent } from "../../../../durable-objects/wallet/types";
import type { ApiEnv } from "../../../../shared/env";
import { transactionIdFor } from "../../../../shared/ids";
import { decodeSubId } from "../../../../shared/links/sub-id";
import type { PostbackMessage } from "../../../../shared/messages";
import { parseGenericPostback } from "../../../../shared/postback/generic-format";
import { walletOf } from "../wallet-client";

const RAW_BODY_KEEP_CHARS = 16 * 1024;
/**
 * A postback can overtake its click (the clicks queue may lag). Waits grow 10, 20, 40, then
 * 60 s: 20 attempts span more than the 15-minute grace, after which the wallet rejects it.
 */
function clickWaitDelaySec(attempts: number): number {
  return Math.min(60, 5 * 2 ** Math.max(1, Math.min(attempts, 4)));
}

/**
 * Postbacks consumer. First, every received postback (accepted or not) is written to D1 in
 * one batch, idempotent on the postback id: that is the audit trail. Then each accepted one
 * is normalised and handed to the user's wallet object, which decides and credits in one
 * transaction. Messages are acked one by one, so one bad message never replays the others.
 */
export async function consumePostbacks(
  batch: MessageBatch<PostbackMessage>,
  env: ApiEnv,
): Promise<void> {
  await recordReceived(
    env,
    batch.messages.map((m) => m.body),
  );

  const untrusted: D1PreparedStatement[] = [];
  const untrustedMessages: Message<PostbackMessage>[] = [];
  for (const message of batch.messages) {
    const body = message.body;
    if (body.verdict !== "accepted") {
      message.ack();
      continue;
    }
    try {
      const outcome = await processAccepted(env, body);
      if (outcome.kind === "untrusted") {
        untrusted.push(outcome.statement);
        untrustedMessages.push(message);
      } else if (outcome.kind === "retry_later") {
        message.retry({ delaySeconds: clickWaitDelaySec(message.attempts) });
      } else {
        message.ack();
      }
    } catch (error) {
      console.error("postback processing failed", {
        postbackId: body.postbackId,
        error: String(error),
      });
      message.retry({ delaySeconds: Math.min(300, 5 * 2 ** Math.min(message.attempts, 6)) });
    }
  }
  if (untrusted.length > 0) {
    try {
      await env.DB.batch(untrusted);
      for (const m of untrustedMessages) m.ack();
    } catch (error) {
      console.error("recording untrusted postbacks failed", { error: String(error) });
      for (const m of untrustedMessages) m.retry({ delaySeconds: 30 });
    }
  }
}

type Processed =
  | { kind: "done" }
  | { kind: "retry_later" }
  | { kind: "untrusted"; statement: D1PreparedStatement };

async function processAccepted(env: ApiEnv, body: PostbackMessage): Promise<Processed> {
  const parsed = parseGenericPostback(body.rawBody);
  if (!parsed.ok) return { kind: "done" }; // judged at intake; kept in received_postbacks
  const p = parsed.value;
  const txnId = await transactionIdFor(body.networkId, p.order_id);
  // A purchase cannot happen after we heard of it; a future time would also push the
  // confirmation date out, so it is capped at the receipt time.
  const occurredAtMs = Math.min(Date.parse(p.occurred_at), body.receivedAtMs);
  const decoded = await decodeWithRotation(env, p.sub_id);
  // The sub-ID decides attribution only once. A later status update for an order we already
  // attributed is routed by the order itself, so a rotated key or a network that mangles
  // sub-IDs on updates cannot lose a cancellation.
  const subId = decoded.ok ? decoded : await claimsOfKnownOrder(env, txnId, decoded);
  if (!subId.ok) {
    // No trustworthy user to credit: the transaction is recorded, rejected, in D1 only.
    const reason = subId.reason === "bad_signature" ? "forged_sub_id" : "malformed_sub_id";
    const statement = env.DB.prepare(
      `INSERT INTO transactions (id, network_id, order_id, user_id, offer_id, click_id, status,
         reject_reason, currency, sale_amount_minor, commission_minor, cashback_minor, rate_bps,
         clicked_at_ms, converted_at_ms, expected_confirm_at_ms, confirmed_at_ms, version, updated_at_ms)
       VALUES (?1, ?2, ?3, NULL, NULL, NULL, 'rejected', ?4, ?5, ?6, ?7, 0, 0, NULL, ?8, NULL, NULL, 0, ?9)
       ON CONFLICT (id) DO NOTHING`,
    ).bind(
      txnId,
      body.networkId,
      p.order_id,
      reason,
      p.currency,
      p.sale_amount_minor,
      p.commission_minor,
      occurredAtMs,
      Date.now(),
    );
    return { kind: "untrusted", statement };
  }
  const event: ConversionEvent = {
    txnId,
    postbackId: body.postbackId,
    networkId: body.networkId,
    orderId: p.order_id,
    userId: subId.claims.userId,
    offerId: subId.claims.offerId,
    clickId: subId.claims.clickId,
    clickAtSec: subId.claims.clickAtSec,
    status: p.status,
    currency: p.currency,
    saleAmountMinor: p.sale_amount_minor,
    commissionMinor: p.commission_minor,
    category: p.category ?? null,
    lineItems: null,
    occurredAtMs,
    updatedAtMs: null,
    receivedAtMs: body.receivedAtMs,
  };
  const result = await walletOf(env, event.userId).applyConversion(event);
  return result.outcome === "retry_later" ? { kind: "retry_later" } : { kind: "done" };
}

type Decoded = Awaited<ReturnType<typeof decodeSubId>>;

/** Tries the current key, then the previous one while a rotation is under way. */
async function decodeWithRotation(env: ApiEnv, subId: string): Promise<Decoded> {
  const current = await decodeSubId(env.SUBID_SIGNING_KEY, subId);
  if (current.ok || !env.SUBID_SIGNING_KEY_PREVIOUS) return current;
  const previous = await decodeSubId(env.SUBID_SIGNING_KEY_PREVIOUS, subId);
  return previous.ok ? previous : current;
}

async function claimsOfKnownOrder(env: ApiEnv, txnId: string, failure: Decoded): Promise<Decoded> {
  const row = await env.DB.prepare(
    `SELECT user_id, offer_id, click_id, clicked_at_ms FROM transactions
     WHERE id = ?1 AND user_id IS NOT NULL AND offer_id IS NOT NULL AND click_id IS NOT NULL`,
  )
    .bind(txnId)
    .first<{ user_id: string; offer_id: string; click_id: string; clicked_at_ms: number | null }>();
  if (!row) return failure;
  return {
    ok: true,
    claims: {
      userId: row.user_id,
      offerId: row.offer_id,
      clickId: row.click_id,
      clickAtSec: Math.floor((row.clicked_at_ms ?? 0) / 1000),
    },
  };
}

async function recordReceived(env: ApiEnv, bodies: PostbackMessage[]): Promise<void> {
  if (bodies.length === 0) return;
  const statements = bodies.map((b) =>
    env.DB.prepare(
      `INSERT INTO received_postbacks (id, network_id, received_at_ms, verdict, reject_reason,
         order_id, raw_body, signature_header, source_ip)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (id) DO NOTHING`,
    ).bind(
      b.postbackId,
      b.networkId.slice(0, 64),
      b.receivedAtMs,
      b.verdict,
      b.rejectReason,
      orderIdOf(b.rawBody),
      b.rawBody.slice(0, RAW_BODY_KEEP_CHARS),
      b.signatureHeader?.slice(0, 512) ?? null,
      b.sourceIp,
    ),
  );
  await env.DB.batch(statements);
}

/** Best effort, for searching the audit log; never trusted for money. */
function orderIdOf(rawBody: string): string | null {
  try {
    const value = (JSON.parse(rawBody) as { order_id?: unknown }).order_id;
    return typeof value === "string" ? value.slice(0, 128) : null;
  } catch {
    return null;
  }
}
