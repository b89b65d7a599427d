CREATE TABLE `loyalty_due` (
	`user_id` text PRIMARY KEY NOT NULL,
	`due_at_ms` integer,
	`seq` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `loyalty_due_at_idx` ON `loyalty_due` (`due_at_ms`) WHERE due_at_ms IS NOT NULL;