import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The FTS5 virtual table `offer_search` (migration 0014, hand-written), described to drizzle
 * for queries only. It is deliberately not in shared/db/schema.ts: drizzle-kit cannot generate
 * a virtual table, and would try to create it as a plain one.
 */
export const offerSearch = sqliteTable("offer_search", {
  rowid: integer("rowid").notNull(),
  title: text("title"),
  description: text("description"),
  merchantName: text("merchant_name"),
  categories: text("categories"),
});
