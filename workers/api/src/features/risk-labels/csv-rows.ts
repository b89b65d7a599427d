import { type CsvValue, csvLine } from "../../console/csv";

/**
 * Pure: one labelled risk hold as a line of the labels export (docs/fraud.md "Labels
 * export"). The signals are those kept on the hold when it was decided, so a model learns
 * from what the operator saw, not from what the user's risk became later.
 */

/** A decided, labelled hold as D1 `risk_holds` keeps it (the columns the export reads). */
export interface LabelledHoldRow {
  userId: string;
  holdId: string;
  kind: string;
  source: string;
  ruleId: string | null;
  ruleVersion: number | null;
  reasonCodes: string;
  placedAtMs: number;
  endedAtMs: number;
  decidedBy: string | null;
  label: string;
  decisionSignalsJson: string | null;
}

export const LABELS_CSV_COLUMNS = [
  "user_id",
  "hold_id",
  "kind",
  "source",
  "rule_id",
  "rule_version",
  "reason_codes",
  "placed_at",
  "ended_at",
  "decided_by",
  "label",
  "score_at_decision",
  "reasons_at_decision",
] as const;

export const labelsCsvHeader = (): string => csvLine(LABELS_CSV_COLUMNS);

interface DecisionSignals {
  score: number;
  reasons: Array<{ code: string; score: number; detail: string }>;
}

function signalsOf(json: string | null): DecisionSignals | null {
  if (!json) return null;
  try {
    return JSON.parse(json) as DecisionSignals;
  } catch {
    return null;
  }
}

/**
 * The row's CSV line: reason codes space-separated, times ISO 8601 (UTC), the signals at
 * decision as a score and a JSON array of reasons (both empty when none were kept).
 *
 * @example
 * labelsCsvLine({ userId: "u1", holdId: "h1", kind: "payouts", source: "rule",
 *   ruleId: "ring", ruleVersion: 2, reasonCodes: " shared_device ", placedAtMs: 0,
 *   endedAtMs: 60_000, decidedBy: "ops", label: "fraud",
 *   decisionSignalsJson: '{"score":70,"reasons":[]}' });
 * // 'u1,h1,payouts,rule,ring,2,shared_device,1970-01-01T00:00:00.000Z,1970-01-01T00:01:00.000Z,ops,fraud,70,[]\r\n'
 */
export function labelsCsvLine(row: LabelledHoldRow): string {
  const signals = signalsOf(row.decisionSignalsJson);
  const cells: CsvValue[] = [
    row.userId,
    row.holdId,
    row.kind,
    row.source,
    row.ruleId,
    row.ruleVersion,
    row.reasonCodes.trim().split(/\s+/).filter(Boolean).join(" "),
    new Date(row.placedAtMs).toISOString(),
    new Date(row.endedAtMs).toISOString(),
    row.decidedBy,
    row.label,
    signals ? signals.score : null,
    signals ? JSON.stringify(signals.reasons) : null,
  ];
  return csvLine(cells);
}
