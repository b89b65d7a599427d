import { env } from "cloudflare:workers";

/**
 * Rows for the overview tests, written straight to D1's projections (the overview reads only
 * those): clicks, transactions, payouts, claims, reconciliation findings, network health.
 */

export async function seedRollup(offerId: string, day: string, clicks: number) {
  await env.DB.prepare(
    "INSERT INTO click_rollups (offer_id, day, clicks, repeat_clicks) VALUES (?1, ?2, ?3, 0)",
  )
    .bind(offerId, day, clicks)
    .run();
}

export async function seedTransaction(row: {
  id: string;
  status: "pending" | "confirmed" | "cancelled" | "rejected";
  currency: string;
  cashbackMinor: number;
  boostMinor?: number;
  convertedAtMs: number;
}) {
  await env.DB.prepare(
    `INSERT INTO transactions (id, network_id, order_id, user_id, offer_id, status, currency,
       sale_amount_minor, commission_minor, cashback_minor, rate_bps, boost_minor,
       converted_at_ms, version, updated_at_ms)
     VALUES (?1, 'ov-net', ?1, 'ov-user', 'ov-offer', ?2, ?3, 100000, 5000, ?4, 500, ?5, ?6, 1, ?6)`,
  )
    .bind(
      row.id,
      row.status,
      row.currency,
      row.cashbackMinor,
      row.boostMinor ?? 0,
      row.convertedAtMs,
    )
    .run();
}

export async function seedPayout(row: {
  id: string;
  status: string;
  currency: string | null;
  amountMinor: number | null;
  createdAtMs: number;
  paidAtMs?: number;
  attention?: string;
}) {
  await env.DB.prepare(
    `INSERT INTO payouts (id, user_id, status, currency, amount_minor, created_at_ms,
       updated_at_ms, paid_at_ms, attention) VALUES (?1, 'ov-user', ?2, ?3, ?4, ?5, ?5, ?6, ?7)`,
  )
    .bind(
      row.id,
      row.status,
      row.currency,
      row.amountMinor,
      row.createdAtMs,
      row.paidAtMs ?? null,
      row.attention ?? null,
    )
    .run();
}

export async function seedClaim(id: string, status: "open" | "matched" | "review", atMs: number) {
  await env.DB.prepare(
    `INSERT INTO claims (id, user_id, click_id, offer_id, network_id, order_id, amount_minor,
       currency, purchased_at_ms, status, created_at_ms, updated_at_ms)
     VALUES (?1, 'ov-user', 'clk', 'ov-offer', 'ov-net', ?1, 1000, 'INR', ?3, ?2, ?3, ?3)`,
  )
    .bind(id, status, atMs)
    .run();
}

export async function seedReconRun(runId: string, startedAtMs: number, outcomes: string[]) {
  await env.DB.prepare(
    `INSERT INTO reconciliation_runs (id, network_id, from_ms, to_ms, status, counts,
       started_at_ms, finished_at_ms) VALUES (?1, 'ov-net', ?2, ?2, 'completed', '{}', ?2, ?2)`,
  )
    .bind(runId, startedAtMs)
    .run();
  for (const [i, outcome] of outcomes.entries()) {
    await env.DB.prepare(
      `INSERT INTO reconciliation_items (run_id, order_id, transaction_id, outcome, detail)
       VALUES (?1, ?2, ?2, ?3, NULL)`,
    )
      .bind(runId, `${runId}-o${i}`, outcome)
      .run();
  }
}

export async function seedPayoutDiscrepancy(runId: string, subject: string, createdAtMs: number) {
  await env.DB.prepare(
    `INSERT INTO payout_discrepancies (run_id, kind, subject, detail, created_at_ms)
     VALUES (?1, 'amount_mismatch', ?2, '{}', ?3)`,
  )
    .bind(runId, subject, createdAtMs)
    .run();
}

export async function seedNetworkHealth(networkId: string, state: "open" | "closed", atMs: number) {
  await env.DB.prepare(
    `INSERT INTO network_health (network_id, state, consecutive_failures, updated_at_ms)
     VALUES (?1, ?2, 3, ?3)`,
  )
    .bind(networkId, state, atMs)
    .run();
}
