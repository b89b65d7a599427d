CREATE TABLE `risk_orders` (
	`order_ref` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`merchant_id` text,
	`category` text,
	`ordered_at_ms` integer NOT NULL,
	`returned_at_ms` integer
);
--> statement-breakpoint
CREATE INDEX `risk_orders_time_idx` ON `risk_orders` (`ordered_at_ms`);--> statement-breakpoint
CREATE TABLE `risk_return_rates` (
	`scope` text NOT NULL,
	`key` text NOT NULL,
	`orders` integer NOT NULL,
	`returns` integer NOT NULL,
	`refreshed_at_ms` integer NOT NULL,
	PRIMARY KEY(`scope`, `key`)
);
