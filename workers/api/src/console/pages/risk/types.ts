/**
 * The risk admin API as the console reads it (docs/fraud.md "API"; client/schema.d.ts has the
 * contract): a hold, a row of the review queue, a user's risk, the bulk decision's answer.
 */

export const RISK_API = "/admin/v1/risk";
export const HOLDS_API = `${RISK_API}/holds`;
export const BULK_DECISIONS_API = `${HOLDS_API}/decisions`;
export const RISK_BASE = "/console/risk";

export {
  HOLD_KINDS,
  HOLD_LABELS as LABELS,
  HOLD_SOURCES,
  HOLD_STATUSES,
} from "#shared/fraud/risk-contract";

import type { HOLD_LABELS } from "#shared/fraud/risk-contract";
export const DECISIONS = ["release", "uphold"] as const;
export type Label = (typeof HOLD_LABELS)[number];
export type Decision = (typeof DECISIONS)[number];

export interface RiskReason {
  code: string;
  score: number;
  detail: string;
}

/** A hold as the user's risk read and the single decision answer it. */
export interface RiskHold {
  holdId: string;
  kind: string;
  subjectRef: string | null;
  reasons: RiskReason[];
  source: string;
  ruleId: string | null;
  ruleVersion: number | null;
  status: string;
  placedAtMs: number;
  autoReleaseAtMs: number | null;
  endedAtMs: number | null;
  endedHow: string | null;
  decidedBy: string | null;
  decisionNote: string | null;
  label: Label | null;
}

/** A row of the review queue (GET /admin/v1/risk/holds): a hold with its user. */
export interface RiskHoldRow extends RiskHold {
  userId: string;
  scoreContribution?: number;
  decisionSignals?: { score: number; reasons: RiskReason[] } | null;
}

export interface RiskHistoryEntry {
  score: number;
  reasons: RiskReason[];
  ruleVersion?: number | null;
  atMs?: number;
  observationId?: string;
}

/** GET /admin/v1/risk/users/{id}. */
export interface UserRisk {
  userId: string;
  risk: {
    score: number;
    reasons: RiskReason[];
    history: RiskHistoryEntry[];
    velocity?: Record<string, Record<string, number>> | null;
    asOfMs?: number;
  } | null;
  holds: RiskHold[];
  linkedAccounts: {
    accounts: Array<{ userId: string; depth: number }>;
    edges: Array<{ fromUserId: string; toUserId: string; kind: string }>;
    truncated: boolean;
  };
}

export type BulkOutcome = "decided" | "already" | "conflict" | "not_found" | "failed";

/** POST /admin/v1/risk/holds/decisions. */
export interface BulkDecisionAnswer {
  results: Array<{
    userId: string;
    holdId: string;
    outcome: BulkOutcome;
    hold: RiskHoldRow | null;
  }>;
}

export const riskUserHref = (userId: string) => `${RISK_BASE}/users/${encodeURIComponent(userId)}`;

/** The admin path of one hold's decision. */
export const holdDecisionPath = (userId: string, holdId: string) =>
  `${HOLDS_API}/${encodeURIComponent(userId)}/${encodeURIComponent(holdId)}/decision`;
