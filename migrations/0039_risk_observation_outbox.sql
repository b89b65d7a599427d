CREATE TABLE `risk_observation_outbox` (
	`observation_id` text PRIMARY KEY NOT NULL,
	`observation_json` text NOT NULL,
	`kept_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `risk_observation_outbox_kept_idx` ON `risk_observation_outbox` (`kept_at_ms`,`observation_id`);