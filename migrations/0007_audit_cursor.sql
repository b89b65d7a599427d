ALTER TABLE `payout_recon_runs` ADD `audit_cursor` text;--> statement-breakpoint
ALTER TABLE `payout_recon_runs` ADD `audit_page_start` text;