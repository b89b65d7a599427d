CREATE TABLE `points_movements` (
	`user_id` text NOT NULL,
	`entry_key` text NOT NULL,
	`source_type` text NOT NULL,
	`entry_kind` text NOT NULL,
	`day` text NOT NULL,
	`at_ms` integer NOT NULL,
	`earned` integer NOT NULL,
	`spent` integer NOT NULL,
	`expired` integer NOT NULL,
	`reversed` integer NOT NULL,
	PRIMARY KEY(`user_id`, `entry_key`, `source_type`)
);
--> statement-breakpoint
CREATE INDEX `points_movements_day_idx` ON `points_movements` (`day`,`source_type`);--> statement-breakpoint
CREATE TABLE `risk_scored_daily` (
	`day` text NOT NULL,
	`user_id` text NOT NULL,
	PRIMARY KEY(`day`, `user_id`)
);
