CREATE TABLE `gift_card_products` (
	`id` text PRIMARY KEY NOT NULL,
	`brand` text NOT NULL,
	`currency` text NOT NULL,
	`denominations_minor` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`created_at_ms` integer NOT NULL,
	`updated_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `notification_outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`kind` text NOT NULL,
	`body` text NOT NULL,
	`created_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `notification_outbox_user_idx` ON `notification_outbox` (`user_id`,`created_at_ms`);--> statement-breakpoint
CREATE TABLE `payout_discrepancies` (
	`run_id` text NOT NULL,
	`kind` text NOT NULL,
	`subject` text NOT NULL,
	`detail` text NOT NULL,
	`created_at_ms` integer NOT NULL,
	PRIMARY KEY(`run_id`, `kind`, `subject`)
);
--> statement-breakpoint
CREATE INDEX `payout_discrepancies_created_idx` ON `payout_discrepancies` (`created_at_ms`);--> statement-breakpoint
CREATE TABLE `payout_recon_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`processor_id` text NOT NULL,
	`from_ms` integer NOT NULL,
	`to_ms` integer NOT NULL,
	`status` text NOT NULL,
	`checked_payouts` integer DEFAULT 0 NOT NULL,
	`wallets_queued` integer DEFAULT 0 NOT NULL,
	`error` text,
	`started_at_ms` integer NOT NULL,
	`finished_at_ms` integer
);
--> statement-breakpoint
CREATE INDEX `payout_recon_runs_started_idx` ON `payout_recon_runs` (`started_at_ms`);--> statement-breakpoint
CREATE TABLE `payouts` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`status` text NOT NULL,
	`destination_type` text,
	`destination_masked` text,
	`currency` text,
	`amount_minor` integer,
	`hold_reason` text,
	`failure_code` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`processor_id` text,
	`processor_ref` text,
	`created_at_ms` integer,
	`updated_at_ms` integer NOT NULL,
	`paid_at_ms` integer,
	`version` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `payouts_status_idx` ON `payouts` (`status`,`created_at_ms`);--> statement-breakpoint
CREATE INDEX `payouts_user_idx` ON `payouts` (`user_id`,`created_at_ms`);--> statement-breakpoint
CREATE INDEX `payouts_updated_idx` ON `payouts` (`updated_at_ms`);--> statement-breakpoint
CREATE INDEX `payouts_paid_idx` ON `payouts` (`paid_at_ms`);--> statement-breakpoint
ALTER TABLE `users` ADD `kyc_status` text DEFAULT 'none' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `kyc_updated_at_ms` integer;