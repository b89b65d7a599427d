-- Payouts projected after 0056's backfill but never dispatched (held for review) had no index
-- row: the index was written at dispatch only. From now on every payout's first projection
-- writes it, so lookups by payout id no longer ask every user database; this indexes the rest
-- (every deployed configuration has one user database, so the payouts are all here).
INSERT OR IGNORE INTO `payout_owners` (`payout_id`, `user_id`, `recorded_at_ms`)
SELECT `id`, `user_id`, COALESCE(`created_at_ms`, `updated_at_ms`) FROM `payouts`;
