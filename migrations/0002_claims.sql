CREATE TABLE `claims` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`click_id` text NOT NULL,
	`offer_id` text NOT NULL,
	`network_id` text NOT NULL,
	`order_id` text NOT NULL,
	`amount_minor` integer NOT NULL,
	`currency` text NOT NULL,
	`purchased_at_ms` integer NOT NULL,
	`status` text NOT NULL,
	`transaction_id` text,
	`created_at_ms` integer NOT NULL,
	`updated_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `claims_status_idx` ON `claims` (`status`,`created_at_ms`);