CREATE TABLE `risk_identifiers` (
	`kind` text NOT NULL,
	`hash` text NOT NULL,
	`user_id` text NOT NULL,
	`first_seen_ms` integer NOT NULL,
	`last_seen_ms` integer NOT NULL,
	PRIMARY KEY(`kind`, `hash`, `user_id`)
);
--> statement-breakpoint
CREATE INDEX `risk_identifiers_user_idx` ON `risk_identifiers` (`user_id`,`last_seen_ms`);