CREATE TABLE `order_claims` (
	`network_id` text NOT NULL,
	`order_id` text NOT NULL,
	`user_id` text NOT NULL,
	`click_id` text,
	`claimed_at_ms` integer NOT NULL,
	PRIMARY KEY(`network_id`, `order_id`)
);
--> statement-breakpoint
DROP INDEX `transactions_network_order_uq`;--> statement-breakpoint
CREATE INDEX `transactions_network_order_idx` ON `transactions` (`network_id`,`order_id`);--> statement-breakpoint
-- Orders already attributed keep their owner: the first user a wallet judged them for.
INSERT INTO `order_claims` (`network_id`, `order_id`, `user_id`, `click_id`, `claimed_at_ms`)
SELECT `network_id`, `order_id`, `user_id`, `click_id`, `updated_at_ms` FROM `transactions`
WHERE `user_id` IS NOT NULL
ON CONFLICT DO NOTHING;
