import { applyVersionedSchema } from "../shared/versioned-schema";

/**
 * The wallet object's SQLite schema, versioned. `applySchema` runs on every wake and
 * applies only the steps this object has not seen, inside one transaction.
 *
 * Buckets are rows, not columns, so new buckets (reserved, referral_bonus, debt, points
 * lots) need no migration: the ledger only has to learn their rules.
 */
const STEPS: string[][] = [
  [
    `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
    `CREATE TABLE buckets (
       bucket TEXT NOT NULL,
       currency TEXT NOT NULL,
       balance_minor INTEGER NOT NULL,
       PRIMARY KEY (bucket, currency)
     )`,
    `CREATE TABLE entries (
       seq INTEGER PRIMARY KEY AUTOINCREMENT,
       idempotency_key TEXT NOT NULL UNIQUE,
       posting_key TEXT NOT NULL,
       bucket TEXT NOT NULL,
       currency TEXT NOT NULL,
       amount_minor INTEGER NOT NULL,
       balance_after_minor INTEGER NOT NULL,
       kind TEXT NOT NULL,
       txn_id TEXT,
       memo TEXT,
       created_at_ms INTEGER NOT NULL
     )`,
    `CREATE INDEX entries_posting_idx ON entries (posting_key)`,
    `CREATE TABLE clicks (
       click_id TEXT PRIMARY KEY,
       offer_id TEXT NOT NULL,
       merchant_id TEXT NOT NULL,
       network_id TEXT NOT NULL,
       clicked_at_ms INTEGER NOT NULL,
       currency TEXT NOT NULL,
       terms_json TEXT NOT NULL,
       return_window_days INTEGER NOT NULL,
       rollup_chunk INTEGER
     )`,
    `CREATE INDEX clicks_rollup_idx ON clicks (rollup_chunk)`,
    `CREATE INDEX clicks_time_idx ON clicks (clicked_at_ms)`,
    `CREATE TABLE rollup_chunks (chunk_id INTEGER PRIMARY KEY AUTOINCREMENT, acked INTEGER NOT NULL)`,
    `CREATE TABLE transactions (
       txn_id TEXT PRIMARY KEY,
       network_id TEXT NOT NULL,
       order_id TEXT NOT NULL,
       click_id TEXT,
       offer_id TEXT,
       status TEXT NOT NULL,
       reject_reason TEXT,
       currency TEXT NOT NULL,
       sale_amount_minor INTEGER NOT NULL,
       commission_minor INTEGER NOT NULL,
       cashback_minor INTEGER NOT NULL,
       rate_bps INTEGER NOT NULL,
       category TEXT,
       clicked_at_ms INTEGER,
       converted_at_ms INTEGER NOT NULL,
       expected_confirm_at_ms INTEGER,
       confirmed_at_ms INTEGER,
       version INTEGER NOT NULL,
       created_at_ms INTEGER NOT NULL,
       updated_at_ms INTEGER NOT NULL,
       UNIQUE (network_id, order_id)
     )`,
    `CREATE TABLE txn_history (
       id INTEGER PRIMARY KEY AUTOINCREMENT,
       txn_id TEXT NOT NULL,
       event TEXT NOT NULL,
       source TEXT NOT NULL,
       detail TEXT,
       at_ms INTEGER NOT NULL
     )`,
    `CREATE INDEX txn_history_txn_idx ON txn_history (txn_id)`,
    `CREATE TABLE schedule (
       kind TEXT NOT NULL,
       ref TEXT NOT NULL,
       due_at_ms INTEGER NOT NULL,
       PRIMARY KEY (kind, ref)
     )`,
    `CREATE INDEX schedule_due_idx ON schedule (due_at_ms)`,
    `CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL)`,
  ],
  // 2: finding the open rollup chunk must not scan the chunk history.
  [`CREATE INDEX rollup_chunks_open_idx ON rollup_chunks (chunk_id) WHERE acked = 0`],
  // 3: transactions move by target position (ledger/position.ts): the latest network state, what
  // the ledger holds for each, and the click-time terms kept for recomputation.
  [
    `ALTER TABLE transactions ADD COLUMN network_status TEXT NOT NULL DEFAULT 'pending'`,
    `ALTER TABLE transactions ADD COLUMN network_updated_at_ms INTEGER NOT NULL DEFAULT 0`,
    `ALTER TABLE transactions ADD COLUMN window_elapsed INTEGER NOT NULL DEFAULT 0`,
    `ALTER TABLE transactions ADD COLUMN held_pending_minor INTEGER NOT NULL DEFAULT 0`,
    `ALTER TABLE transactions ADD COLUMN held_confirmed_minor INTEGER NOT NULL DEFAULT 0`,
    `ALTER TABLE transactions ADD COLUMN line_items_json TEXT`,
    `ALTER TABLE transactions ADD COLUMN terms_json TEXT`,
    `UPDATE transactions SET
       network_status = CASE status WHEN 'cancelled' THEN 'cancelled' ELSE 'pending' END,
       network_updated_at_ms = updated_at_ms,
       window_elapsed = CASE status WHEN 'confirmed' THEN 1 ELSE 0 END,
       held_pending_minor = CASE status WHEN 'pending' THEN cashback_minor ELSE 0 END,
       held_confirmed_minor = CASE status WHEN 'confirmed' THEN cashback_minor ELSE 0 END,
       terms_json = (SELECT c.terms_json FROM clicks c WHERE c.click_id = transactions.click_id)`,
  ],
  // 4: missing-cashback claims (claims/).
  [
    `CREATE TABLE claims (
       claim_id TEXT PRIMARY KEY,
       click_id TEXT NOT NULL,
       offer_id TEXT NOT NULL,
       network_id TEXT NOT NULL,
       order_id TEXT NOT NULL,
       amount_minor INTEGER NOT NULL,
       currency TEXT NOT NULL,
       purchased_at_ms INTEGER NOT NULL,
       status TEXT NOT NULL,
       txn_id TEXT,
       created_at_ms INTEGER NOT NULL,
       updated_at_ms INTEGER NOT NULL,
       review_due_at_ms INTEGER NOT NULL
     )`,
    `CREATE INDEX claims_order_idx ON claims (network_id, order_id)`,
  ],
  // 5: campaign boosts (boosts/boosts.ts): frozen into clicks, and per transaction what each boost
  // earns and what its campaign's budget granted.
  [
    `ALTER TABLE clicks ADD COLUMN boosts_json TEXT`,
    `ALTER TABLE transactions ADD COLUMN boosts_json TEXT`,
    `ALTER TABLE transactions ADD COLUMN desired_boost_minor INTEGER NOT NULL DEFAULT 0`,
    `ALTER TABLE transactions ADD COLUMN granted_boost_minor INTEGER NOT NULL DEFAULT 0`,
  ],
  // 6: payouts (payouts/lifecycle/decide-payout.ts): money reserved for a payout, then paid out or credited back.
  [
    `CREATE TABLE payouts (
       payout_id TEXT PRIMARY KEY,
       currency TEXT NOT NULL,
       amount_minor INTEGER NOT NULL,
       status TEXT NOT NULL,
       created_at_ms INTEGER NOT NULL,
       updated_at_ms INTEGER NOT NULL
     )`,
  ],
  // 7: redemptions (payout-store.ts): destinations sealed at rest, the payout's destination
  // snapshot and processing state, processor events seen, step-up challenges, devices; outbox
  // rows name their queue, so a dispatch request commits with the reservation that causes it.
  [
    `CREATE TABLE destinations (
       destination_id TEXT PRIMARY KEY,
       type TEXT NOT NULL,
       label TEXT,
       sealed_details TEXT NOT NULL,
       masked TEXT NOT NULL,
       status TEXT NOT NULL,
       usable_from_ms INTEGER NOT NULL,
       created_at_ms INTEGER NOT NULL,
       updated_at_ms INTEGER NOT NULL
     )`,
    `ALTER TABLE payouts ADD COLUMN request_hash TEXT`,
    `ALTER TABLE payouts ADD COLUMN destination_id TEXT`,
    `ALTER TABLE payouts ADD COLUMN destination_type TEXT`,
    `ALTER TABLE payouts ADD COLUMN destination_masked TEXT`,
    `ALTER TABLE payouts ADD COLUMN sealed_destination TEXT`,
    `ALTER TABLE payouts ADD COLUMN hold_reason TEXT`,
    `ALTER TABLE payouts ADD COLUMN failure_code TEXT`,
    `ALTER TABLE payouts ADD COLUMN attention TEXT`,
    `ALTER TABLE payouts ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0`,
    `ALTER TABLE payouts ADD COLUMN processor_id TEXT`,
    `ALTER TABLE payouts ADD COLUMN processor_ref TEXT`,
    `ALTER TABLE payouts ADD COLUMN last_error TEXT`,
    `ALTER TABLE payouts ADD COLUMN paid_at_ms INTEGER`,
    `ALTER TABLE payouts ADD COLUMN version INTEGER NOT NULL DEFAULT 1`,
    // Payouts reserved before redemptions existed had no destination: an operator decides.
    `UPDATE payouts SET status = CASE status WHEN 'reserved' THEN 'stuck' ELSE status END,
       paid_at_ms = CASE status WHEN 'paid' THEN updated_at_ms ELSE NULL END`,
    `CREATE TABLE payout_log (
       id INTEGER PRIMARY KEY AUTOINCREMENT,
       payout_id TEXT NOT NULL,
       event TEXT NOT NULL,
       detail TEXT,
       at_ms INTEGER NOT NULL
     )`,
    `CREATE INDEX payout_log_payout_idx ON payout_log (payout_id)`,
    `CREATE TABLE processor_events (event_id TEXT PRIMARY KEY, payout_id TEXT NOT NULL, at_ms INTEGER NOT NULL)`,
    `CREATE TABLE step_up_challenges (
       challenge_id TEXT PRIMARY KEY,
       purpose TEXT NOT NULL,
       salt TEXT NOT NULL,
       code_hash TEXT NOT NULL,
       expires_at_ms INTEGER NOT NULL,
       attempts INTEGER NOT NULL,
       consumed_by TEXT,
       created_at_ms INTEGER NOT NULL
     )`,
    `CREATE TABLE devices (
       device_hash TEXT PRIMARY KEY,
       first_seen_at_ms INTEGER NOT NULL,
       last_seen_at_ms INTEGER NOT NULL
     )`,
    `ALTER TABLE outbox ADD COLUMN queue TEXT NOT NULL DEFAULT 'ledger_events'`,
  ],
  // 8: abuse limits: repeated clicks counted, not stored (clicks/click-repeats.ts); destination
  // adds and removes logged for the daily cap (payouts/destinations/change-cap.ts).
  [
    `ALTER TABLE clicks ADD COLUMN hit_id TEXT`,
    `CREATE TABLE click_repeats (
       rollup_chunk INTEGER NOT NULL DEFAULT 0,
       offer_id TEXT NOT NULL,
       day TEXT NOT NULL,
       hits INTEGER NOT NULL,
       PRIMARY KEY (rollup_chunk, offer_id, day)
     )`,
    `CREATE TABLE destination_changes (
       id INTEGER PRIMARY KEY AUTOINCREMENT,
       destination_id TEXT NOT NULL,
       change TEXT NOT NULL,
       at_ms INTEGER NOT NULL
     )`,
    `CREATE INDEX destination_changes_time_idx ON destination_changes (at_ms)`,
    `CREATE INDEX claims_created_idx ON claims (created_at_ms)`,
  ],
  // 9: confirmation policies (conversions/confirmation-policy.ts), frozen into clicks and kept
  // per transaction with the end of its return window (the expected date now follows the
  // policy, so it can no longer stand for the window). Older rows keep today's behaviour.
  [
    `ALTER TABLE clicks ADD COLUMN confirmation_policy TEXT`,
    `ALTER TABLE transactions ADD COLUMN confirmation_policy TEXT NOT NULL DEFAULT 'return_window'`,
    `ALTER TABLE transactions ADD COLUMN window_ends_at_ms INTEGER`,
    `UPDATE transactions SET window_ends_at_ms = expected_confirm_at_ms`,
  ],
  // 10: destinations keep a keyed digest of the request that saved them (a repeated add is
  // compared inside the transaction), and a removed destination's details are erased once its
  // last payout is final (payouts/destinations/erase-details.ts). Destinations removed before
  // this step with nothing in flight are erased now, with the copies their final payouts kept.
  [
    `ALTER TABLE destinations ADD COLUMN request_digest TEXT`,
    `ALTER TABLE destinations ADD COLUMN erased_at_ms INTEGER`,
    `CREATE INDEX payouts_destination_idx ON payouts (destination_id, status)`,
    `UPDATE destinations SET sealed_details = '', erased_at_ms = updated_at_ms
     WHERE status = 'removed' AND destination_id NOT IN (
       SELECT destination_id FROM payouts WHERE destination_id IS NOT NULL
         AND status NOT IN ('paid', 'failed', 'cancelled'))`,
    `UPDATE payouts SET sealed_destination = NULL
     WHERE status IN ('paid', 'failed', 'cancelled') AND destination_id IN (
       SELECT destination_id FROM destinations WHERE erased_at_ms IS NOT NULL)`,
  ],
  // 11: which merchant was clicked, and replay ordering (conversions/decide-binding.ts,
  // decide-conversion.ts): the clicked offer's network reference, and whether a transaction's
  // network time is the network's own (0: only the receipt time was known). Rows written before
  // keep today's ordering (1).
  [
    `ALTER TABLE clicks ADD COLUMN network_offer_ref TEXT`,
    `ALTER TABLE transactions ADD COLUMN network_time_known INTEGER NOT NULL DEFAULT 1`,
  ],
  // 12: a transaction's entries, for the console's timeline of it (ledger-store.ts
  // listEntriesOfTxn), without a scan of the whole ledger.
  [`CREATE INDEX entries_txn_idx ON entries (txn_id) WHERE txn_id IS NOT NULL`],
  // 13: an operator's decision on a missing-cashback claim (claims/claims.ts decideClaim):
  // why, who and when, kept on the claim so its admin view (and so the audit log) shows it.
  [
    `ALTER TABLE claims ADD COLUMN decision_reason TEXT`,
    `ALTER TABLE claims ADD COLUMN decided_by TEXT`,
    `ALTER TABLE claims ADD COLUMN decided_at_ms INTEGER`,
  ],
  // 14: first-party events (events/): the inbox, idempotent on the sender's event id with the
  // digest that tells a repeat from a conflict; and the user's contact details from
  // `user.signed_up`, sealed like destinations, with a masked copy for operators.
  [
    `CREATE TABLE events (
       event_id TEXT PRIMARY KEY,
       type TEXT NOT NULL,
       digest TEXT NOT NULL,
       occurred_at_ms INTEGER NOT NULL,
       received_at_ms INTEGER NOT NULL,
       key_name TEXT NOT NULL,
       data_json TEXT NOT NULL,
       status TEXT NOT NULL CHECK (status IN ('received', 'waiting', 'processed')),
       outcome_json TEXT,
       processed_at_ms INTEGER
     )`,
    `CREATE INDEX events_unprocessed_idx ON events (occurred_at_ms, event_id)
       WHERE status != 'processed'`,
    `CREATE INDEX events_time_idx ON events (occurred_at_ms, event_id)`,
    `CREATE INDEX events_type_time_idx ON events (type, occurred_at_ms)`,
    `CREATE TABLE contact (
       id INTEGER PRIMARY KEY CHECK (id = 1),
       sealed TEXT NOT NULL,
       masked_json TEXT NOT NULL,
       updated_at_ms INTEGER NOT NULL
     )`,
    `CREATE TABLE contact_reveals (
       id INTEGER PRIMARY KEY AUTOINCREMENT,
       revealed_by TEXT NOT NULL,
       reason TEXT NOT NULL,
       at_ms INTEGER NOT NULL
     )`,
  ],
  // 15: loyalty points (points/) and tiers (tiers/). A lot per earn, idempotent on (source type,
  // source id, rule id), with where its points are now; every draw on a lot (spends, rollbacks,
  // debt repayments) names the lot; partial indexes find what is due without a scan.
  [
    `CREATE TABLE points_lots (
       lot_seq INTEGER PRIMARY KEY AUTOINCREMENT,
       lot_id TEXT NOT NULL UNIQUE,
       source_type TEXT NOT NULL,
       source_id TEXT NOT NULL,
       rule_id TEXT NOT NULL,
       rule_version INTEGER NOT NULL,
       earn_key TEXT NOT NULL,
       points_earned INTEGER NOT NULL,
       remaining INTEGER NOT NULL,
       spent INTEGER NOT NULL DEFAULT 0,
       expired INTEGER NOT NULL DEFAULT 0,
       reversed INTEGER NOT NULL DEFAULT 0,
       earned_at_ms INTEGER NOT NULL,
       pending_until_ms INTEGER,
       activated_at_ms INTEGER,
       expires_at_ms INTEGER,
       validity_json TEXT NOT NULL,
       time_zone TEXT NOT NULL,
       notice_sent_days INTEGER,
       next_notice_at_ms INTEGER,
       UNIQUE (source_type, source_id, rule_id)
     )`,
    `CREATE INDEX points_lots_pending_idx ON points_lots (pending_until_ms) WHERE activated_at_ms IS NULL`,
    `CREATE INDEX points_lots_due_idx ON points_lots (expires_at_ms) WHERE remaining > 0`,
    `CREATE INDEX points_lots_spend_idx ON points_lots (expires_at_ms, lot_seq)
       WHERE remaining > 0 AND activated_at_ms IS NOT NULL`,
    `CREATE INDEX points_lots_notice_idx ON points_lots (next_notice_at_ms)
       WHERE next_notice_at_ms IS NOT NULL`,
    `CREATE TABLE points_draws (
       id INTEGER PRIMARY KEY AUTOINCREMENT,
       draw_id TEXT NOT NULL,
       kind TEXT NOT NULL,
       lot_id TEXT NOT NULL,
       points INTEGER NOT NULL,
       place TEXT NOT NULL,
       ref TEXT,
       at_ms INTEGER NOT NULL
     )`,
    `CREATE INDEX points_draws_draw_idx ON points_draws (draw_id)`,
    `CREATE INDEX points_draws_lot_idx ON points_draws (lot_id)`,
    `CREATE INDEX points_draws_ref_idx ON points_draws (ref) WHERE ref IS NOT NULL`,
    `CREATE TABLE points_spends (
       spend_id TEXT PRIMARY KEY,
       kind TEXT NOT NULL,
       points INTEGER NOT NULL,
       currency TEXT,
       amount_minor INTEGER NOT NULL DEFAULT 0,
       voucher_pool TEXT,
       voucher_code TEXT,
       at_ms INTEGER NOT NULL,
       UNIQUE (voucher_pool, voucher_code)
     )`,
    `CREATE TABLE points_rollbacks (
       rollback_key TEXT PRIMARY KEY,
       source_type TEXT NOT NULL,
       source_id TEXT NOT NULL,
       fraction TEXT NOT NULL,
       target_points INTEGER NOT NULL,
       debt_points INTEGER NOT NULL,
       debt_outstanding INTEGER NOT NULL,
       at_ms INTEGER NOT NULL,
       restored_at_ms INTEGER
     )`,
    `CREATE INDEX points_rollbacks_source_idx ON points_rollbacks (source_type, source_id)`,
    `CREATE INDEX points_rollbacks_debt_idx ON points_rollbacks (at_ms) WHERE debt_outstanding > 0`,
    `CREATE TABLE points_sources (
       source_type TEXT NOT NULL,
       source_id TEXT NOT NULL,
       confirmed_at_ms INTEGER NOT NULL,
       PRIMARY KEY (source_type, source_id)
     )`,
    `CREATE TABLE tier_spend (
       source_type TEXT NOT NULL,
       source_id TEXT NOT NULL,
       at_ms INTEGER NOT NULL,
       amount_minor INTEGER NOT NULL,
       updated_at_ms INTEGER NOT NULL,
       PRIMARY KEY (source_type, source_id)
     )`,
    `CREATE INDEX tier_spend_time_idx ON tier_spend (at_ms)`,
    `CREATE TABLE tier_state (
       id INTEGER PRIMARY KEY CHECK (id = 1),
       tier TEXT NOT NULL,
       grace_ends_at_ms INTEGER,
       kept_until_ms INTEGER,
       qualifying_minor INTEGER NOT NULL,
       policy_json TEXT NOT NULL,
       updated_at_ms INTEGER NOT NULL
     )`,
    `CREATE TABLE tier_history (
       id INTEGER PRIMARY KEY AUTOINCREMENT,
       from_tier TEXT,
       to_tier TEXT NOT NULL,
       reason TEXT NOT NULL,
       qualifying_minor INTEGER NOT NULL,
       at_ms INTEGER NOT NULL
     )`,
    // The member's points history is the ledger's points entries, newest first.
    `CREATE INDEX entries_points_idx ON entries (seq) WHERE currency = 'points'`,
  ],
  // 16: rewards of first-party events (events/rewards.ts). Every ledger entry a rule produced
  // names the rule and its version. One row per (event, rule, unit) reward: what the rule
  // asked, what its budgets granted (the two-step grant of events/grant-sync.ts: `seq` ahead
  // of `synced_seq` while a request to the budget objects is owed), what was posted and what
  // refunds and chargebacks took back since; one row per take, so a restore gives back
  // exactly what one chargeback took.
  [
    `ALTER TABLE entries ADD COLUMN rule_id TEXT`,
    `ALTER TABLE entries ADD COLUMN rule_version INTEGER`,
    `CREATE TABLE event_rewards (
       reward_key TEXT PRIMARY KEY,
       event_id TEXT NOT NULL,
       rule_id TEXT NOT NULL,
       rule_version INTEGER NOT NULL,
       unit TEXT NOT NULL,
       asked INTEGER NOT NULL,
       desired INTEGER NOT NULL,
       granted INTEGER,
       posted INTEGER NOT NULL DEFAULT 0,
       taken INTEGER NOT NULL DEFAULT 0,
       budgets_json TEXT NOT NULL,
       seq INTEGER NOT NULL,
       synced_seq INTEGER NOT NULL,
       created_at_ms INTEGER NOT NULL,
       updated_at_ms INTEGER NOT NULL
     )`,
    `CREATE INDEX event_rewards_event_idx ON event_rewards (event_id)`,
    `CREATE INDEX event_rewards_owed_idx ON event_rewards (event_id) WHERE seq != synced_seq`,
    `CREATE TABLE event_reward_takes (
       take_key TEXT PRIMARY KEY,
       reward_key TEXT NOT NULL,
       cause_event_id TEXT NOT NULL,
       amount INTEGER NOT NULL,
       debt INTEGER NOT NULL,
       at_ms INTEGER NOT NULL,
       restored_at_ms INTEGER
     )`,
    `CREATE INDEX event_reward_takes_cause_idx ON event_reward_takes (cause_event_id)`,
  ],
  // 17: the referral of this wallet's user as a referee (referrals/): who referred them, how
  // (code, token, probabilistic) and its state; at most one, as a user is referred at most
  // once. Every move of its state is kept with its reason code and the event that caused it.
  [
    `CREATE TABLE referrals (
       referral_id TEXT PRIMARY KEY,
       program_id TEXT NOT NULL,
       referrer_id TEXT NOT NULL,
       referee_id TEXT NOT NULL UNIQUE,
       method TEXT NOT NULL,
       click_id TEXT,
       state TEXT NOT NULL,
       reason TEXT NOT NULL,
       referee_name_masked TEXT,
       signup_event_id TEXT NOT NULL,
       attributed_at_ms INTEGER NOT NULL,
       updated_at_ms INTEGER NOT NULL,
       version INTEGER NOT NULL
     )`,
    `CREATE TABLE referral_history (
       id INTEGER PRIMARY KEY AUTOINCREMENT,
       referral_id TEXT NOT NULL,
       from_state TEXT,
       state TEXT NOT NULL,
       reason TEXT NOT NULL,
       event_id TEXT,
       at_ms INTEGER NOT NULL
     )`,
    `CREATE INDEX referral_history_referral_idx ON referral_history (referral_id, id)`,
  ],
  // 18: what a qualified referral owes each party (referrals/referral-rewards.ts), in the
  // referee's wallet: the referee's reward is posted in the qualifying transaction; the
  // referrer's is owed until the referrer's wallet acknowledged it (`delivered`).
  [
    `CREATE TABLE referral_rewards (
       referral_id TEXT NOT NULL,
       party TEXT NOT NULL,
       referrer_id TEXT NOT NULL,
       rule_id TEXT NOT NULL,
       rule_version INTEGER NOT NULL,
       event_id TEXT NOT NULL,
       unit TEXT NOT NULL,
       amount INTEGER NOT NULL,
       status TEXT NOT NULL,
       attempts INTEGER NOT NULL DEFAULT 0,
       updated_at_ms INTEGER NOT NULL,
       PRIMARY KEY (referral_id, party)
     )`,
  ],
  // 19: money after qualification (referrals/referral-money.ts, party-operations.ts). In the
  // referee's wallet: the campaign's terms of each qualified referral (when the bonuses may be
  // confirmed, what a partial refund does), what the referee's view says each party still
  // holds (`taken`), and the referrer's operations waiting for delivery (credit is
  // referral_rewards; confirm, reverse and restore are here, delivered in `seq` order). In
  // whichever wallet holds a party's bonus: that bonus (credited, taken back, confirmed) and
  // every take, so a restore gives back exactly what its chargeback took. Credits made before
  // this step are backfilled from the ledger (money) and the lots (points).
  [
    `CREATE TABLE referral_terms (
       referral_id TEXT PRIMARY KEY,
       rule_id TEXT NOT NULL,
       rule_version INTEGER NOT NULL,
       event_id TEXT NOT NULL,
       min_account_age_days INTEGER NOT NULL,
       await_event_confirmation INTEGER NOT NULL,
       partial_refund TEXT NOT NULL,
       confirmed_at_ms INTEGER
     )`,
    `ALTER TABLE referral_rewards ADD COLUMN taken INTEGER NOT NULL DEFAULT 0`,
    `CREATE TABLE referrer_ops (
       seq INTEGER PRIMARY KEY AUTOINCREMENT,
       op_key TEXT NOT NULL UNIQUE,
       referral_id TEXT NOT NULL,
       referrer_id TEXT NOT NULL,
       kind TEXT NOT NULL,
       cause_event_id TEXT,
       take_of_event_id TEXT,
       fraction_num INTEGER,
       fraction_den INTEGER,
       amount INTEGER,
       status TEXT NOT NULL,
       attempts INTEGER NOT NULL DEFAULT 0,
       updated_at_ms INTEGER NOT NULL
     )`,
    `CREATE INDEX referrer_ops_owed_idx ON referrer_ops (referral_id, status, seq)`,
    `CREATE TABLE referral_party_money (
       referral_id TEXT NOT NULL,
       party TEXT NOT NULL,
       unit TEXT NOT NULL,
       rule_id TEXT NOT NULL,
       rule_version INTEGER NOT NULL,
       credited INTEGER NOT NULL,
       taken INTEGER NOT NULL DEFAULT 0,
       confirmed_at_ms INTEGER,
       updated_at_ms INTEGER NOT NULL,
       PRIMARY KEY (referral_id, party)
     )`,
    `CREATE TABLE referral_party_takes (
       referral_id TEXT NOT NULL,
       party TEXT NOT NULL,
       cause_event_id TEXT NOT NULL,
       from_bucket TEXT NOT NULL,
       taken INTEGER NOT NULL,
       debt INTEGER NOT NULL,
       at_ms INTEGER NOT NULL,
       restored_at_ms INTEGER,
       PRIMARY KEY (referral_id, party, cause_event_id)
     )`,
    // Backfill: a money credit is the posting `referral:<id>:<party>` (one referral_bonus leg).
    `INSERT OR IGNORE INTO referral_party_money (referral_id, party, unit, rule_id, rule_version,
       credited, updated_at_ms)
     SELECT substr(posting_key, 10, length(posting_key) - 9 - length(
              CASE WHEN posting_key LIKE '%:referee' THEN ':referee' ELSE ':referrer' END)),
            CASE WHEN posting_key LIKE '%:referee' THEN 'referee' ELSE 'referrer' END,
            currency, COALESCE(rule_id, ''), COALESCE(rule_version, 0), amount_minor, created_at_ms
     FROM entries
     WHERE kind = 'referral_bonus' AND bucket = 'referral_bonus'
       AND (posting_key LIKE 'referral:%:referee' OR posting_key LIKE 'referral:%:referrer')`,
    // Points: a lot of source type `referral`, source id `<id>:<party>`.
    `INSERT OR IGNORE INTO referral_party_money (referral_id, party, unit, rule_id, rule_version,
       credited, updated_at_ms)
     SELECT substr(source_id, 1, length(source_id) - length(
              CASE WHEN source_id LIKE '%:referee' THEN ':referee' ELSE ':referrer' END)),
            CASE WHEN source_id LIKE '%:referee' THEN 'referee' ELSE 'referrer' END,
            'points', rule_id, rule_version, points_earned, earned_at_ms
     FROM points_lots WHERE source_type = 'referral'`,
  ],
  // 20: campaign terms (referrals/referrer-credit.ts): the campaign (rule id + version) a
  // referral qualified under, on the referral and the history move it caused; the referrer's
  // cap and tiers kept with the owed reward; and, in the REFERRER's wallet, one row per
  // referral it was asked to credit (credited with the tier's reward, or capped), which the
  // monthly cap and the nth-referral tiers count.
  [
    `ALTER TABLE referrals ADD COLUMN rule_id TEXT`,
    `ALTER TABLE referrals ADD COLUMN rule_version INTEGER`,
    `ALTER TABLE referral_history ADD COLUMN rule_id TEXT`,
    `ALTER TABLE referral_history ADD COLUMN rule_version INTEGER`,
    `ALTER TABLE referral_rewards ADD COLUMN referrer_terms TEXT`,
    `CREATE TABLE referrer_credits (
       referral_id TEXT PRIMARY KEY,
       rule_id TEXT NOT NULL,
       month TEXT NOT NULL,
       outcome TEXT NOT NULL,
       nth INTEGER,
       unit TEXT,
       amount INTEGER,
       at_ms INTEGER NOT NULL
     )`,
    `CREATE INDEX referrer_credits_rule_idx ON referrer_credits (rule_id, outcome, month)`,
  ],
  // 21: fraud holds (referrals/referral-risk.ts): the referral's score at attribution, whether
  // it is held at qualification and the auto-approve delay then in force; each signal that
  // fired; and who decided a move and why (an operator's approve or reject, a ban).
  [
    `ALTER TABLE referrals ADD COLUMN risk_score INTEGER NOT NULL DEFAULT 0`,
    `ALTER TABLE referrals ADD COLUMN risk_hold INTEGER NOT NULL DEFAULT 0`,
    `ALTER TABLE referrals ADD COLUMN auto_approve_after_hours INTEGER`,
    `ALTER TABLE referrals ADD COLUMN hold_reasons TEXT NOT NULL DEFAULT '[]'`,
    `ALTER TABLE referral_history ADD COLUMN actor TEXT`,
    `ALTER TABLE referral_history ADD COLUMN note TEXT`,
    // An accepted event's fraud identifiers (keyed hashes) and list flags, beside the event
    // rather than in its data, which keeps what the sender sent (events.ts prepareEvents).
    `CREATE TABLE event_risk (
       event_id TEXT PRIMARY KEY,
       ids_json TEXT NOT NULL,
       flags_json TEXT NOT NULL
     )`,
    `CREATE TABLE referral_signals (
       referral_id TEXT NOT NULL,
       code TEXT NOT NULL,
       weight INTEGER NOT NULL,
       reason TEXT NOT NULL,
       PRIMARY KEY (referral_id, code)
     )`,
  ],
  // 22: the end of a referral's qualification window (the program's `qualification.windowDays`
  // at attribution; referrals/referral-expiry.ts); null: no window.
  [`ALTER TABLE referrals ADD COLUMN qualify_by_ms INTEGER`],
  // 23: risk holds (holds/hold-store.ts; docs/fraud.md "Holds"): what a fraud rule, the
  // scoring fail-safe or a marked click holds — the user's payouts, a transaction, a referral,
  // a step-up — with why, and how it ended.
  [
    `CREATE TABLE risk_holds (
       hold_id TEXT PRIMARY KEY,
       kind TEXT NOT NULL,
       subject_ref TEXT,
       reasons_json TEXT NOT NULL,
       source TEXT NOT NULL,
       rule_id TEXT,
       rule_version INTEGER,
       auto_release_at_ms INTEGER,
       status TEXT NOT NULL,
       placed_at_ms INTEGER NOT NULL,
       ended_at_ms INTEGER,
       ended_how TEXT,
       decided_by TEXT,
       decision_note TEXT,
       label TEXT
     )`,
    `CREATE INDEX risk_holds_active_idx ON risk_holds (status, kind, subject_ref)`,
    `CREATE INDEX risk_holds_release_idx ON risk_holds (status, auto_release_at_ms)`,
  ],
  // 24: rule budgets on the referrer's reward (referrals/referrer-budget.ts), in the REFERRER's
  // wallet: the reward's value before its budgets (`asked`), what they should hold now
  // (`desired`: the grant, then what the referrer still has after reversals) and the requests
  // to them (events/decide-grant.ts); null columns: the reward draws on no budget. Outcomes
  // `awaiting_budget` (asked, not answered yet; counts toward the cap and tiers) and
  // `budget_exhausted` (the budgets granted nothing).
  [
    `ALTER TABLE referrer_credits ADD COLUMN asked INTEGER`,
    `ALTER TABLE referrer_credits ADD COLUMN desired INTEGER`,
    `ALTER TABLE referrer_credits ADD COLUMN budgets_json TEXT`,
  ],
  // 25: click quality (shared/fraud/click-quality.ts; docs/fraud.md "Click quality"): the edge's
  // verdict kept with the click — `bot` marks a click that never attributes (its conversion is
  // held for review), `quality_reasons` the reasons (JSON array; null: none). Older clicks are
  // clean.
  [
    `ALTER TABLE clicks ADD COLUMN bot INTEGER NOT NULL DEFAULT 0`,
    `ALTER TABLE clicks ADD COLUMN quality_reasons TEXT`,
  ],
  // 26: rule budgets on the referee's reward (referrals/referee-budget.ts), in the referee's
  // wallet, on its `referral_rewards` row: why the row is in its status (`reason`:
  // `awaiting_referral_budget`, `referral_budget_exhausted`, the referrer's cap), the reward's
  // value before its budgets (`asked`), what they should hold now (`desired`) and the requests
  // to them (events/decide-grant.ts); null: the reward draws on no budget.
  [
    `ALTER TABLE referral_rewards ADD COLUMN reason TEXT`,
    `ALTER TABLE referral_rewards ADD COLUMN asked INTEGER`,
    `ALTER TABLE referral_rewards ADD COLUMN desired INTEGER`,
    `ALTER TABLE referral_rewards ADD COLUMN budgets_json TEXT`,
  ],
  // 27: risk holds for the review queue (holds/hold-store.ts; docs/fraud.md "Review"): each
  // write raises `version` (the D1 projection keeps the newest) and an operator's decision keeps
  // the user's score and reasons at that moment (`decision_signals_json`; null: none or
  // scoring was down). Existing holds start at version 1.
  [
    `ALTER TABLE risk_holds ADD COLUMN version INTEGER NOT NULL DEFAULT 1`,
    `ALTER TABLE risk_holds ADD COLUMN decision_signals_json TEXT`,
  ],
  // 28: the signup's identity-link hashes (shared/fraud/identity-links.ts; keyed hashes, never
  // values), kept beside the event so the referral its processing attributes is reported to
  // the risk object with them (referrals/referral-observation.ts; docs/fraud.md "Signals").
  [
    `CREATE TABLE event_links (
       event_id TEXT PRIMARY KEY,
       identifiers_json TEXT NOT NULL
     )`,
  ],
  // 29: links kept before their prune existed are pruned too (referrals/referral-observation.ts
  // pruneEventLinks): the prune is due at once where any is stored, and reschedules itself.
  [
    `INSERT INTO schedule (kind, ref, due_at_ms)
     SELECT 'prune_event_links', 'links', 0 WHERE EXISTS (SELECT 1 FROM event_links)
     ON CONFLICT (kind, ref) DO NOTHING`,
  ],
  // 30: what the wallet knows of the user's recent activity, put on a redemption's risk
  // observation because the risk queue may not have delivered it yet (risk/known-activity.ts;
  // docs/fraud.md "Behaviour signals"): the devices the user signed in from (the keyed device
  // hash of each sign-in event, first seen), and the newest destination change and profile
  // change. Wallets start knowing none: the first device after this step is not "new".
  [
    `CREATE TABLE sign_in_devices (
       device_hash TEXT PRIMARY KEY,
       first_seen_ms INTEGER NOT NULL
     )`,
    `CREATE INDEX sign_in_devices_seen_idx ON sign_in_devices (first_seen_ms)`,
    `CREATE TABLE known_activity (
       kind TEXT PRIMARY KEY,
       last_at_ms INTEGER NOT NULL
     )`,
  ],
  // 31: where the user's notifications go (notify/notify-addresses.ts; docs/notifications.md
  // "Channels"). Web Push subscriptions (at most 10), each sealed whole (endpoint and keys are
  // capabilities) under the destinations' key ring, found again by the endpoint's SHA-256;
  // `origin` is the push service's origin (not personal: shown to the user). The contact
  // channels the user set for notifications (e-mail, phone): one sealed row, masked beside it.
  [
    `CREATE TABLE push_subscriptions (
       id TEXT PRIMARY KEY,
       endpoint_digest TEXT NOT NULL UNIQUE,
       origin TEXT NOT NULL,
       sealed TEXT NOT NULL,
       created_at_ms INTEGER NOT NULL
     )`,
    `CREATE TABLE notification_contacts (
       id INTEGER PRIMARY KEY CHECK (id = 1),
       sealed TEXT NOT NULL,
       masked_json TEXT NOT NULL,
       updated_at_ms INTEGER NOT NULL
     )`,
  ],
  // 32: the ledger's hash chain (ledger/chain-store.ts; docs/ledger.md "Tamper evidence"):
  // each entry's hash, the head in meta (`chain_head`). A wallet with entries from before is
  // sealed in chunks: `chain_sealing` marks it until the sealer (on wake, then the schedule's
  // `chain_seal`, continued by alarm) has hashed every row.
  [
    `ALTER TABLE entries ADD COLUMN hash TEXT`,
    `INSERT INTO meta (key, value) SELECT 'chain_sealing', '1' WHERE EXISTS (SELECT 1 FROM entries)`,
    `INSERT INTO schedule (kind, ref, due_at_ms)
     SELECT 'chain_seal', 'entries', 0 WHERE EXISTS (SELECT 1 FROM entries)
     ON CONFLICT (kind, ref) DO NOTHING`,
  ],
  // 33: the entries' index on `posting_key` goes: its one reader, a posting's idempotency
  // check, finds the posting's entries through the UNIQUE `idempotency_key` (key + "#" + leg),
  // ledger-store.ts `findPostingEntries`; one index write less per entry. Dropping an index
  // changes no row, so a stored wallet keeps every entry, hash and chain head as they were.
  [`DROP INDEX IF EXISTS entries_posting_idx`],
];

export function applySchema(storage: DurableObjectStorage): void {
  applyVersionedSchema(storage, "wallet", STEPS);
}
