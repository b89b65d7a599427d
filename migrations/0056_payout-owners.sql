CREATE TABLE `payout_owners` (
	`payout_id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`recorded_at_ms` integer NOT NULL
);
--> statement-breakpoint
-- Every payout already in the directory (the payouts table, one database until now).
INSERT OR IGNORE INTO `payout_owners` (`payout_id`, `user_id`, `recorded_at_ms`)
SELECT `id`, `user_id`, `updated_at_ms` FROM `payouts`;
