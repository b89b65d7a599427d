CREATE TABLE `wallet_chain_anchors` (
	`user_id` text PRIMARY KEY NOT NULL,
	`head_seq` integer NOT NULL,
	`head_hash` text NOT NULL,
	`status` text NOT NULL,
	`first_bad_seq` integer,
	`run_id` text NOT NULL,
	`verified_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `wallet_chain_anchors_status_idx` ON `wallet_chain_anchors` (`status`,`user_id`);