import { asc, eq, inArray, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { referralReasonTexts } from "#shared/db/schema";
import type { ReasonTextBook } from "#shared/referrals/reason-locale";

/**
 * D1 `referral_reason_texts`: operators' translations of the referral reason texts
 * (docs/referrals.md, "Reason texts"), one row per (locale, code). A locale is replaced whole
 * in one D1 batch, so a reader never sees half of an update.
 */

/** Rows per INSERT: 5 bound parameters each, under D1's 100 per query. */
const ROWS_PER_INSERT = 19;

/** The books of `locales` in their order (a locale without rows is an empty book). */
export async function readReasonTextBooks(
  db: D1Database,
  locales: readonly string[],
): Promise<ReasonTextBook[]> {
  if (locales.length === 0) return [];
  const rows = await drizzle(db)
    .select({
      locale: referralReasonTexts.locale,
      code: referralReasonTexts.code,
      text: referralReasonTexts.text,
    })
    .from(referralReasonTexts)
    .where(inArray(referralReasonTexts.locale, [...locales]));
  return locales.map((locale) => ({
    locale,
    texts: new Map(rows.filter((r) => r.locale === locale).map((r) => [r.code, r.text])),
  }));
}

export interface LocaleSummary {
  locale: string;
  translated: number;
  updatedAtMs: number;
}

/** Every locale with at least one text, by name. */
export async function listReasonTextLocales(db: D1Database): Promise<LocaleSummary[]> {
  return drizzle(db)
    .select({
      locale: referralReasonTexts.locale,
      translated: sql<number>`count(*)`,
      updatedAtMs: sql<number>`max(${referralReasonTexts.updatedAtMs})`,
    })
    .from(referralReasonTexts)
    .groupBy(referralReasonTexts.locale)
    .orderBy(asc(referralReasonTexts.locale));
}

/** Replaces `locale`'s texts with `texts` (empty: the locale is removed), in one batch. */
export async function replaceReasonTexts(
  db: D1Database,
  locale: string,
  texts: ReadonlyMap<string, string>,
  actor: { by: string; nowMs: number },
): Promise<void> {
  const d = drizzle(db);
  const rows = [...texts].map(([code, text]) => ({
    locale,
    code,
    text,
    updatedAtMs: actor.nowMs,
    updatedBy: actor.by,
  }));
  const inserts = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    inserts.push(d.insert(referralReasonTexts).values(rows.slice(i, i + ROWS_PER_INSERT)));
  }
  await d.batch([
    d.delete(referralReasonTexts).where(eq(referralReasonTexts.locale, locale)),
    ...inserts,
  ]);
}
