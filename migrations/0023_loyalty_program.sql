CREATE TABLE `loyalty_program_versions` (
	`version` integer PRIMARY KEY NOT NULL,
	`settings` text NOT NULL,
	`saved_at_ms` integer NOT NULL,
	`saved_by` text NOT NULL,
	`note` text
);
--> statement-breakpoint
CREATE TABLE `voucher_codes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`pool_id` text NOT NULL,
	`code` text NOT NULL,
	`claim_key` text,
	`claimed_points` integer,
	`issued_at_ms` integer,
	`uploaded_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `voucher_codes_pool_code_uq` ON `voucher_codes` (`pool_id`,`code`);--> statement-breakpoint
CREATE UNIQUE INDEX `voucher_codes_claim_key_uq` ON `voucher_codes` (`claim_key`);--> statement-breakpoint
CREATE INDEX `voucher_codes_pool_claim_idx` ON `voucher_codes` (`pool_id`,`claim_key`);--> statement-breakpoint
CREATE TABLE `voucher_pools` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`points_cost` integer NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`created_at_ms` integer NOT NULL,
	`created_by` text NOT NULL
);
