CREATE TABLE `referrals` (
	`referral_id` text PRIMARY KEY NOT NULL,
	`program_id` text NOT NULL,
	`referrer_id` text NOT NULL,
	`referee_id` text NOT NULL,
	`state` text NOT NULL,
	`method` text NOT NULL,
	`reason` text NOT NULL,
	`referee_name_masked` text,
	`click_id` text,
	`attributed_at_ms` integer NOT NULL,
	`updated_at_ms` integer NOT NULL,
	`version` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `referrals_referee_id_unique` ON `referrals` (`referee_id`);--> statement-breakpoint
CREATE INDEX `referrals_referrer_idx` ON `referrals` (`referrer_id`,`attributed_at_ms`,`referral_id`);