import type { ApiEnv } from "#shared/env";
import type { LedgerEventMessage, UserNoticeMessage } from "#shared/messages";

/**
 * Projects wallet changes into D1 for the console, analytics and the confirmation
 * backstop. Every write is guarded by a version (transactions) or ledger sequence
 * (balances), so redelivered or reordered messages can never move a projection backwards.
 */
export async function consumeLedgerEvents(batch: MessageBatch<LedgerEventMessage>, env: ApiEnv) {
  const statements: D1PreparedStatement[] = [];
  const users = new Set<string>();
  for (const { body } of batch.messages) {
    users.add(body.userId);
    if (body.kind === "transaction") {
      const t = body.txn;
      statements.push(
        env.DB.prepare(
          `INSERT INTO transactions (id, network_id, order_id, user_id, offer_id, click_id, status,
             reject_reason, currency, sale_amount_minor, commission_minor, cashback_minor, rate_bps,
             clicked_at_ms, converted_at_ms, expected_confirm_at_ms, confirmed_at_ms, version,
             updated_at_ms, boost_minor)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)
           ON CONFLICT (id) DO UPDATE SET
             user_id = excluded.user_id, offer_id = excluded.offer_id, click_id = excluded.click_id,
             status = excluded.status, reject_reason = excluded.reject_reason,
             currency = excluded.currency, sale_amount_minor = excluded.sale_amount_minor,
             commission_minor = excluded.commission_minor, cashback_minor = excluded.cashback_minor,
             rate_bps = excluded.rate_bps, clicked_at_ms = excluded.clicked_at_ms,
             converted_at_ms = excluded.converted_at_ms,
             expected_confirm_at_ms = excluded.expected_confirm_at_ms,
             confirmed_at_ms = excluded.confirmed_at_ms, version = excluded.version,
             updated_at_ms = excluded.updated_at_ms, boost_minor = excluded.boost_minor
           WHERE excluded.version > transactions.version OR transactions.user_id IS NULL`,
        ).bind(
          t.id,
          t.networkId,
          t.orderId,
          body.userId,
          t.offerId,
          t.clickId,
          t.status,
          t.rejectReason,
          t.currency,
          t.saleAmountMinor,
          t.commissionMinor,
          t.cashbackMinor,
          t.rateBps,
          t.clickedAtMs,
          t.convertedAtMs,
          t.expectedConfirmAtMs,
          t.confirmedAtMs,
          t.version,
          t.updatedAtMs,
          t.boostMinor ?? 0,
        ),
      );
    } else if (body.kind === "claim") {
      const c = body.claim;
      statements.push(
        env.DB.prepare(
          `INSERT INTO claims (id, user_id, click_id, offer_id, network_id, order_id, amount_minor,
             currency, purchased_at_ms, status, transaction_id, created_at_ms, updated_at_ms)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
           ON CONFLICT (id) DO UPDATE SET status = excluded.status,
             transaction_id = excluded.transaction_id, updated_at_ms = excluded.updated_at_ms
           WHERE excluded.updated_at_ms >= claims.updated_at_ms`,
        ).bind(
          c.claimId,
          body.userId,
          c.clickId,
          c.offerId,
          c.networkId,
          c.orderId,
          c.amountMinor,
          c.currency,
          c.purchasedAtMs,
          c.status,
          c.txnId,
          c.createdAtMs,
          c.updatedAtMs,
        ),
      );
    } else if (body.kind === "payout") {
      const p = body.payout;
      statements.push(
        env.DB.prepare(
          `INSERT INTO payouts (id, user_id, status, destination_type, destination_masked, currency,
             amount_minor, hold_reason, failure_code, attempts, processor_id, processor_ref,
             created_at_ms, updated_at_ms, paid_at_ms, version, attention)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
           ON CONFLICT (id) DO UPDATE SET
             status = excluded.status, destination_type = excluded.destination_type,
             destination_masked = excluded.destination_masked, currency = excluded.currency,
             amount_minor = excluded.amount_minor, hold_reason = excluded.hold_reason,
             failure_code = excluded.failure_code, attempts = excluded.attempts,
             processor_id = excluded.processor_id, processor_ref = excluded.processor_ref,
             created_at_ms = excluded.created_at_ms, updated_at_ms = excluded.updated_at_ms,
             paid_at_ms = excluded.paid_at_ms, version = excluded.version,
             attention = excluded.attention
           WHERE excluded.version > payouts.version`,
        ).bind(
          p.id,
          body.userId,
          p.status,
          p.destinationType,
          p.destinationMasked,
          p.currency,
          p.amountMinor,
          p.holdReason,
          p.failureCode,
          p.attempts,
          p.processorId,
          p.processorRef,
          p.createdAtMs,
          p.updatedAtMs,
          p.paidAtMs,
          p.version,
          p.attention ?? null,
        ),
      );
    } else if (body.kind === "balances") {
      for (const b of body.balances) {
        statements.push(
          env.DB.prepare(
            `INSERT INTO wallet_balances (user_id, bucket, currency, balance_minor, ledger_seq, updated_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (user_id, bucket, currency) DO UPDATE SET
               balance_minor = excluded.balance_minor, ledger_seq = excluded.ledger_seq,
               updated_at_ms = excluded.updated_at_ms
             WHERE excluded.ledger_seq > wallet_balances.ledger_seq`,
          ).bind(body.userId, b.bucket, b.currency, b.balanceMinor, body.ledgerSeq, body.atMs),
        );
      }
    }
  }
  // Wallet notices left in an outbox from before notices had their own queue: pass them on.
  const strays = batch.messages
    .map(({ body }) => body as unknown as UserNoticeMessage)
    .filter((body) => body.kind === "notice");
  if (strays.length > 0) await env.NOTICES.sendBatch(strays.map((body) => ({ body })));
  for (const userId of users) {
    statements.push(
      env.DB.prepare(
        `INSERT INTO users (id, display_name, created_at_ms) VALUES (?1, NULL, ?2) ON CONFLICT DO NOTHING`,
      ).bind(userId, Date.now()),
    );
  }
  // Whole batch in one D1 transaction; a failure retries the batch, which is safe (guarded).
  if (statements.length > 0) await env.DB.batch(statements);
}
