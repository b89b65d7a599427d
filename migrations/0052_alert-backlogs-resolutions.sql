CREATE TABLE `operator_alert_backlogs` (
	`source` text PRIMARY KEY NOT NULL,
	`count` integer NOT NULL,
	`observed_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `operator_alerts_resolved_idx` ON `operator_alerts` (`state`,`resolved_at_ms`);