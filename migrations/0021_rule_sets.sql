CREATE TABLE `rule_set_draft` (
	`id` text PRIMARY KEY NOT NULL,
	`rule_set` text NOT NULL,
	`based_on_version` integer,
	`revision` integer NOT NULL,
	`updated_at_ms` integer NOT NULL,
	`updated_by` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `rule_set_live` (
	`id` text PRIMARY KEY NOT NULL,
	`version` integer NOT NULL,
	`published_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `rule_set_versions` (
	`version` integer PRIMARY KEY NOT NULL,
	`rule_set` text NOT NULL,
	`published_at_ms` integer NOT NULL,
	`published_by` text NOT NULL,
	`note` text,
	`rolled_back_from` integer
);
