import type { Child } from "hono/jsx";
import type { ProblemBody } from "#shared/http/errors";
import { formatMoney } from "../format/money";
import { formatDateTime } from "../format/time";

/** Money from integer minor units, formatted for the currency. */
export function Money({ amountMinor, currency }: { amountMinor: number; currency: string }) {
  return <span class="money">{formatMoney(amountMinor, currency)}</span>;
}

/** A time in the operator's zone, with the exact ISO instant in the element. */
export function DateTime({ at, timeZone }: { at: string | number | null; timeZone: string }) {
  if (at === null) return <span>—</span>;
  const iso = new Date(at).toISOString();
  return <time datetime={iso}>{formatDateTime(at, timeZone)}</time>;
}

/**
 * A problem+json answer as a readable message: its title and detail, and each bad field.
 * `role="alert"` so screen readers announce it when a form comes back with it.
 */
export function ProblemNotice({ problem }: { problem: ProblemBody | null | undefined }) {
  if (!problem) return null;
  return (
    <div class="notice bad" role="alert">
      <strong>{problem.title}</strong>: {problem.detail}
      {problem.errors && problem.errors.length > 0 ? (
        <ul>
          {problem.errors.map((e) => (
            <li>
              <code>{e.path}</code>: {e.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** A one-line confirmation after an action (from the `notice` query parameter). */
export function Notice({ text }: { text: string | undefined }) {
  if (!text) return null;
  return (
    <div class="notice ok" role="status">
      {text}
    </div>
  );
}

export function EmptyState({ children }: { children?: Child }) {
  return <p class="empty">{children}</p>;
}

const BADGE_TONES: Record<string, "ok" | "warn" | "bad"> = {
  active: "ok",
  approved: "ok",
  confirmed: "ok",
  paid: "ok",
  succeeded: "ok",
  accepted: "ok",
  closed: "ok",
  verified: "ok",
  pending: "warn",
  held: "warn",
  review: "warn",
  attention: "bad",
  processing: "warn",
  open: "bad",
  rejected: "bad",
  failed: "bad",
  cancelled: "bad",
  declined: "bad",
  reversed: "bad",
  broken: "bad",
  sealing: "warn",
};

/** A status as a coloured pill; the tone follows the word. */
export function Badge({ status }: { status: string }) {
  const tone = BADGE_TONES[status];
  return <span class={tone ? `badge ${tone}` : "badge"}>{status}</span>;
}

/** "Next page" from an API cursor, keeping the current filters. */
export function Pager({
  basePath,
  query,
  nextCursor,
}: {
  basePath: string;
  query: Record<string, string | undefined>;
  nextCursor: string | null;
}) {
  if (!nextCursor) return null;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v && k !== "cursor") params.set(k, v);
  params.set("cursor", nextCursor);
  return (
    <nav class="pager" aria-label="Pagination">
      <a class="button secondary" href={`${basePath}?${params.toString()}`}>
        Next page
      </a>
    </nav>
  );
}

/** A form field with its label, a hint, and the error the API gave for it. */
export function Field(props: {
  name: string;
  label: string;
  value?: string | number | null;
  type?: string;
  required?: boolean;
  hint?: string;
  error?: string;
  autocomplete?: string;
}) {
  const id = `f-${props.name.replace(/[^a-zA-Z0-9_-]/g, "-")}`;
  const describedBy = [props.hint ? `${id}-hint` : "", props.error ? `${id}-error` : ""]
    .filter(Boolean)
    .join(" ");
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? "text"}
        value={props.value === null || props.value === undefined ? "" : String(props.value)}
        required={props.required}
        autocomplete={props.autocomplete}
        aria-invalid={props.error ? "true" : undefined}
        aria-describedby={describedBy || undefined}
      />
      {props.hint ? (
        <div class="hint" id={`${id}-hint`}>
          {props.hint}
        </div>
      ) : null}
      {props.error ? (
        <div class="error" id={`${id}-error`}>
          {props.error}
        </div>
      ) : null}
    </div>
  );
}

/** The API's message for one field of a problem, if any (for inline form errors). */
export function fieldError(
  problem: ProblemBody | null | undefined,
  field: string,
): string | undefined {
  return problem?.errors?.find((e) => e.path === field || e.path.endsWith(`.${field}`))?.message;
}
