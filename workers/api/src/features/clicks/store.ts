import { eq, notExists, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import { clickCampaignRollups, clickRollups, rollupApplied } from "#shared/db/schema";
import { runInBatches } from "../../db/batch";
import type { RollupChunk } from "../../wallet-client";
import { markDaysStatement } from "../analytics/index";

/**
 * Per-offer, per-day click counts in D1 (`click_rollups`: clicks stored, of which bots' clicks,
 * and repeats within the dedupe window counted but not stored), each chunk added at most once
 * (`rollup_applied`). Every statement binds at most 6 parameters (D1 allows 100).
 */

/**
 * Adds the chunks' counts and records their keys, in one batch (one D1 transaction): a chunk
 * already applied adds nothing, so redelivery never double-counts.
 */
export async function applyRollups(
  db: D1Database,
  chunks: ReadonlyArray<{ userId: string; chunk: RollupChunk }>,
  nowMs: number,
): Promise<void> {
  const orm = drizzle(db);
  const statements: BatchItem<"sqlite">[] = [];
  const days = new Set<string>();
  for (const { userId, chunk } of chunks) {
    const chunkKey = `${userId}:${chunk.chunkId}`;
    for (const count of chunk.counts) {
      days.add(count.day);
      // The count row is selected only while the chunk's key is absent; its values are bound
      // parameters (the builder selects columns, not constants, hence the `sql` fields).
      const guarded = orm
        .select({
          offerId: sql`${count.offerId}`.as("offer_id"),
          day: sql`${count.day}`.as("day"),
          clicks: sql`${count.clicks}`.as("clicks"),
          repeatClicks: sql`${count.repeats ?? 0}`.as("repeat_clicks"),
          botClicks: sql`${count.botClicks ?? 0}`.as("bot_clicks"),
        })
        .from(sql`(SELECT 1)`)
        .where(
          notExists(
            orm
              .select({ one: rollupApplied.chunkKey })
              .from(rollupApplied)
              .where(eq(rollupApplied.chunkKey, chunkKey)),
          ),
        );
      statements.push(
        orm
          .insert(clickRollups)
          .select(guarded)
          .onConflictDoUpdate({
            target: [clickRollups.offerId, clickRollups.day],
            // An increment in place: the builder sets values, not expressions of the old one.
            set: {
              clicks: sql`${clickRollups.clicks} + excluded.clicks`,
              repeatClicks: sql`${clickRollups.repeatClicks} + excluded.repeat_clicks`,
              botClicks: sql`${clickRollups.botClicks} + excluded.bot_clicks`,
            },
          }),
      );
    }
    for (const count of chunk.campaignCounts ?? []) {
      days.add(count.day);
      // Same guard: the campaign's clicks are added with the chunk, at most once.
      const guarded = orm
        .select({
          campaignId: sql`${count.campaignId}`.as("campaign_id"),
          offerId: sql`${count.offerId}`.as("offer_id"),
          day: sql`${count.day}`.as("day"),
          clicks: sql`${count.clicks}`.as("clicks"),
          botClicks: sql`${count.botClicks}`.as("bot_clicks"),
        })
        .from(sql`(SELECT 1)`)
        .where(
          notExists(
            orm
              .select({ one: rollupApplied.chunkKey })
              .from(rollupApplied)
              .where(eq(rollupApplied.chunkKey, chunkKey)),
          ),
        );
      statements.push(
        orm
          .insert(clickCampaignRollups)
          .select(guarded)
          .onConflictDoUpdate({
            target: [
              clickCampaignRollups.campaignId,
              clickCampaignRollups.offerId,
              clickCampaignRollups.day,
            ],
            set: {
              clicks: sql`${clickCampaignRollups.clicks} + excluded.clicks`,
              botClicks: sql`${clickCampaignRollups.botClicks} + excluded.bot_clicks`,
            },
          }),
      );
    }
    statements.push(
      orm.insert(rollupApplied).values({ chunkKey, appliedAtMs: nowMs }).onConflictDoNothing(),
    );
  }
  // The days' analytics rollups marked dirty in the same transaction (docs/analytics.md).
  const marked = markDaysStatement(db, days, nowMs);
  if (marked) statements.push(marked);
  await runInBatches(db, statements);
}
