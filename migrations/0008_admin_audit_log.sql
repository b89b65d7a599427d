CREATE TABLE `admin_audit_log` (
	`id` text PRIMARY KEY NOT NULL,
	`at_ms` integer NOT NULL,
	`actor` text NOT NULL,
	`scope` text NOT NULL,
	`method` text NOT NULL,
	`path` text NOT NULL,
	`operation_id` text,
	`status` integer NOT NULL,
	`problem` text,
	`before` text,
	`after` text,
	`request_id` text
);
--> statement-breakpoint
CREATE INDEX `admin_audit_log_at_idx` ON `admin_audit_log` (`at_ms`,`id`);--> statement-breakpoint
CREATE INDEX `admin_audit_log_actor_idx` ON `admin_audit_log` (`actor`,`at_ms`,`id`);