import { CLEAN_CLICK, type ClickQuality, parseClickQuality } from "#shared/fraud/click-quality";
import type { BoostSnapshot } from "#shared/money/boost";
import type { CashbackTerms } from "#shared/money/cashback";
import type { ConfirmationPolicy } from "#shared/networks/core/confirmation-options";
import type { StoredClick } from "../conversions/types";

/** SQL for the wallet's clicks and the rollup chunks that carry their counts to D1. */

type ClickRow = {
  click_id: string;
  offer_id: string;
  merchant_id: string;
  network_id: string;
  clicked_at_ms: number;
  currency: string;
  terms_json: string;
  return_window_days: number;
  boosts_json: string | null;
  confirmation_policy: string | null;
  network_offer_ref: string | null;
  bot: number;
  quality_reasons: string | null;
};

function qualityOf(row: ClickRow): ClickQuality {
  if (row.bot === 0 && row.quality_reasons === null) return CLEAN_CLICK;
  const reasons: unknown = row.quality_reasons ? JSON.parse(row.quality_reasons) : [];
  return parseClickQuality({ bot: row.bot === 1, reasons }) ?? CLEAN_CLICK;
}

export function findClick(sql: SqlStorage, clickId: string): StoredClick | null {
  const row = sql.exec<ClickRow>(`SELECT * FROM clicks WHERE click_id = ?`, clickId).toArray()[0];
  if (!row) return null;
  return {
    clickId: row.click_id,
    offerId: row.offer_id,
    merchantId: row.merchant_id,
    networkId: row.network_id,
    clickedAtMs: row.clicked_at_ms,
    currency: row.currency,
    terms: JSON.parse(row.terms_json) as CashbackTerms,
    returnWindowDays: row.return_window_days,
    boosts: row.boosts_json ? (JSON.parse(row.boosts_json) as BoostSnapshot[]) : [],
    // Clicks stored before policies existed confirm as they always did.
    confirmationPolicy: (row.confirmation_policy as ConfirmationPolicy | null) ?? "return_window",
    networkOfferRef: row.network_offer_ref ?? "",
    quality: qualityOf(row),
  };
}

/**
 * Returns true when the click is new; a click id already stored is a redelivery or a repeat
 * (click-repeats.ts). `hitId` names the request that made this copy of the click.
 */
export function insertClick(sql: SqlStorage, click: StoredClick, hitId: string | null): boolean {
  const cursor = sql.exec(
    `INSERT INTO clicks (click_id, offer_id, merchant_id, network_id, clicked_at_ms, currency,
       terms_json, return_window_days, boosts_json, hit_id, confirmation_policy, network_offer_ref,
       bot, quality_reasons)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (click_id) DO NOTHING`,
    click.clickId,
    click.offerId,
    click.merchantId,
    click.networkId,
    click.clickedAtMs,
    click.currency,
    JSON.stringify(click.terms),
    click.returnWindowDays,
    click.boosts && click.boosts.length > 0 ? JSON.stringify(click.boosts) : null,
    hitId,
    click.confirmationPolicy ?? "return_window",
    click.networkOfferRef || null,
    click.quality?.bot ? 1 : 0,
    click.quality && click.quality.reasons.length > 0
      ? JSON.stringify(click.quality.reasons)
      : null,
  );
  return cursor.rowsWritten > 0;
}

/** The request id stored with a click (its first hit); null for clicks stored before dedupe. */
export function storedHitId(sql: SqlStorage, clickId: string): string | null {
  return (
    sql
      .exec<{ hit_id: string | null }>(`SELECT hit_id FROM clicks WHERE click_id = ?`, clickId)
      .toArray()[0]?.hit_id ?? null
  );
}

export interface RollupChunk {
  chunkId: number;
  /**
   * Per offer and day: clicks stored, and repeats counted onto them (not stored); `botClicks`
   * of the stored clicks were marked bots (counted, never attributing).
   */
  counts: Array<{
    offerId: string;
    day: string;
    clicks: number;
    repeats: number;
    botClicks: number;
  }>;
  /**
   * Per campaign, offer and day: the chunk's stored clicks that carried the campaign's boost
   * (a click with two campaigns counts in both); absent on chunks of an older wallet.
   */
  campaignCounts?: Array<{
    campaignId: string;
    offerId: string;
    day: string;
    clicks: number;
    botClicks: number;
  }>;
}

export function ackChunk(sql: SqlStorage, chunkId: number): void {
  sql.exec(`UPDATE rollup_chunks SET acked = 1 WHERE chunk_id = ?`, chunkId);
  // Repeat counts exist only to be carried to D1: once added there, they are gone.
  sql.exec(`DELETE FROM click_repeats WHERE rollup_chunk = ?`, chunkId);
}

/**
 * The oldest unacknowledged chunk, or a new one holding every click not in a chunk yet; null
 * when no click waits.
 */
export function openRollupChunk(sql: SqlStorage): RollupChunk | null {
  let chunk = sql
    .exec<{ chunk_id: number }>(
      `SELECT chunk_id FROM rollup_chunks WHERE acked = 0 ORDER BY chunk_id LIMIT 1`,
    )
    .toArray()[0]?.chunk_id;
  if (chunk === undefined) {
    const waiting = sql
      .exec<{ n: number }>(
        `SELECT (SELECT COUNT(*) FROM clicks WHERE rollup_chunk IS NULL)
              + (SELECT COUNT(*) FROM click_repeats WHERE rollup_chunk = 0) AS n`,
      )
      .one().n;
    if (waiting === 0) return null;
    chunk = sql
      .exec<{ chunk_id: number }>(`INSERT INTO rollup_chunks (acked) VALUES (0) RETURNING chunk_id`)
      .one().chunk_id;
    sql.exec(`UPDATE clicks SET rollup_chunk = ? WHERE rollup_chunk IS NULL`, chunk);
    sql.exec(`UPDATE click_repeats SET rollup_chunk = ? WHERE rollup_chunk = 0`, chunk);
  }
  const counts = sql
    .exec<{ offer_id: string; day: string; clicks: number; repeats: number; bots: number }>(
      `SELECT offer_id, day, SUM(clicks) AS clicks, SUM(repeats) AS repeats, SUM(bots) AS bots
       FROM (
         SELECT offer_id, strftime('%Y-%m-%d', clicked_at_ms / 1000, 'unixepoch') AS day,
                1 AS clicks, 0 AS repeats, bot AS bots
         FROM clicks WHERE rollup_chunk = ?
         UNION ALL
         SELECT offer_id, day, 0 AS clicks, hits AS repeats, 0 AS bots
         FROM click_repeats WHERE rollup_chunk = ?)
       GROUP BY offer_id, day ORDER BY offer_id, day`,
      chunk,
      chunk,
    )
    .toArray()
    .map((r) => ({
      offerId: r.offer_id,
      day: r.day,
      clicks: r.clicks,
      repeats: r.repeats,
      botClicks: r.bots,
    }));
  const campaignCounts = sql
    .exec<{ campaign_id: string; offer_id: string; day: string; clicks: number; bots: number }>(
      `SELECT json_extract(b.value, '$.campaignId') AS campaign_id, c.offer_id,
         strftime('%Y-%m-%d', c.clicked_at_ms / 1000, 'unixepoch') AS day,
         COUNT(DISTINCT c.click_id) AS clicks,
         COUNT(DISTINCT CASE WHEN c.bot = 1 THEN c.click_id END) AS bots
       FROM clicks c, json_each(c.boosts_json) b
       WHERE c.rollup_chunk = ? AND c.boosts_json IS NOT NULL
         AND json_extract(b.value, '$.campaignId') IS NOT NULL
       GROUP BY campaign_id, c.offer_id, day ORDER BY campaign_id, c.offer_id, day`,
      chunk,
    )
    .toArray()
    .map((r) => ({
      campaignId: r.campaign_id,
      offerId: r.offer_id,
      day: r.day,
      clicks: r.clicks,
      botClicks: r.bots,
    }));
  return { chunkId: chunk, counts, campaignCounts };
}

export function oldestClickAtMs(sql: SqlStorage): number | null {
  return sql.exec<{ t: number | null }>(`SELECT MIN(clicked_at_ms) AS t FROM clicks`).one().t;
}

/**
 * Deletes clicks older than `cutoffMs` whose rollup is done (at most `rows`), then the acked
 * chunks no click points at; returns how many clicks went.
 */
export function deleteRolledUpClicks(sql: SqlStorage, cutoffMs: number, rows: number): number {
  const pruned = sql
    .exec(
      `DELETE FROM clicks WHERE click_id IN (
         SELECT c.click_id FROM clicks c JOIN rollup_chunks r ON r.chunk_id = c.rollup_chunk
         WHERE c.clicked_at_ms < ? AND r.acked = 1 ORDER BY c.clicked_at_ms LIMIT ?)
       RETURNING click_id`,
      cutoffMs,
      rows,
    )
    .toArray().length;
  sql.exec(
    `DELETE FROM rollup_chunks WHERE acked = 1
     AND chunk_id NOT IN (SELECT DISTINCT rollup_chunk FROM clicks WHERE rollup_chunk IS NOT NULL)`,
  );
  return pruned;
}

export interface ClickView {
  clickId: string;
  offerId: string;
  clickedAtMs: number;
  currency: string;
}

/** Newest first, so a claim can name the visit it is about. */
export function listRecentClicks(sql: SqlStorage, rows: number): ClickView[] {
  return sql
    .exec<{ click_id: string; offer_id: string; clicked_at_ms: number; currency: string }>(
      `SELECT click_id, offer_id, clicked_at_ms, currency FROM clicks
       ORDER BY clicked_at_ms DESC, click_id DESC LIMIT ?`,
      rows,
    )
    .toArray()
    .map((r) => ({
      clickId: r.click_id,
      offerId: r.offer_id,
      clickedAtMs: r.clicked_at_ms,
      currency: r.currency,
    }));
}
