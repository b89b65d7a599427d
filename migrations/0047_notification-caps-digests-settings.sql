CREATE TABLE `notification_cap_claims` (
	`user_id` text NOT NULL,
	`category` text NOT NULL,
	`event_id` text NOT NULL,
	`day_key` text NOT NULL,
	`week_key` text NOT NULL,
	`claimed_at_ms` integer NOT NULL,
	PRIMARY KEY(`user_id`, `category`, `event_id`)
);
--> statement-breakpoint
CREATE INDEX `notification_cap_claims_day_idx` ON `notification_cap_claims` (`user_id`,`category`,`day_key`);--> statement-breakpoint
CREATE INDEX `notification_cap_claims_week_idx` ON `notification_cap_claims` (`user_id`,`category`,`week_key`);--> statement-breakpoint
CREATE TABLE `notification_digest_items` (
	`user_id` text NOT NULL,
	`type` text NOT NULL,
	`event_id` text NOT NULL,
	`digest_id` text NOT NULL,
	`vars` text NOT NULL,
	`occurred_at_ms` integer NOT NULL,
	PRIMARY KEY(`user_id`, `type`, `event_id`)
);
--> statement-breakpoint
CREATE INDEX `notification_digest_items_digest_idx` ON `notification_digest_items` (`digest_id`,`occurred_at_ms`);--> statement-breakpoint
CREATE TABLE `notification_digests` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`type` text NOT NULL,
	`first_event_id` text NOT NULL,
	`item_count` integer NOT NULL,
	`opened_at_ms` integer NOT NULL,
	`flush_at_ms` integer NOT NULL,
	`flushed_at_ms` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `notification_digests_open_uq` ON `notification_digests` (`user_id`,`type`) WHERE flushed_at_ms IS NULL;--> statement-breakpoint
CREATE INDEX `notification_digests_flush_idx` ON `notification_digests` (`flushed_at_ms`,`flush_at_ms`);--> statement-breakpoint
CREATE TABLE `notification_settings` (
	`id` text PRIMARY KEY NOT NULL,
	`settings` text NOT NULL,
	`updated_at_ms` integer NOT NULL
);
