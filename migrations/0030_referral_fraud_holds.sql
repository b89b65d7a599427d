CREATE TABLE `referral_identifiers` (
	`kind` text NOT NULL,
	`hash` text NOT NULL,
	`user_id` text NOT NULL,
	`seen_at_ms` integer NOT NULL,
	PRIMARY KEY(`hash`, `kind`, `user_id`)
);
--> statement-breakpoint
CREATE TABLE `referral_referrer_bans` (
	`user_id` text PRIMARY KEY NOT NULL,
	`reason` text NOT NULL,
	`banned_by` text NOT NULL,
	`banned_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `referral_risk_lists` (
	`list` text PRIMARY KEY NOT NULL,
	`entries` text NOT NULL,
	`version` integer NOT NULL,
	`updated_at_ms` integer NOT NULL,
	`updated_by` text NOT NULL
);
--> statement-breakpoint
ALTER TABLE `referrals` ADD `risk_score` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `referrals` ADD `hold_reasons` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
CREATE INDEX `referrals_state_idx` ON `referrals` (`state`,`attributed_at_ms`,`referral_id`);