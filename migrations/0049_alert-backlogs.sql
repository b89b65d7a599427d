CREATE TABLE `operator_alert_backlogs` (
	`source` text PRIMARY KEY NOT NULL,
	`count` integer NOT NULL,
	`observed_at_ms` integer NOT NULL
);
