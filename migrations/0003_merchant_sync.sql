CREATE TABLE `network_health` (
	`network_id` text PRIMARY KEY NOT NULL,
	`state` text NOT NULL,
	`consecutive_failures` integer NOT NULL,
	`cooldown_ms` integer,
	`opened_at_ms` integer,
	`retry_at_ms` integer,
	`last_success_at_ms` integer,
	`last_failure_at_ms` integer,
	`last_error` text,
	`updated_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sync_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`network_id` text NOT NULL,
	`trigger` text NOT NULL,
	`probe` integer DEFAULT false NOT NULL,
	`status` text NOT NULL,
	`offers_created` integer DEFAULT 0 NOT NULL,
	`offers_updated` integer DEFAULT 0 NOT NULL,
	`offers_deactivated` integer DEFAULT 0 NOT NULL,
	`offers_unchanged` integer DEFAULT 0 NOT NULL,
	`merchants_created` integer DEFAULT 0 NOT NULL,
	`merchants_updated` integer DEFAULT 0 NOT NULL,
	`merchants_deactivated` integer DEFAULT 0 NOT NULL,
	`merchants_unchanged` integer DEFAULT 0 NOT NULL,
	`breaker_state` text,
	`error` text,
	`started_at_ms` integer NOT NULL,
	`finished_at_ms` integer
);
--> statement-breakpoint
CREATE INDEX `sync_runs_network_idx` ON `sync_runs` (`network_id`,`started_at_ms`);