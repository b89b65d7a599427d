import { gt, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import { type DbRouterEnv, userDb } from "#shared/db/router";
import { riskHolds } from "#shared/db/schema";
import type { RiskHoldProjection } from "#shared/messages";

/**
 * Pure: the reason codes as the `reason_codes` column keeps them, each between spaces, so one
 * code is found with `LIKE '% code %'` and no code matches inside another.
 *
 * @example
 * reasonCodesColumn([{ code: "shared_device" }, { code: "click_iframe" }]) // " shared_device click_iframe "
 */
export function reasonCodesColumn(reasons: ReadonlyArray<{ code: string }>): string {
  return ` ${reasons.map((r) => r.code).join(" ")} `;
}

/** Pure: what a hold's reasons add to the user's score, as the queue shows and sorts it. */
export function scoreContribution(reasons: ReadonlyArray<{ score: number }>): number {
  return reasons.reduce((sum, r) => sum + r.score, 0);
}

/**
 * The upsert of one hold into D1 `risk_holds` on the user's database, kept only when newer than
 * the stored row. `risk_holds` is a user table spread over the user databases
 * (shared/db/placement.ts `ROUTED`): this file, queue-store.ts, risk-labels/store.ts and
 * analytics/risk-rates.ts are the only code that names it.
 */
export function riskHoldProjection(
  env: DbRouterEnv,
  userId: string,
  h: RiskHoldProjection["hold"],
): { db: D1Database; statements: BatchItem<"sqlite">[] } {
  const db = userDb(env, userId);
  const values = {
    kind: h.kind,
    subjectRef: h.subjectRef,
    source: h.source,
    ruleId: h.ruleId,
    ruleVersion: h.ruleVersion,
    reasonsJson: JSON.stringify(h.reasons),
    reasonCodes: reasonCodesColumn(h.reasons),
    scoreContribution: scoreContribution(h.reasons),
    status: h.status,
    placedAtMs: h.placedAtMs,
    autoReleaseAtMs: h.autoReleaseAtMs,
    endedAtMs: h.endedAtMs,
    endedHow: h.endedHow,
    decidedBy: h.decidedBy,
    decisionNote: h.decisionNote,
    label: h.label,
    decisionSignalsJson: h.decisionSignals ? JSON.stringify(h.decisionSignals) : null,
    version: h.version,
  };
  const statement = drizzle(db)
    .insert(riskHolds)
    .values({ userId, holdId: h.holdId, ...values })
    .onConflictDoUpdate({
      target: [riskHolds.userId, riskHolds.holdId],
      set: values,
      // `excluded` is SQLite's name for the proposed row; the builder has no column helper for it.
      setWhere: gt(sql.raw("excluded.version"), riskHolds.version),
    });
  return { db, statements: [statement] };
}
