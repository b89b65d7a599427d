CREATE TABLE `notification_templates` (
	`type` text NOT NULL,
	`locale` text NOT NULL,
	`title` text NOT NULL,
	`body` text NOT NULL,
	`url` text,
	`updated_at_ms` integer NOT NULL,
	`updated_by` text NOT NULL,
	PRIMARY KEY(`type`, `locale`)
);
