CREATE INDEX `received_postbacks_received_idx` ON `received_postbacks` (`received_at_ms`,`id`);--> statement-breakpoint
CREATE INDEX `received_postbacks_order_idx` ON `received_postbacks` (`order_id`,`network_id`);--> statement-breakpoint
CREATE INDEX `reconciliation_items_txn_idx` ON `reconciliation_items` (`transaction_id`);--> statement-breakpoint
CREATE INDEX `transactions_order_idx` ON `transactions` (`order_id`);--> statement-breakpoint
CREATE INDEX `transactions_converted_idx` ON `transactions` (`converted_at_ms`,`id`);--> statement-breakpoint
CREATE INDEX `transactions_network_converted_idx` ON `transactions` (`network_id`,`converted_at_ms`,`id`);--> statement-breakpoint
CREATE INDEX `transactions_status_converted_idx` ON `transactions` (`status`,`converted_at_ms`,`id`);