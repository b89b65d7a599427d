CREATE TABLE `risk_holds` (
	`user_id` text NOT NULL,
	`hold_id` text NOT NULL,
	`kind` text NOT NULL,
	`subject_ref` text,
	`source` text NOT NULL,
	`rule_id` text,
	`rule_version` integer,
	`reasons_json` text NOT NULL,
	`reason_codes` text NOT NULL,
	`score_contribution` integer NOT NULL,
	`status` text NOT NULL,
	`placed_at_ms` integer NOT NULL,
	`auto_release_at_ms` integer,
	`ended_at_ms` integer,
	`ended_how` text,
	`decided_by` text,
	`decision_note` text,
	`label` text,
	`decision_signals_json` text,
	`version` integer NOT NULL,
	PRIMARY KEY(`user_id`, `hold_id`)
);
--> statement-breakpoint
CREATE INDEX `risk_holds_status_idx` ON `risk_holds` (`status`,`placed_at_ms`);--> statement-breakpoint
CREATE INDEX `risk_holds_label_idx` ON `risk_holds` (`label`,`ended_at_ms`);