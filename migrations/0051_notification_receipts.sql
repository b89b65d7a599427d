ALTER TABLE `notification_deliveries` ADD `delivered_at_ms` integer;--> statement-breakpoint
ALTER TABLE `notification_deliveries` ADD `opened_at_ms` integer;--> statement-breakpoint
ALTER TABLE `notification_deliveries` ADD `receipt_failure` text;--> statement-breakpoint
ALTER TABLE `notification_deliveries` ADD `receipt_failure_at_ms` integer;--> statement-breakpoint
ALTER TABLE `notification_deliveries` ADD `escalated_at_ms` integer;--> statement-breakpoint
ALTER TABLE `notification_deliveries` ADD `event` text;--> statement-breakpoint
CREATE INDEX `notification_deliveries_provider_ref_idx` ON `notification_deliveries` (`provider_ref`) WHERE provider_ref IS NOT NULL;--> statement-breakpoint
CREATE INDEX `notification_deliveries_escalation_idx` ON `notification_deliveries` (`created_at_ms`) WHERE channel = 'push' AND category = 'transactional' AND opened_at_ms IS NULL AND escalated_at_ms IS NULL;