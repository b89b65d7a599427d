import { and, desc, eq, lt, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { ruleSetDraft, ruleSetLive, ruleSetVersions } from "#shared/db/schema";
import type { ApiEnv } from "#shared/env";
import type { RuleSet } from "#shared/rules/index";

/**
 * Rule sets in D1: immutable published versions, the one draft, and the live pointer.
 * Versions are only ever inserted, each as live + 1, so the live version is always the
 * highest one, and inserting version N + 1 succeeds exactly when the live version is still N:
 * the primary key is the optimistic-concurrency check of publish and rollback.
 */

const DRAFT_ID = "draft";
const LIVE_ID = "live";

/** A draft's rule set: a RuleSet without its version (assigned on publish). */
export type DraftRuleSet = Omit<RuleSet, "version">;

export interface DraftRow {
  ruleSet: DraftRuleSet;
  basedOnVersion: number | null;
  revision: number;
  updatedAtMs: number;
  updatedBy: string;
}

export interface VersionRow {
  version: number;
  ruleSet: RuleSet;
  publishedAtMs: number;
  publishedBy: string;
  note: string | null;
  rolledBackFrom: number | null;
}

export type VersionSummary = Omit<VersionRow, "ruleSet">;

export async function findDraft(env: ApiEnv): Promise<DraftRow | null> {
  const row = (
    await drizzle(env.DB).select().from(ruleSetDraft).where(eq(ruleSetDraft.id, DRAFT_ID)).limit(1)
  )[0];
  if (!row) return null;
  return {
    ruleSet: row.ruleSet as DraftRuleSet,
    basedOnVersion: row.basedOnVersion,
    revision: row.revision,
    updatedAtMs: row.updatedAtMs,
    updatedBy: row.updatedBy,
  };
}

/** Saves the draft (a validated rule set) as one new revision. */
export async function saveDraft(
  env: ApiEnv,
  draft: { ruleSet: DraftRuleSet; basedOnVersion: number | null; nowMs: number; by: string },
): Promise<void> {
  const values = {
    ruleSet: draft.ruleSet,
    basedOnVersion: draft.basedOnVersion,
    updatedAtMs: draft.nowMs,
    updatedBy: draft.by,
  };
  await drizzle(env.DB)
    .insert(ruleSetDraft)
    .values({ id: DRAFT_ID, revision: 1, ...values })
    .onConflictDoUpdate({
      target: ruleSetDraft.id,
      set: { ...values, revision: sql`${ruleSetDraft.revision} + 1` },
    });
}

export async function findVersion(env: ApiEnv, version: number): Promise<VersionRow | null> {
  const row = (
    await drizzle(env.DB)
      .select()
      .from(ruleSetVersions)
      .where(eq(ruleSetVersions.version, version))
      .limit(1)
  )[0];
  return row ? { ...row, ruleSet: row.ruleSet as RuleSet } : null;
}

/** The live version's number, or 0 when nothing was ever published. */
export async function liveVersionNumber(env: ApiEnv): Promise<number> {
  const row = (
    await drizzle(env.DB)
      .select({ version: ruleSetLive.version })
      .from(ruleSetLive)
      .where(eq(ruleSetLive.id, LIVE_ID))
      .limit(1)
  )[0];
  return row?.version ?? 0;
}

/** Versions newest first, without their rule sets, `limit` at a time below `beforeVersion`. */
export async function listVersions(
  env: ApiEnv,
  query: { limit: number; beforeVersion?: number | undefined },
): Promise<{ items: VersionSummary[]; nextBeforeVersion: number | null }> {
  const rows = await drizzle(env.DB)
    .select({
      version: ruleSetVersions.version,
      publishedAtMs: ruleSetVersions.publishedAtMs,
      publishedBy: ruleSetVersions.publishedBy,
      note: ruleSetVersions.note,
      rolledBackFrom: ruleSetVersions.rolledBackFrom,
    })
    .from(ruleSetVersions)
    .where(
      query.beforeVersion === undefined
        ? undefined
        : lt(ruleSetVersions.version, query.beforeVersion),
    )
    .orderBy(desc(ruleSetVersions.version))
    .limit(query.limit + 1);
  const items = rows.slice(0, query.limit);
  return {
    items,
    nextBeforeVersion: rows.length > query.limit ? (items.at(-1)?.version ?? null) : null,
  };
}

export type PublishOutcome = { status: "published" } | { status: "stale"; liveVersion: number };

/**
 * Inserts `row` as the new live version (its number must be the live one + 1), in one D1
 * transaction with the live pointer and, for a publish, the draft's re-basing onto it (only
 * if the draft is still the revision that was published). If another publish or rollback took
 * the number first, nothing is written and the outcome is `stale`.
 */
export async function insertLiveVersion(
  env: ApiEnv,
  row: VersionRow,
  rebaseDraft: { revision: number } | null,
): Promise<PublishOutcome> {
  const db = drizzle(env.DB);
  try {
    await db.batch([
      db.insert(ruleSetVersions).values(row),
      db
        .insert(ruleSetLive)
        .values({ id: LIVE_ID, version: row.version, publishedAtMs: row.publishedAtMs })
        .onConflictDoUpdate({
          target: ruleSetLive.id,
          set: { version: row.version, publishedAtMs: row.publishedAtMs },
        }),
      ...(rebaseDraft
        ? [
            db
              .update(ruleSetDraft)
              .set({ basedOnVersion: row.version })
              .where(
                and(eq(ruleSetDraft.id, DRAFT_ID), eq(ruleSetDraft.revision, rebaseDraft.revision)),
              ),
          ]
        : []),
    ]);
    return { status: "published" };
  } catch (error) {
    // The batch is one transaction: nothing was written. A version taken meanwhile is a
    // refusal; anything else is an error.
    const liveVersion = await liveVersionNumber(env);
    if (liveVersion >= row.version) return { status: "stale", liveVersion };
    throw error;
  }
}
