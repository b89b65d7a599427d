ALTER TABLE `referrals` ADD `referrer_reward_unit` text;--> statement-breakpoint
ALTER TABLE `referrals` ADD `referrer_reward_amount` integer;