CREATE TABLE `referral_reason_texts` (
	`locale` text NOT NULL,
	`code` text NOT NULL,
	`text` text NOT NULL,
	`updated_at_ms` integer NOT NULL,
	`updated_by` text NOT NULL,
	PRIMARY KEY(`locale`, `code`)
);
