CREATE TABLE `reconciliation_items` (
	`run_id` text NOT NULL,
	`order_id` text NOT NULL,
	`transaction_id` text NOT NULL,
	`outcome` text NOT NULL,
	`detail` text,
	PRIMARY KEY(`run_id`, `order_id`)
);
--> statement-breakpoint
CREATE TABLE `reconciliation_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`network_id` text NOT NULL,
	`from_ms` integer NOT NULL,
	`to_ms` integer NOT NULL,
	`status` text NOT NULL,
	`counts` text NOT NULL,
	`error` text,
	`started_at_ms` integer NOT NULL,
	`finished_at_ms` integer
);
--> statement-breakpoint
CREATE INDEX `reconciliation_runs_network_idx` ON `reconciliation_runs` (`network_id`,`started_at_ms`);--> statement-breakpoint
ALTER TABLE `networks` ADD `options` text DEFAULT '{}' NOT NULL;