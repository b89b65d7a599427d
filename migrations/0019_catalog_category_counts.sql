CREATE TABLE `catalog_category_counts` (
	`category` text NOT NULL,
	`live_from_ms` integer NOT NULL,
	`live_until_ms` integer NOT NULL,
	`active_offer_count` integer NOT NULL,
	PRIMARY KEY(`category`, `live_from_ms`, `live_until_ms`)
);
--> statement-breakpoint
ALTER TABLE `offer_search_categories` ADD `counted` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `offer_search_categories` ADD `live_from_ms` integer DEFAULT -9007199254740991 NOT NULL;--> statement-breakpoint
ALTER TABLE `offer_search_categories` ADD `live_until_ms` integer DEFAULT 9007199254740991 NOT NULL;--> statement-breakpoint
-- Hand-written below this line (drizzle-kit does not model triggers; it generates nothing for
-- them, so the drift check still passes). The category counts follow offer_search_categories
-- row by row: each row that is `counted` adds 1 to its (category, live_from_ms, live_until_ms)
-- count, in the very statement that writes the row, so the counts cannot drift from the rows
-- even when a long write is split over several batches. A count that reaches 0 is deleted.
CREATE TRIGGER `offer_search_categories_count_ai` AFTER INSERT ON `offer_search_categories`
WHEN new.counted = 1 BEGIN
	INSERT INTO catalog_category_counts (category, live_from_ms, live_until_ms, active_offer_count)
	VALUES (new.category, new.live_from_ms, new.live_until_ms, 1)
	ON CONFLICT (category, live_from_ms, live_until_ms)
	DO UPDATE SET active_offer_count = active_offer_count + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `offer_search_categories_count_ad` AFTER DELETE ON `offer_search_categories`
WHEN old.counted = 1 BEGIN
	UPDATE catalog_category_counts SET active_offer_count = active_offer_count - 1
	WHERE category = old.category AND live_from_ms = old.live_from_ms
		AND live_until_ms = old.live_until_ms;
	DELETE FROM catalog_category_counts
	WHERE category = old.category AND live_from_ms = old.live_from_ms
		AND live_until_ms = old.live_until_ms AND active_offer_count = 0;
END;
--> statement-breakpoint
CREATE TRIGGER `offer_search_categories_count_au`
AFTER UPDATE OF category, counted, live_from_ms, live_until_ms ON `offer_search_categories`
WHEN (old.counted = 1 OR new.counted = 1) AND (old.category IS NOT new.category
	OR old.counted IS NOT new.counted OR old.live_from_ms IS NOT new.live_from_ms
	OR old.live_until_ms IS NOT new.live_until_ms) BEGIN
	UPDATE catalog_category_counts SET active_offer_count = active_offer_count - 1
	WHERE old.counted = 1 AND category = old.category AND live_from_ms = old.live_from_ms
		AND live_until_ms = old.live_until_ms;
	DELETE FROM catalog_category_counts
	WHERE old.counted = 1 AND category = old.category AND live_from_ms = old.live_from_ms
		AND live_until_ms = old.live_until_ms AND active_offer_count = 0;
	INSERT INTO catalog_category_counts (category, live_from_ms, live_until_ms, active_offer_count)
	SELECT new.category, new.live_from_ms, new.live_until_ms, 1 WHERE new.counted = 1
	ON CONFLICT (category, live_from_ms, live_until_ms)
	DO UPDATE SET active_offer_count = active_offer_count + 1;
END;
--> statement-breakpoint
-- Backfill: every existing category row gets its offer's clock-free visibility (the rule of
-- liveOfferStateCondition in features/catalog/store.ts) and schedule window; the triggers
-- above turn that into the counts.
UPDATE offer_search_categories SET
	counted = s.counted, live_from_ms = s.live_from_ms, live_until_ms = s.live_until_ms
FROM (
	SELECT o.id AS offer_id,
		CASE WHEN o.active = 1 AND m.active = 1 AND n.active = 1
			AND (h.state IS NULL OR h.state = 'closed') THEN 1 ELSE 0 END AS counted,
		coalesce(o.starts_at_ms, -9007199254740991) AS live_from_ms,
		coalesce(o.ends_at_ms, 9007199254740991) AS live_until_ms
	FROM offers o
	LEFT JOIN merchants m ON m.id = o.merchant_id
	LEFT JOIN networks n ON n.id = m.network_id
	LEFT JOIN network_health h ON h.network_id = n.id
) AS s
WHERE offer_search_categories.offer_id = s.offer_id;
