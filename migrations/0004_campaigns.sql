CREATE TABLE `campaigns` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`starts_at_ms` integer,
	`ends_at_ms` integer,
	`merchant_id` text,
	`offer_id` text,
	`category` text,
	`user_segment` text,
	`boost_rate_bps` integer NOT NULL,
	`currency` text NOT NULL,
	`budget_minor` integer NOT NULL,
	`created_at_ms` integer NOT NULL,
	`updated_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `campaigns_offer_idx` ON `campaigns` (`offer_id`);--> statement-breakpoint
CREATE INDEX `campaigns_merchant_idx` ON `campaigns` (`merchant_id`);--> statement-breakpoint
ALTER TABLE `transactions` ADD `boost_minor` integer DEFAULT 0 NOT NULL;