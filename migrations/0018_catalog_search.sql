CREATE TABLE `catalog_cache_generation` (
	`id` integer PRIMARY KEY NOT NULL,
	`generation` integer NOT NULL,
	`updated_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `offer_search_categories` (
	`category` text NOT NULL,
	`offer_id` text NOT NULL,
	PRIMARY KEY(`category`, `offer_id`)
);
--> statement-breakpoint
CREATE INDEX `offer_search_categories_offer_idx` ON `offer_search_categories` (`offer_id`);--> statement-breakpoint
CREATE TABLE `offer_search_docs` (
	`row_id` integer PRIMARY KEY NOT NULL,
	`offer_id` text NOT NULL,
	`merchant_id` text NOT NULL,
	`title` text NOT NULL,
	`description` text NOT NULL,
	`merchant_name` text NOT NULL,
	`categories` text NOT NULL,
	`headline_rate_bps` integer NOT NULL,
	`offer_created_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `offer_search_docs_offer_uq` ON `offer_search_docs` (`offer_id`);--> statement-breakpoint
CREATE INDEX `offer_search_docs_rate_idx` ON `offer_search_docs` (`headline_rate_bps`,`offer_id`);--> statement-breakpoint
CREATE INDEX `offer_search_docs_newest_idx` ON `offer_search_docs` (`offer_created_at_ms`,`offer_id`);--> statement-breakpoint
CREATE INDEX `offer_search_docs_merchant_name_idx` ON `offer_search_docs` (`merchant_name`,`offer_id`);--> statement-breakpoint
CREATE INDEX `offer_search_docs_merchant_idx` ON `offer_search_docs` (`merchant_id`);--> statement-breakpoint
-- Hand-written below this line (drizzle-kit does not model virtual tables or triggers; it
-- generates nothing for them, so the drift check still passes). The full-text index over
-- offer_search_docs (external content: the index stores no second copy of the text).
-- unicode61 folds case and, with remove_diacritics 2, accents ("cafe" finds "Café");
-- prefix='2 3' keeps short as-you-type prefixes ("am", "ama") off a full term-list scan.
CREATE VIRTUAL TABLE `offer_search` USING fts5(
	title, description, merchant_name, categories,
	content='offer_search_docs', content_rowid='row_id',
	tokenize='unicode61 remove_diacritics 2', prefix='2 3'
);
--> statement-breakpoint
-- The index follows its content table row for row, so it cannot drift from the documents.
CREATE TRIGGER `offer_search_docs_ai` AFTER INSERT ON `offer_search_docs` BEGIN
	INSERT INTO offer_search(rowid, title, description, merchant_name, categories)
	VALUES (new.row_id, new.title, new.description, new.merchant_name, new.categories);
END;
--> statement-breakpoint
CREATE TRIGGER `offer_search_docs_ad` AFTER DELETE ON `offer_search_docs` BEGIN
	INSERT INTO offer_search(offer_search, rowid, title, description, merchant_name, categories)
	VALUES ('delete', old.row_id, old.title, old.description, old.merchant_name, old.categories);
END;
--> statement-breakpoint
CREATE TRIGGER `offer_search_docs_au` AFTER UPDATE OF title, description, merchant_name, categories ON `offer_search_docs` BEGIN
	INSERT INTO offer_search(offer_search, rowid, title, description, merchant_name, categories)
	VALUES ('delete', old.row_id, old.title, old.description, old.merchant_name, old.categories);
	INSERT INTO offer_search(rowid, title, description, merchant_name, categories)
	VALUES (new.row_id, new.title, new.description, new.merchant_name, new.categories);
END;
