CREATE TABLE `analytics_cohorts_weekly` (
	`week` text NOT NULL,
	`currency` text NOT NULL,
	`users` integer NOT NULL,
	`converting_users` integer NOT NULL,
	`cashback_minor` integer NOT NULL,
	`updated_at_ms` integer NOT NULL,
	PRIMARY KEY(`week`, `currency`)
);
--> statement-breakpoint
CREATE TABLE `analytics_funnel_daily` (
	`day` text NOT NULL,
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
	PRIMARY KEY(`day`, `network_id`, `offer_id`, `currency`)
);
--> statement-breakpoint
CREATE INDEX `analytics_funnel_daily_network_idx` ON `analytics_funnel_daily` (`network_id`,`day`);--> statement-breakpoint
CREATE INDEX `analytics_funnel_daily_merchant_idx` ON `analytics_funnel_daily` (`merchant_id`,`day`);--> statement-breakpoint
CREATE TABLE `analytics_latency_daily` (
	`day` text NOT NULL,
	`offer_id` text NOT NULL,
	`merchant_id` text NOT NULL,
	`network_id` text NOT NULL,
	`measure` text NOT NULL,
	`bucket` integer NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`day`, `network_id`, `offer_id`, `measure`, `bucket`)
);
