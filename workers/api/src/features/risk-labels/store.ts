import { and, asc, gte, isNotNull, lt, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { keysetPartsAtHome } from "#shared/db/move-reads";
import { type DbRouterEnv, eachUserDb } from "#shared/db/router";
import { riskHolds } from "#shared/db/schema";
import type { LabelledHoldRow } from "./csv-rows";

/** Where an export stood in the keyset order (ended_at_ms, user_id, hold_id). */
export interface LabelsKey {
  endedAtMs: number;
  userId: string;
  holdId: string;
}

/**
 * One page of labelled holds that ended in [fromMs, toMs), after `after` in the keyset order
 * (ended_at_ms, user_id, hold_id): decided holds without a label are not training data.
 * `risk_holds` is spread over the user databases: each gives its first `limit` after the key,
 * and the first `limit` of their merge are the page.
 */
export async function labelledHoldsPage(
  env: DbRouterEnv,
  range: { fromMs: number; toMs: number },
  after: LabelsKey | null,
  limit: number,
): Promise<LabelledHoldRow[]> {
  // During a flipped move a user's holds are in two databases: each keeps its own.
  // The query keeps label and ended_at_ms non-null.
  const parts = await keysetPartsAtHome<LabelledHoldRow>(
    env,
    eachUserDb(env),
    limit,
    async (db, last) =>
      (await labelledHoldsQuery(db, range, last ?? after, limit)) as LabelledHoldRow[],
    (row) => row.userId,
  );
  return parts
    .flat()
    .sort(
      (a, b) =>
        a.endedAtMs - b.endedAtMs ||
        (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0) ||
        (a.holdId < b.holdId ? -1 : a.holdId > b.holdId ? 1 : 0),
    )
    .slice(0, limit);
}

/**
 * The page's query, read in keyset order from `risk_holds_labelled_idx` (a partial index of the
 * labelled holds) without a sort, so each page costs its own rows, however long the export.
 */
export function labelledHoldsQuery(
  db: D1Database,
  range: { fromMs: number; toMs: number },
  after: LabelsKey | null,
  limit: number,
) {
  return drizzle(db)
    .select({
      userId: riskHolds.userId,
      holdId: riskHolds.holdId,
      kind: riskHolds.kind,
      source: riskHolds.source,
      ruleId: riskHolds.ruleId,
      ruleVersion: riskHolds.ruleVersion,
      reasonCodes: riskHolds.reasonCodes,
      placedAtMs: riskHolds.placedAtMs,
      endedAtMs: riskHolds.endedAtMs,
      decidedBy: riskHolds.decidedBy,
      label: riskHolds.label,
      decisionSignalsJson: riskHolds.decisionSignalsJson,
    })
    .from(riskHolds)
    .where(
      and(
        isNotNull(riskHolds.label),
        gte(riskHolds.endedAtMs, range.fromMs),
        lt(riskHolds.endedAtMs, range.toMs),
        after
          ? sql`(${riskHolds.endedAtMs}, ${riskHolds.userId}, ${riskHolds.holdId}) > (${after.endedAtMs}, ${after.userId}, ${after.holdId})`
          : undefined,
      ),
    )
    .orderBy(asc(riskHolds.endedAtMs), asc(riskHolds.userId), asc(riskHolds.holdId))
    .limit(limit);
}
