CREATE TABLE `custom_event_types` (
	`type` text PRIMARY KEY NOT NULL,
	`description` text,
	`active` integer DEFAULT true NOT NULL,
	`fields` text NOT NULL,
	`version` integer NOT NULL,
	`created_at_ms` integer NOT NULL,
	`updated_at_ms` integer NOT NULL
);
