CREATE TABLE `referral_referrers` (
	`referral_id` text PRIMARY KEY NOT NULL,
	`referrer_id` text NOT NULL,
	`referee_id` text NOT NULL,
	`attributed_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `referral_referrers_referrer_idx` ON `referral_referrers` (`referrer_id`,`attributed_at_ms`,`referral_id`);--> statement-breakpoint
-- Every referral already projected (the referrals table was in one database until now).
INSERT OR IGNORE INTO `referral_referrers` (`referral_id`, `referrer_id`, `referee_id`, `attributed_at_ms`)
SELECT `referral_id`, `referrer_id`, `referee_id`, `attributed_at_ms` FROM `referrals`;
