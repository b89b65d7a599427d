CREATE INDEX `click_rollups_day_idx` ON `click_rollups` (`day`,`clicks`);--> statement-breakpoint
CREATE INDEX `payouts_attention_idx` ON `payouts` (`created_at_ms`,`id`) WHERE attention IS NOT NULL;--> statement-breakpoint
CREATE INDEX `transactions_converted_cover_idx` ON `transactions` (`converted_at_ms`,`status`,`currency`,`cashback_minor`,`boost_minor`);