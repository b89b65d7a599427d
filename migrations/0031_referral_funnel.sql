ALTER TABLE `referrals` ADD `rule_id` text;--> statement-breakpoint
ALTER TABLE `referrals` ADD `rule_version` integer;--> statement-breakpoint
ALTER TABLE `referrals` ADD `qualified_at_ms` integer;--> statement-breakpoint
ALTER TABLE `referrals` ADD `referrer_due_unit` text;--> statement-breakpoint
ALTER TABLE `referrals` ADD `referrer_due_amount` integer;--> statement-breakpoint
CREATE INDEX `referrals_attributed_idx` ON `referrals` (`attributed_at_ms`);--> statement-breakpoint
CREATE INDEX `referrals_rule_idx` ON `referrals` (`rule_id`,`attributed_at_ms`);--> statement-breakpoint
CREATE INDEX `referral_clicks_referrer_idx` ON `referral_clicks` (`referrer_id`,`clicked_at_ms`);