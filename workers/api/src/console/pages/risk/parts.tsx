import type { ProblemBody } from "#shared/http/errors";
import { fieldError } from "../../views/components";
import { Csrf } from "../../views/layout";
import { type DecisionForm, holdKey } from "./forms";
import { DECISIONS, LABELS, RISK_BASE, type RiskReason } from "./types";

/** What the risk pages share: their tabs, a reason list, the decision fields and form. */

const TABS = [{ key: "holds", label: "Review queue", href: `${RISK_BASE}/holds` }] as const;

/** The section's links under the title; a user's page adds itself as the current one. */
export function RiskTabs({ current, userId }: { current: "holds" | "user"; userId?: string }) {
  return (
    <nav class="tabs" aria-label="Risk sections">
      {TABS.map((t) => (
        <a href={t.href} aria-current={t.key === current ? "page" : undefined}>
          {t.label}
        </a>
      ))}
      {userId ? (
        <a href={`${RISK_BASE}/users/${encodeURIComponent(userId)}`} aria-current="page">
          User {userId}
        </a>
      ) : null}
    </nav>
  );
}

/** Reasons with their codes, score points and details; "none" when there are none. */
export function ReasonList({ reasons }: { reasons: readonly RiskReason[] }) {
  if (reasons.length === 0) return <span class="muted">none</span>;
  return (
    <ul class="plain">
      {reasons.map((r) => (
        <li>
          <code>{r.code}</code> <span class="badge warn">{r.score}</span> {r.detail}
        </li>
      ))}
    </ul>
  );
}

export const DECISION_LABELS = { release: "Release", uphold: "Uphold" } as const;
export const LABEL_TEXTS = { fraud: "Fraud", not_fraud: "Not fraud", unsure: "Unsure" } as const;

/** A refused decision, shown beside the form it came from (`key`). */
export interface FailedDecision {
  key: string;
  problem: ProblemBody;
  form: DecisionForm;
}

/**
 * The fields of a decision: release or uphold, the label for training, and the reason
 * (required; the API's message for it shown beside it). `idPrefix` keeps ids unique on a page
 * with a form per hold.
 */
export function DecisionFields(props: {
  idPrefix: string;
  failed: FailedDecision | null;
  /** The label for the reason field. */
  reasonLabel?: string;
}) {
  const id = (name: string) => `${props.idPrefix}-${name}`;
  const values = props.failed?.form;
  const problem = props.failed?.problem;
  const reasonError = fieldError(problem, "reason");
  const decisionError = fieldError(problem, "decision");
  return (
    <>
      <div class="field">
        <label for={id("decision")}>Decision</label>
        <select
          id={id("decision")}
          name="decision"
          aria-invalid={decisionError ? "true" : undefined}
        >
          {DECISIONS.map((d) => (
            <option value={d} selected={values?.decision === d}>
              {DECISION_LABELS[d]}
            </option>
          ))}
        </select>
        {decisionError ? (
          <div class="error" role="alert">
            {decisionError}
          </div>
        ) : null}
      </div>
      <div class="field">
        <label for={id("label")}>Label for training</label>
        <select id={id("label")} name="label">
          <option value="" selected={!values?.label}>
            No label
          </option>
          {LABELS.map((l) => (
            <option value={l} selected={values?.label === l}>
              {LABEL_TEXTS[l]}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for={id("reason")}>{props.reasonLabel ?? "Reason"}</label>
        <textarea
          id={id("reason")}
          name="reason"
          required
          maxlength={500}
          aria-invalid={reasonError ? "true" : undefined}
          aria-describedby={reasonError ? `${id("reason")}-error` : undefined}
        >
          {values?.reason ?? ""}
        </textarea>
        {reasonError ? (
          <div class="error" id={`${id("reason")}-error`} role="alert">
            {reasonError}
          </div>
        ) : null}
      </div>
    </>
  );
}

/** One hold's decision form (a user's risk page): POSTs to the console, which calls the API. */
export function HoldDecisionForm(props: {
  userId: string;
  holdId: string;
  token: string;
  failed: FailedDecision | null;
}) {
  const key = holdKey(props.userId, props.holdId);
  const failed = props.failed?.key === key ? props.failed : null;
  const idPrefix = `decide-${props.holdId.replace(/[^A-Za-z0-9_-]/g, "-")}`;
  return (
    <form
      method="post"
      action={`${RISK_BASE}/users/${encodeURIComponent(props.userId)}/holds/decision`}
      class="decision"
      aria-label={`Decide hold ${props.holdId}`}
    >
      <Csrf token={props.token} />
      <input type="hidden" name="holdId" value={props.holdId} />
      <DecisionFields idPrefix={idPrefix} failed={failed} reasonLabel="Reason for the decision" />
      <button type="submit">Decide</button>
    </form>
  );
}
