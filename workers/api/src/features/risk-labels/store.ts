import { and, asc, gte, isNotNull, lt, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
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
 */
export async function labelledHoldsPage(
  db: D1Database,
  range: { fromMs: number; toMs: number },
  after: LabelsKey | null,
  limit: number,
): Promise<LabelledHoldRow[]> {
  // The filter keeps label and ended_at_ms non-null.
  return (await labelledHoldsQuery(db, range, after, limit)) as LabelledHoldRow[];
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
