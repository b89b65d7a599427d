ALTER TABLE `claims` ADD `decision_reason` text;--> statement-breakpoint
ALTER TABLE `claims` ADD `decided_by` text;--> statement-breakpoint
ALTER TABLE `claims` ADD `decided_at_ms` integer;