import { type DbRouterEnv, eachUserDb, userDb } from "#shared/db/router";
import type { RiskHoldProjection } from "#shared/messages";
import { rowsToFetch, splitPage } from "#shared/paging";
import { cursorInt, decodeCursor, encodeCursor } from "../users/cursor";

/**
 * SQL of the review queue (docs/fraud.md "Review"): D1 `risk_holds`, each wallet's holds as it
 * projects them (projection-store.ts). Active holds come oldest placed first (the queue's
 * order, `risk_holds_status_idx`); ended ones newest ended first. Keyset pages: the cursor is
 * the last row's (time, user, hold). `risk_holds` is spread over the user databases: each user
 * database (only the user's, when the filter names one) gives its first rows after the cursor,
 * and the first of their merge are the page (a hold lives in one database, so none is lost or
 * repeated).
 */

type Hold = RiskHoldProjection["hold"];

export interface RiskHoldRow {
  userId: string;
  holdId: string;
  kind: Hold["kind"];
  subjectRef: string | null;
  source: Hold["source"];
  ruleId: string | null;
  ruleVersion: number | null;
  reasons: Hold["reasons"];
  scoreContribution: number;
  status: Hold["status"];
  placedAtMs: number;
  autoReleaseAtMs: number | null;
  endedAtMs: number | null;
  endedHow: Hold["endedHow"];
  decidedBy: string | null;
  decisionNote: string | null;
  label: Hold["label"];
  decisionSignals: Hold["decisionSignals"];
}

export interface RiskHoldFilter {
  status: Hold["status"];
  kind?: Hold["kind"];
  source?: Hold["source"];
  /** One reason code the hold carries. */
  reason?: string;
  userId?: string;
  label?: NonNullable<Hold["label"]>;
  /** Placed at or after. */
  fromMs?: number;
  /** Placed before. */
  toMs?: number;
}

interface Row {
  user_id: string;
  hold_id: string;
  kind: string;
  subject_ref: string | null;
  source: string;
  rule_id: string | null;
  rule_version: number | null;
  reasons_json: string;
  score_contribution: number;
  status: string;
  placed_at_ms: number;
  auto_release_at_ms: number | null;
  ended_at_ms: number | null;
  ended_how: string | null;
  decided_by: string | null;
  decision_note: string | null;
  label: string | null;
  decision_signals_json: string | null;
}

function toRow(r: Row): RiskHoldRow {
  return {
    userId: r.user_id,
    holdId: r.hold_id,
    kind: r.kind as Hold["kind"],
    subjectRef: r.subject_ref,
    source: r.source as Hold["source"],
    ruleId: r.rule_id,
    ruleVersion: r.rule_version,
    reasons: JSON.parse(r.reasons_json) as Hold["reasons"],
    scoreContribution: r.score_contribution,
    status: r.status as Hold["status"],
    placedAtMs: r.placed_at_ms,
    autoReleaseAtMs: r.auto_release_at_ms,
    endedAtMs: r.ended_at_ms,
    endedHow: r.ended_how as Hold["endedHow"],
    decidedBy: r.decided_by,
    decisionNote: r.decision_note,
    label: r.label as Hold["label"],
    decisionSignals: r.decision_signals_json
      ? (JSON.parse(r.decision_signals_json) as Hold["decisionSignals"])
      : null,
  };
}

/**
 * One page of the queue.
 *
 * @example
 * await listRiskHoldRows(env, { status: "active", kind: "payouts" }, 50, undefined)
 * // { holds: [...], nextCursor: "…" | null }
 */
export async function listRiskHoldRows(
  env: DbRouterEnv,
  filter: RiskHoldFilter,
  limit: number,
  cursor: string | undefined,
): Promise<{ holds: RiskHoldRow[]; nextCursor: string | null }> {
  const active = filter.status === "active";
  const timeColumn = active ? "placed_at_ms" : "ended_at_ms";
  const where: string[] = ["status = ?"];
  const binds: Array<string | number> = [filter.status];
  const add = (clause: string, ...values: Array<string | number>) => {
    where.push(clause);
    binds.push(...values);
  };
  if (filter.kind) add("kind = ?", filter.kind);
  if (filter.source) add("source = ?", filter.source);
  // `reason_codes` keeps each code between spaces: an exact code, never part of another.
  if (filter.reason) add("instr(reason_codes, ?) > 0", ` ${filter.reason} `);
  if (filter.userId) add("user_id = ?", filter.userId);
  if (filter.label) add("label = ?", filter.label);
  if (filter.fromMs !== undefined) add("placed_at_ms >= ?", filter.fromMs);
  if (filter.toMs !== undefined) add("placed_at_ms < ?", filter.toMs);
  const after = decodeCursor(cursor, 3);
  if (after) {
    add(
      `(${timeColumn}, user_id, hold_id) ${active ? ">" : "<"} (?, ?, ?)`,
      cursorInt(after[0] as string),
      after[1] as string,
      after[2] as string,
    );
  }
  const dir = active ? "ASC" : "DESC";
  const fetch = rowsToFetch(limit);
  const dbs = filter.userId ? [userDb(env, filter.userId)] : eachUserDb(env);
  const parts = await Promise.all(
    dbs.map(
      async (db) =>
        (
          await db
            .prepare(
              `SELECT * FROM risk_holds WHERE ${where.join(" AND ")}
               ORDER BY ${timeColumn} ${dir}, user_id ${dir}, hold_id ${dir} LIMIT ?`,
            )
            .bind(...binds, fetch)
            .all<Row>()
        ).results,
    ),
  );
  const time = (r: Row) => (active ? r.placed_at_ms : (r.ended_at_ms ?? 0));
  const ascending = (a: Row, b: Row) =>
    time(a) - time(b) ||
    (a.user_id < b.user_id ? -1 : a.user_id > b.user_id ? 1 : 0) ||
    (a.hold_id < b.hold_id ? -1 : a.hold_id > b.hold_id ? 1 : 0);
  const results = parts
    .flat()
    .sort((a, b) => (active ? ascending(a, b) : ascending(b, a)))
    .slice(0, fetch);
  const { rows, nextCursor } = splitPage(results, limit, (last) =>
    encodeCursor([
      active ? last.placed_at_ms : (last.ended_at_ms ?? 0),
      last.user_id,
      last.hold_id,
    ]),
  );
  return { holds: rows.map(toRow), nextCursor };
}
