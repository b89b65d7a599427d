CREATE TABLE `click_rollups` (
	`offer_id` text NOT NULL,
	`day` text NOT NULL,
	`clicks` integer NOT NULL,
	PRIMARY KEY(`offer_id`, `day`)
);
--> statement-breakpoint
CREATE TABLE `merchants` (
	`id` text PRIMARY KEY NOT NULL,
	`network_id` text NOT NULL,
	`name` text NOT NULL,
	`landing_url` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`created_at_ms` integer NOT NULL,
	`updated_at_ms` integer NOT NULL,
	FOREIGN KEY (`network_id`) REFERENCES `networks`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `merchants_network_idx` ON `merchants` (`network_id`);--> statement-breakpoint
CREATE TABLE `networks` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`tracking_template` text NOT NULL,
	`postback_format` text DEFAULT 'generic' NOT NULL,
	`postback_secret` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`created_at_ms` integer NOT NULL,
	`updated_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `offers` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`title` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`network_offer_ref` text DEFAULT '' NOT NULL,
	`currency` text NOT NULL,
	`cashback_terms` text NOT NULL,
	`return_window_days` integer NOT NULL,
	`starts_at_ms` integer,
	`ends_at_ms` integer,
	`active` integer DEFAULT true NOT NULL,
	`created_at_ms` integer NOT NULL,
	`updated_at_ms` integer NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `offers_merchant_idx` ON `offers` (`merchant_id`);--> statement-breakpoint
CREATE INDEX `offers_active_idx` ON `offers` (`active`);--> statement-breakpoint
CREATE TABLE `received_postbacks` (
	`id` text PRIMARY KEY NOT NULL,
	`network_id` text NOT NULL,
	`received_at_ms` integer NOT NULL,
	`verdict` text NOT NULL,
	`reject_reason` text,
	`order_id` text,
	`raw_body` text NOT NULL,
	`signature_header` text,
	`source_ip` text
);
--> statement-breakpoint
CREATE INDEX `received_postbacks_network_idx` ON `received_postbacks` (`network_id`,`received_at_ms`);--> statement-breakpoint
CREATE TABLE `rollup_applied` (
	`chunk_key` text PRIMARY KEY NOT NULL,
	`applied_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `transactions` (
	`id` text PRIMARY KEY NOT NULL,
	`network_id` text NOT NULL,
	`order_id` text NOT NULL,
	`user_id` text,
	`offer_id` text,
	`click_id` text,
	`status` text NOT NULL,
	`reject_reason` text,
	`currency` text NOT NULL,
	`sale_amount_minor` integer NOT NULL,
	`commission_minor` integer NOT NULL,
	`cashback_minor` integer NOT NULL,
	`rate_bps` integer NOT NULL,
	`clicked_at_ms` integer,
	`converted_at_ms` integer NOT NULL,
	`expected_confirm_at_ms` integer,
	`confirmed_at_ms` integer,
	`version` integer NOT NULL,
	`updated_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `transactions_network_order_uq` ON `transactions` (`network_id`,`order_id`);--> statement-breakpoint
CREATE INDEX `transactions_due_idx` ON `transactions` (`status`,`expected_confirm_at_ms`);--> statement-breakpoint
CREATE INDEX `transactions_user_idx` ON `transactions` (`user_id`,`converted_at_ms`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`display_name` text,
	`created_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `wallet_balances` (
	`user_id` text NOT NULL,
	`bucket` text NOT NULL,
	`currency` text NOT NULL,
	`balance_minor` integer NOT NULL,
	`ledger_seq` integer NOT NULL,
	`updated_at_ms` integer NOT NULL,
	PRIMARY KEY(`user_id`, `bucket`, `currency`)
);
