CREATE TABLE `referral_clicks` (
	`click_id` text PRIMARY KEY NOT NULL,
	`code` text NOT NULL,
	`referrer_id` text NOT NULL,
	`program_id` text NOT NULL,
	`platform` text NOT NULL,
	`fingerprint` text NOT NULL,
	`clicked_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `referral_clicks_fingerprint_idx` ON `referral_clicks` (`fingerprint`,`clicked_at_ms`);--> statement-breakpoint
CREATE TABLE `referral_codes` (
	`code` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`program_id` text NOT NULL,
	`kind` text NOT NULL,
	`created_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `referral_codes_user_idx` ON `referral_codes` (`user_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `referral_codes_generated_uq` ON `referral_codes` (`user_id`,`program_id`) WHERE kind = 'generated';--> statement-breakpoint
CREATE TABLE `referral_program_versions` (
	`program_id` text NOT NULL,
	`version` integer NOT NULL,
	`settings` text NOT NULL,
	`saved_at_ms` integer NOT NULL,
	`saved_by` text NOT NULL,
	`note` text,
	PRIMARY KEY(`program_id`, `version`)
);
