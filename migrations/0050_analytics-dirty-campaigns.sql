CREATE TABLE `analytics_campaign_funnel_daily` (
	`day` text NOT NULL,
	`campaign_id` text NOT NULL,
	`offer_id` text NOT NULL,
	`merchant_id` text NOT NULL,
	`network_id` text NOT NULL,
	`currency` text NOT NULL,
	`clicks` integer NOT NULL,
	`conversions` integer NOT NULL,
	`confirmed` integer NOT NULL,
	`paid` integer NOT NULL,
	`commission_minor` integer NOT NULL,
	`cashback_minor` integer NOT NULL,
	`paid_cashback_minor` integer NOT NULL,
	`updated_at_ms` integer NOT NULL,
	PRIMARY KEY(`day`, `campaign_id`, `network_id`, `offer_id`, `currency`)
);
--> statement-breakpoint
CREATE INDEX `analytics_campaign_funnel_daily_campaign_idx` ON `analytics_campaign_funnel_daily` (`campaign_id`,`day`);--> statement-breakpoint
CREATE TABLE `analytics_dirty` (
	`kind` text NOT NULL,
	`key` text NOT NULL,
	`marked_at_ms` integer NOT NULL,
	`marks` integer DEFAULT 1 NOT NULL,
	PRIMARY KEY(`kind`, `key`)
);
--> statement-breakpoint
CREATE INDEX `analytics_dirty_marked_idx` ON `analytics_dirty` (`marked_at_ms`);--> statement-breakpoint
CREATE TABLE `click_campaign_rollups` (
	`campaign_id` text NOT NULL,
	`offer_id` text NOT NULL,
	`day` text NOT NULL,
	`clicks` integer NOT NULL,
	`bot_clicks` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`campaign_id`, `offer_id`, `day`)
);
--> statement-breakpoint
ALTER TABLE `transactions` ADD `campaign_ids` text;