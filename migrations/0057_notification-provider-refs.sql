CREATE TABLE `notification_provider_refs` (
	`channel` text NOT NULL,
	`provider_ref` text NOT NULL,
	`user_id` text NOT NULL,
	`created_at_ms` integer NOT NULL,
	PRIMARY KEY(`channel`, `provider_ref`)
);
