ALTER TABLE `received_postbacks` ADD `archive_key` text;--> statement-breakpoint
ALTER TABLE `received_postbacks` ADD `archive_line` integer;--> statement-breakpoint
CREATE INDEX `received_postbacks_verdict_age_idx` ON `received_postbacks` (`verdict`,`received_at_ms`);--> statement-breakpoint
CREATE INDEX `received_postbacks_unarchived_idx` ON `received_postbacks` (`received_at_ms`,`id`) WHERE verdict = 'accepted' AND archive_key IS NULL;--> statement-breakpoint
CREATE INDEX `received_postbacks_rejected_source_idx` ON `received_postbacks` (`source_ip`,`received_at_ms`) WHERE verdict = 'rejected';--> statement-breakpoint
CREATE INDEX `received_postbacks_archive_idx` ON `received_postbacks` (`archive_key`);