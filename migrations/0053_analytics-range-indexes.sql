CREATE INDEX `payouts_created_idx` ON `payouts` (`created_at_ms`,`user_id`);--> statement-breakpoint
CREATE INDEX `referral_codes_created_idx` ON `referral_codes` (`created_at_ms`,`program_id`);--> statement-breakpoint
CREATE INDEX `referrals_qualified_idx` ON `referrals` (`qualified_at_ms`,`referee_id`);--> statement-breakpoint
CREATE INDEX `risk_holds_placed_idx` ON `risk_holds` (`placed_at_ms`);