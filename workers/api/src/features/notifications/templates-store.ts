import { and, asc, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { notificationTemplates } from "#shared/db/schema";
import type { ApiEnv } from "#shared/env";
import { NOTIFICATION_TYPES, type NotificationType } from "#shared/notify/catalog";
import {
  BUILT_IN_TEMPLATE_LOCALE,
  type StoredTemplate,
  TemplateBook,
} from "#shared/notify/template-lookup";

/**
 * D1 `notification_templates` (docs/notifications.md, "Templates"): operators' templates, one
 * row per (type, locale), and the book the notification consumer renders from.
 *
 * Every save and delete writes a new generation to CONFIG_KV after D1; `loadTemplateBook`
 * reads that one key per call (a consumer batch) and reads D1 only when it changed, so no
 * message costs a D1 read. KV is eventually consistent: other locations see a save within
 * about a minute.
 */

export const TEMPLATES_GENERATION_KEY = "notify:templates:generation:v1";

export interface TemplateRow extends StoredTemplate {
  updatedAtMs: number;
  updatedBy: string;
}

type Row = typeof notificationTemplates.$inferSelect;

const rowOf = (r: Row): TemplateRow => ({
  type: r.type as NotificationType,
  locale: r.locale,
  title: r.title,
  body: r.body,
  ...(r.url ? { url: r.url } : {}),
  updatedAtMs: r.updatedAtMs,
  updatedBy: r.updatedBy,
});

/** Every stored template of a type still in the catalog, by type then locale. */
export async function listTemplates(
  db: D1Database,
  type?: NotificationType,
): Promise<TemplateRow[]> {
  const rows = await drizzle(db)
    .select()
    .from(notificationTemplates)
    .where(type === undefined ? undefined : eq(notificationTemplates.type, type))
    .orderBy(asc(notificationTemplates.type), asc(notificationTemplates.locale));
  // A type removed from the catalog keeps its rows until deleted; nobody renders them.
  return rows.filter((r) => Object.hasOwn(NOTIFICATION_TYPES, r.type)).map(rowOf);
}

export async function readTemplate(
  db: D1Database,
  type: NotificationType,
  locale: string,
): Promise<TemplateRow | null> {
  const row = (
    await drizzle(db)
      .select()
      .from(notificationTemplates)
      .where(and(eq(notificationTemplates.type, type), eq(notificationTemplates.locale, locale)))
  )[0];
  return row ? rowOf(row) : null;
}

/** Saves (inserts or replaces) one validated template, then invalidates the consumers' books. */
export async function putTemplate(
  env: Pick<ApiEnv, "DB" | "CONFIG_KV">,
  row: TemplateRow,
): Promise<void> {
  const values = { ...row, url: row.url ?? null };
  await drizzle(env.DB)
    .insert(notificationTemplates)
    .values(values)
    .onConflictDoUpdate({
      target: [notificationTemplates.type, notificationTemplates.locale],
      set: {
        title: values.title,
        body: values.body,
        url: values.url,
        updatedAtMs: values.updatedAtMs,
        updatedBy: values.updatedBy,
      },
    });
  await bumpGeneration(env);
}

/** Removes one template (the type falls back along the chain); false when there was none. */
export async function deleteTemplate(
  env: Pick<ApiEnv, "DB" | "CONFIG_KV">,
  type: NotificationType,
  locale: string,
): Promise<boolean> {
  const result = await env.DB.prepare(
    "DELETE FROM notification_templates WHERE type = ? AND locale = ?",
  )
    .bind(type, locale)
    .run();
  const deleted = (result.meta.changes ?? 0) > 0;
  if (deleted) await bumpGeneration(env);
  return deleted;
}

async function bumpGeneration(env: Pick<ApiEnv, "CONFIG_KV">): Promise<void> {
  await env.CONFIG_KV.put(TEMPLATES_GENERATION_KEY, `${Date.now()}-${crypto.randomUUID()}`);
}

/** The last book this isolate loaded, with the generation it was loaded at. */
let cached: { generation: string | null; rows: StoredTemplate[] } | null = null;

/**
 * The templates for a consumer batch: the rows this isolate already holds while the stored
 * generation is unchanged (one KV read), else every row from D1 (one query; a deployment has
 * types × locales rows, a few hundred at most). `defaultLocale` is the operator's default.
 *
 * @example
 * const book = await loadTemplateBook(env, settings.defaultLocale);
 * const message = book.render(event.type, event.vars, prefs.locale, prefs.timeZone);
 */
export async function loadTemplateBook(
  env: Pick<ApiEnv, "DB" | "CONFIG_KV">,
  defaultLocale: string = BUILT_IN_TEMPLATE_LOCALE,
): Promise<TemplateBook> {
  const generation = await env.CONFIG_KV.get(TEMPLATES_GENERATION_KEY);
  if (cached === null || cached.generation !== generation) {
    cached = { generation, rows: await listTemplates(env.DB) };
  }
  return new TemplateBook(cached.rows, defaultLocale);
}
