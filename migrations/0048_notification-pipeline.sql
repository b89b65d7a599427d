CREATE TABLE `notification_dead_letters` (
	`id` text PRIMARY KEY NOT NULL,
	`delivery_id` text NOT NULL,
	`event_id` text NOT NULL,
	`user_id` text NOT NULL,
	`type` text NOT NULL,
	`channel` text NOT NULL,
	`event` text NOT NULL,
	`error` text NOT NULL,
	`attempts` integer NOT NULL,
	`status` text NOT NULL,
	`created_at_ms` integer NOT NULL,
	`replayed_at_ms` integer,
	`replayed_by` text
);
--> statement-breakpoint
CREATE INDEX `notification_dead_letters_status_idx` ON `notification_dead_letters` (`status`,`created_at_ms`);--> statement-breakpoint
CREATE UNIQUE INDEX `notification_dead_letters_open_uq` ON `notification_dead_letters` (`delivery_id`) WHERE status = 'open';--> statement-breakpoint
CREATE TABLE `notification_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`event_id` text NOT NULL,
	`user_id` text NOT NULL,
	`type` text NOT NULL,
	`category` text NOT NULL,
	`channel` text NOT NULL,
	`state` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`reason` text,
	`provider_ref` text,
	`deliver_after_ms` integer,
	`lease_until_ms` integer,
	`created_at_ms` integer NOT NULL,
	`updated_at_ms` integer NOT NULL,
	`sent_at_ms` integer
);
--> statement-breakpoint
CREATE INDEX `notification_deliveries_user_idx` ON `notification_deliveries` (`user_id`,`created_at_ms`);--> statement-breakpoint
CREATE INDEX `notification_deliveries_event_idx` ON `notification_deliveries` (`event_id`);--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_notification_outbox` (
	`delivery_id` text PRIMARY KEY NOT NULL,
	`id` text NOT NULL,
	`channel` text DEFAULT 'webhook' NOT NULL,
	`user_id` text NOT NULL,
	`kind` text NOT NULL,
	`body` text NOT NULL,
	`message` text,
	`created_at_ms` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_notification_outbox`("delivery_id", "id", "channel", "user_id", "kind", "body", "message", "created_at_ms") SELECT "id", "id", 'webhook', "user_id", "kind", "body", NULL, "created_at_ms" FROM `notification_outbox`;--> statement-breakpoint
DROP TABLE `notification_outbox`;--> statement-breakpoint
ALTER TABLE `__new_notification_outbox` RENAME TO `notification_outbox`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `notification_outbox_user_idx` ON `notification_outbox` (`user_id`,`created_at_ms`);--> statement-breakpoint
CREATE INDEX `notification_outbox_event_idx` ON `notification_outbox` (`id`);