CREATE TABLE `held_feed_changes` (
	`id` text PRIMARY KEY NOT NULL,
	`network_id` text NOT NULL,
	`offer_id` text NOT NULL,
	`merchant_id` text NOT NULL,
	`status` text NOT NULL,
	`proposed` text NOT NULL,
	`proposal_key` text NOT NULL,
	`previous_terms` text,
	`max_rate_bps` integer NOT NULL,
	`ceiling_bps` integer NOT NULL,
	`run_id` text,
	`created_at_ms` integer NOT NULL,
	`updated_at_ms` integer NOT NULL,
	`decided_at_ms` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `held_feed_changes_offer_proposal_uq` ON `held_feed_changes` (`offer_id`,`proposal_key`);--> statement-breakpoint
CREATE INDEX `held_feed_changes_network_idx` ON `held_feed_changes` (`network_id`,`status`,`created_at_ms`);--> statement-breakpoint
ALTER TABLE `merchants` ADD `deactivated_by` text;--> statement-breakpoint
ALTER TABLE `offers` ADD `deactivated_by` text;--> statement-breakpoint
ALTER TABLE `offers` ADD `confirmation_policy` text;--> statement-breakpoint
ALTER TABLE `offers` ADD `origin` text DEFAULT 'operator' NOT NULL;--> statement-breakpoint
ALTER TABLE `sync_runs` ADD `offers_held` integer DEFAULT 0 NOT NULL;