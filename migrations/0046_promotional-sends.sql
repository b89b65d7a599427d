CREATE TABLE `member_segment_versions` (
	`user_id` text PRIMARY KEY NOT NULL,
	`version` integer NOT NULL,
	`updated_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `member_segments` (
	`segment` text NOT NULL,
	`user_id` text NOT NULL,
	PRIMARY KEY(`segment`, `user_id`)
);
--> statement-breakpoint
CREATE INDEX `member_segments_user_idx` ON `member_segments` (`user_id`);--> statement-breakpoint
CREATE TABLE `promo_sends` (
	`id` text PRIMARY KEY NOT NULL,
	`segment` text NOT NULL,
	`headline` text NOT NULL,
	`body` text NOT NULL,
	`url` text NOT NULL,
	`status` text NOT NULL,
	`send_at_ms` integer NOT NULL,
	`audience` integer NOT NULL,
	`step` integer DEFAULT 0 NOT NULL,
	`cursor` text,
	`enqueued` integer DEFAULT 0 NOT NULL,
	`skipped` integer DEFAULT 0 NOT NULL,
	`lease_owner` text,
	`lease_until_ms` integer,
	`created_by` text NOT NULL,
	`created_at_ms` integer NOT NULL,
	`started_at_ms` integer,
	`ended_at_ms` integer,
	`cancelled_by` text
);
--> statement-breakpoint
CREATE INDEX `promo_sends_created_idx` ON `promo_sends` (`created_at_ms`,`id`);