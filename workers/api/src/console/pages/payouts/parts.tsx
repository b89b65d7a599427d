import type { Context } from "hono";
import type { ProblemBody } from "#shared/http/errors";
import type { ConsoleContext } from "../../context";
import { fieldError } from "../../views/components";
import { Csrf } from "../../views/layout";

/**
 * Pieces the operations pages share (review queues, payouts, reconciliation, audit log):
 * an action form with a required reason, the status a failed action answers with, and the
 * API's admin types they render.
 */

export interface AdminPayout {
  id: string;
  userId: string;
  status: string;
  destinationType: string | null;
  destinationMasked: string | null;
  amountMinor: number | null;
  currency: string | null;
  holdReason: string | null;
  failureCode: string | null;
  attention: string | null;
  attempts: number;
  processorId: string | null;
  processorRef: string | null;
  createdAt: string | null;
  updatedAt: string;
  paidAt: string | null;
}

export type Page<T> = { items: T[]; nextCursor: string | null };

export const PAYOUT_API = "/admin/v1/payouts";

/** What went wrong with one action form, so the page shows it beside that form. */
export interface FailedAction {
  /** The form's key: `<id>:<action>`. */
  key: string;
  problem: ProblemBody;
  reason: string;
}

export const str = (v: unknown) => (typeof v === "string" ? v : "");

/** The status a page re-rendered with an API problem answers with. */
export function problemStatus(status: number): 400 | 403 | 404 | 409 | 503 {
  return ([400, 403, 404, 409, 503].includes(status) ? status : 400) as 400 | 403 | 404 | 409 | 503;
}

/** The filters of a list page from its query: only the named keys, empty ones dropped. */
export function filtersOf<K extends string>(
  c: Context<ConsoleContext>,
  keys: readonly K[],
): Partial<Record<K, string>> {
  return filtersFrom(c.req.query(), keys);
}

/** Pure: `filtersOf` on a query's values (trimmed; only the named keys, empty ones dropped). */
export function filtersFrom<K extends string>(
  query: Record<string, string | undefined>,
  keys: readonly K[],
): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const key of keys) {
    const value = query[key]?.trim();
    if (value) out[key] = value;
  }
  return out;
}

/** A date input's value (YYYY-MM-DD) as the API's ISO instant at UTC midnight, or undefined. */
export function dayToIso(day: string | undefined): string | undefined {
  if (!day) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(day)) return `${day}T00:00:00Z`;
  return day;
}

/**
 * One action on one resource, with the reason the issue requires: a labelled textarea, the
 * API's message for it inline when the action came back refused, and a submit button.
 */
export function ReasonForm(props: {
  action: string;
  formKey: string;
  label: string;
  token: string;
  failed?: FailedAction | null;
  hidden?: Record<string, string>;
  danger?: boolean;
}) {
  const id = `reason-${props.formKey.replace(/[^A-Za-z0-9_-]/g, "-")}`;
  const failed = props.failed?.key === props.formKey ? props.failed : null;
  // Only the reason's own error shows here; any other problem is shown above the page
  // (hasFieldError), so a role that sees no form still reads why it was refused.
  const error = failed ? fieldError(failed.problem, "reason") : undefined;
  return (
    <form method="post" action={props.action} class="decision">
      <Csrf token={props.token} />
      {Object.entries(props.hidden ?? {}).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <label for={id}>Reason to {props.label.toLowerCase()}</label>
      <textarea
        id={id}
        name="reason"
        required
        maxlength={500}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      >
        {failed?.reason ?? ""}
      </textarea>
      {error ? (
        <div class="error" id={`${id}-error`} role="alert">
          {error}
        </div>
      ) : null}
      <button type="submit" class={props.danger ? "danger" : undefined}>
        {props.label}
      </button>
    </form>
  );
}

/** The payout actions an operator may take in a status (the wallet decides for real). */
export function payoutActionsFor(status: string): Array<"approve" | "retry" | "cancel"> {
  switch (status) {
    case "held":
      return ["approve", "cancel"];
    case "stuck":
      return ["retry", "cancel"];
    case "queued":
    case "retrying":
      return ["retry", "cancel"];
    case "submitting":
      return ["retry"];
    default:
      return [];
  }
}

export const PAYOUT_ACTION_LABELS: Record<"approve" | "retry" | "cancel", string> = {
  approve: "Release",
  retry: "Retry",
  cancel: "Cancel",
};

/** Whether a failed action's problem is about the reason field (shown inline, not on top). */
export function hasFieldError(failed: FailedAction | null): boolean {
  return Boolean(failed && fieldError(failed.problem, "reason"));
}
