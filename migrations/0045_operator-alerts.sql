CREATE TABLE `operator_alert_deliveries` (
	`alert_id` text NOT NULL,
	`stage` text NOT NULL,
	`channel` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`updated_at_ms` integer NOT NULL,
	PRIMARY KEY(`alert_id`, `stage`, `channel`)
);
--> statement-breakpoint
CREATE TABLE `operator_alert_settings` (
	`id` text PRIMARY KEY NOT NULL,
	`settings` text NOT NULL,
	`webhook_secret` text,
	`updated_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `operator_alerts` (
	`id` text PRIMARY KEY NOT NULL,
	`rule` text NOT NULL,
	`subject` text NOT NULL,
	`dedup_key` text NOT NULL,
	`severity` text NOT NULL,
	`state` text NOT NULL,
	`summary` text NOT NULL,
	`detail` text NOT NULL,
	`occurrences` integer DEFAULT 1 NOT NULL,
	`opened_at_ms` integer NOT NULL,
	`last_seen_at_ms` integer NOT NULL,
	`acknowledged_at_ms` integer,
	`acknowledged_by` text,
	`resolved_at_ms` integer,
	`resolved_by` text,
	`note` text,
	`updated_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `operator_alerts_live_key_idx` ON `operator_alerts` (`dedup_key`) WHERE state != 'resolved';--> statement-breakpoint
CREATE INDEX `operator_alerts_state_idx` ON `operator_alerts` (`state`,`opened_at_ms`,`id`);--> statement-breakpoint
CREATE INDEX `operator_alerts_opened_idx` ON `operator_alerts` (`opened_at_ms`,`id`);