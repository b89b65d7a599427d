/**
 * The console benchmark's data, as SQL for `wrangler d1 execute --local`: copies of the demo
 * catalog and a month of activity per copy, generated inside SQLite with recursive CTEs so a
 * 100× set is a few statements, not a hundred thousand.
 *
 * Copy 0 is the demo data set (the catalog `npm run dev` loads through the admin API, plus the
 * activity below); copy k ≥ 1 repeats the catalog with ids suffixed `~k`. Per copy: 18 users
 * besides the 2 demo users, 30 days of click rollups for each offer, 300 transactions,
 * 330 received postbacks, 60 wallet balances, 40 payouts, 10 claims, 30 report-reconciliation
 * runs with 20 findings, 30 payout-reconciliation runs with 5 discrepancies, 200 audit entries.
 */

export const PER_COPY = {
  users: 18,
  transactions: 300,
  postbacks: 330,
  payouts: 40,
  claims: 10,
  reconRuns: 30,
  reconItems: 20,
  payoutReconRuns: 30,
  payoutDiscrepancies: 5,
  auditEntries: 200,
} as const;

const DAY_MS = 86_400_000;

/** `copies(c)` for c in [from, to), and `seq(n)` for n in [0, max). */
function ctes(from: number, to: number, max: number): string {
  return `WITH RECURSIVE copies(c) AS (SELECT ${from} UNION ALL SELECT c + 1 FROM copies WHERE c + 1 < ${to}),
  seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < ${max})`;
}

/** The suffix of copy c: none for the demo set itself. */
const sfx = (col: string) => `(CASE WHEN ${col} = 0 THEN '' ELSE '~' || ${col} END)`;

/** Catalog copies [from, to) (from ≥ 1) of the demo rows already loaded. */
export function catalogCopiesSql(from: number, to: number): string {
  if (to <= from) return "";
  const k = `WITH RECURSIVE copies(c) AS (SELECT ${from} UNION ALL SELECT c + 1 FROM copies WHERE c + 1 < ${to})`;
  const demo = (alias: string) => `instr(${alias}.id, '~') = 0`;
  return `
${k} INSERT INTO networks (id, name, tracking_template, postback_format, postback_secret,
  report_api_token, options, active, created_at_ms, updated_at_ms)
SELECT n.id || '~' || c, n.name || ' #' || c, tracking_template, postback_format, postback_secret,
  report_api_token, options, active, created_at_ms, updated_at_ms FROM networks n, copies WHERE ${demo("n")};
${k} INSERT INTO merchants (id, network_id, name, landing_url, active, deactivated_by, created_at_ms, updated_at_ms)
SELECT m.id || '~' || c, m.network_id || '~' || c, m.name || ' #' || c, landing_url, active, deactivated_by,
  created_at_ms, updated_at_ms FROM merchants m, copies WHERE ${demo("m")};
${k} INSERT INTO offers (id, merchant_id, title, description, network_offer_ref, currency, cashback_terms,
  return_window_days, starts_at_ms, ends_at_ms, active, deactivated_by, confirmation_policy, origin,
  created_at_ms, updated_at_ms)
SELECT o.id || '~' || c, o.merchant_id || '~' || c, o.title || ' #' || c, description, network_offer_ref,
  currency, cashback_terms, return_window_days, starts_at_ms, ends_at_ms, active, deactivated_by,
  confirmation_policy, origin, created_at_ms, updated_at_ms FROM offers o, copies WHERE ${demo("o")};
${k} INSERT INTO users (id, display_name, created_at_ms, kyc_status, kyc_updated_at_ms)
SELECT u.id || '~' || c, u.display_name, created_at_ms, kyc_status, kyc_updated_at_ms
FROM users u, copies WHERE ${demo("u")} AND u.id LIKE 'demo-%';
${k} INSERT INTO gift_card_products (id, brand, currency, denominations_minor, active, created_at_ms, updated_at_ms)
SELECT g.id || '~' || c, brand, currency, denominations_minor, active, created_at_ms, updated_at_ms
FROM gift_card_products g, copies WHERE ${demo("g")};
`;
}

/** A month of activity, ending at `nowMs`, for copies [from, to). */
export function activitySql(from: number, to: number, nowMs: number): string {
  if (to <= from) return "";
  const s = sfx("c");
  const user = (expr: string) => `'bench-u' || ${expr} || ${s}`;
  const ago = (expr: string) => `(${nowMs} - (${expr}) * ${DAY_MS} - (n * 7919 % ${DAY_MS}))`;
  const statements: string[] = [];
  const add = (max: number, sql: string) => statements.push(`${ctes(from, to, max)} ${sql};`);

  add(
    PER_COPY.users,
    `INSERT INTO users (id, display_name, created_at_ms, kyc_status)
     SELECT ${user("n")}, 'Bench user ' || n, ${nowMs - 90 * DAY_MS}, 'verified' FROM copies, seq`,
  );
  // Clicks: every offer of the copy, every day of the window.
  add(
    30,
    `INSERT INTO click_rollups (offer_id, day, clicks, repeat_clicks)
     SELECT o.id, strftime('%Y-%m-%d', (${nowMs} - n * ${DAY_MS}) / 1000, 'unixepoch'), 20 + (n * 13 + c) % 40, n % 3
     FROM copies, seq, offers o
     WHERE (c = 0 AND instr(o.id, '~') = 0) OR o.id LIKE '%~' || c`,
  );
  add(
    PER_COPY.transactions,
    `INSERT INTO transactions (id, network_id, order_id, user_id, offer_id, click_id, status, reject_reason,
       currency, sale_amount_minor, commission_minor, cashback_minor, rate_bps, boost_minor,
       clicked_at_ms, converted_at_ms, expected_confirm_at_ms, confirmed_at_ms, version, updated_at_ms)
     SELECT 'txn_b' || c || '_' || n, 'demo-network' || ${s}, 'ord-' || c || '-' || n, ${user("n % 18")},
       'shopkart-electronics' || ${s}, 'clk_b' || c || '_' || n,
       CASE WHEN n % 37 = 0 THEN 'rejected' WHEN n % 10 < 6 THEN 'pending' WHEN n % 10 < 9 THEN 'confirmed' ELSE 'cancelled' END,
       CASE WHEN n % 37 = 0 THEN 'duplicate_order' END,
       'INR', 100000 + n * 10, 5000 + n, 3000 + n, 300, CASE WHEN n % 5 = 0 THEN 100 ELSE 0 END,
       ${ago("n % 30")} - 3600000, ${ago("n % 30")}, ${ago("n % 30")} + 30 * ${DAY_MS},
       CASE WHEN n % 10 BETWEEN 6 AND 8 THEN ${ago("n % 30")} END, 1, ${ago("n % 30")}
     FROM copies, seq`,
  );
  add(
    PER_COPY.postbacks,
    `INSERT INTO received_postbacks (id, network_id, received_at_ms, verdict, reject_reason, order_id, raw_body)
     SELECT 'pb_b' || c || '_' || n, 'demo-network' || ${s}, ${ago("n % 30")},
       CASE WHEN n >= 300 THEN 'rejected' ELSE 'accepted' END,
       CASE WHEN n >= 300 THEN 'bad_signature' END, 'ord-' || c || '-' || n,
       '{"order_id":"ord-' || c || '-' || n || '","status":"pending","sale_amount":"1000.00"}'
     FROM copies, seq`,
  );
  add(
    PER_COPY.users,
    `INSERT INTO wallet_balances (user_id, bucket, currency, balance_minor, ledger_seq, updated_at_ms)
     SELECT ${user("n")}, b.bucket, 'INR', b.base + n * 100, 1, ${nowMs}
     FROM copies, seq, (SELECT 'pending' AS bucket, 5000 AS base UNION ALL SELECT 'confirmed', 12000
       UNION ALL SELECT 'reserved', 2000) b`,
  );
  add(
    PER_COPY.payouts,
    `INSERT INTO payouts (id, user_id, status, destination_type, destination_masked, currency, amount_minor,
       hold_reason, attention, attempts, created_at_ms, updated_at_ms, paid_at_ms, version)
     SELECT 'po_b' || c || '_' || n, ${user("n % 18")},
       CASE WHEN n % 8 = 0 THEN 'held' WHEN n % 8 = 1 THEN 'queued' WHEN n % 8 = 2 THEN 'failed'
            WHEN n % 8 = 3 THEN 'processing' ELSE 'paid' END,
       'upi', '••••' || substr('000' || n, -4), 'INR', 10000 + n * 500,
       CASE WHEN n % 8 = 0 THEN 'new_device' END, CASE WHEN n % 20 = 7 THEN 'processor contradicted paid' END,
       1, ${ago("n % 30")}, ${ago("n % 30")}, CASE WHEN n % 8 >= 4 THEN ${ago("n % 30")} + 3600000 END, 1
     FROM copies, seq`,
  );
  add(
    PER_COPY.claims,
    `INSERT INTO claims (id, user_id, click_id, offer_id, network_id, order_id, amount_minor, currency,
       purchased_at_ms, status, created_at_ms, updated_at_ms)
     SELECT 'clm_b' || c || '_' || n, ${user("n")}, 'clk_b' || c || '_' || n, 'shopkart-electronics' || ${s},
       'demo-network' || ${s}, 'claim-ord-' || c || '-' || n, 250000, 'INR', ${ago("n + 2")},
       CASE WHEN n % 3 = 0 THEN 'review' WHEN n % 3 = 1 THEN 'open' ELSE 'matched' END, ${ago("n")}, ${ago("n")}
     FROM copies, seq`,
  );
  add(
    PER_COPY.reconRuns,
    `INSERT INTO reconciliation_runs (id, network_id, from_ms, to_ms, status, counts, started_at_ms, finished_at_ms)
     SELECT 'rrun_b' || c || '_' || n, 'demo-network' || ${s}, ${ago("n + 3")}, ${ago("n")}, 'completed',
       '{"reported":12,"matched":10,"report_behind":1,"created":1}', ${ago("n")}, ${ago("n")} + 60000
     FROM copies, seq`,
  );
  add(
    PER_COPY.reconItems,
    `INSERT INTO reconciliation_items (run_id, order_id, transaction_id, outcome, detail)
     SELECT 'rrun_b' || c || '_' || (n % 30), 'ord-' || c || '-' || n, 'txn_b' || c || '_' || n,
       CASE WHEN n % 2 = 0 THEN 'report_behind' ELSE 'created' END, 'network: approved; ours before: pending'
     FROM copies, seq`,
  );
  add(
    PER_COPY.payoutReconRuns,
    `INSERT INTO payout_recon_runs (id, processor_id, from_ms, to_ms, status, checked_payouts,
       wallets_queued, started_at_ms, finished_at_ms)
     SELECT 'prun_b' || c || '_' || n, 'sandbox', ${ago("n + 3")}, ${ago("n")}, 'completed', 40, 20,
       ${ago("n")}, ${ago("n")} + 60000
     FROM copies, seq`,
  );
  add(
    PER_COPY.payoutDiscrepancies,
    `INSERT INTO payout_discrepancies (run_id, kind, subject, detail, created_at_ms)
     SELECT 'prun_b' || c || '_' || n, 'status_mismatch', 'po_b' || c || '_' || n,
       '{"ours":"paid","processor":"failed"}', ${ago("n")}
     FROM copies, seq`,
  );
  add(
    PER_COPY.auditEntries,
    `INSERT INTO admin_audit_log (id, at_ms, actor, scope, method, path, operation_id, status)
     SELECT 'aud_b' || c || '_' || n, ${ago("n % 30")}, 'bench-admin', 'admin', 'PUT',
       '/admin/v1/offers/shopkart-electronics' || ${s}, 'putOffer', 200
     FROM copies, seq`,
  );
  // One network in each copy has its merchant-sync breaker open.
  add(
    1,
    `INSERT INTO network_health (network_id, state, consecutive_failures, cooldown_ms, opened_at_ms,
       retry_at_ms, last_failure_at_ms, last_error, updated_at_ms)
     SELECT 'sandbox-network' || ${s}, 'open', 3, 600000, ${nowMs}, ${nowMs + 600_000}, ${nowMs},
       'feed answered 503', ${nowMs}
     FROM copies, seq`,
  );
  return statements.join("\n");
}
