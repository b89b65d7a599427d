import type { Child } from "hono/jsx";
import type { ProblemBody } from "#shared/http/errors";
import { DateTime } from "../../views/components";
import type { Viewer } from "../../views/layout";
import { budgetSummary, effectSummary } from "./summary";
import { RULES_API, type Rule } from "./types";

/** What the rules pages share: their tabs, the rules table, result badges, the role note. */

export const RULES_BASE = "/console/rules";

const TABS = [
  { key: "live", label: "Live rules", href: RULES_BASE },
  { key: "draft", label: "Draft", href: `${RULES_BASE}/draft` },
  { key: "simulate", label: "Simulator", href: `${RULES_BASE}/simulate` },
  { key: "budgets", label: "Budgets", href: `${RULES_BASE}/budgets` },
] as const;

export type RulesTab = (typeof TABS)[number]["key"];

/** The section's own links under the page title (the nav's "Rules" opens the live rules). */
export function RulesTabs({ current }: { current: RulesTab }) {
  return (
    <nav class="tabs" aria-label="Rules sections">
      {TABS.map((t) => (
        <a href={t.href} aria-current={t.key === current ? "page" : undefined}>
          {t.label}
        </a>
      ))}
    </nav>
  );
}

/** Whether the operator's role may change rule sets (the API decides: catalog and admin). */
export const canWriteRules = (api: { can(method: string, path: string): boolean }) =>
  api.can("PUT", `${RULES_API}/draft`);

/** For the roles that only read: what they see instead of the forms. */
export function ReadOnlyRulesNote() {
  return (
    <p class="muted">
      Your role reads the rules; changing, publishing or rolling them back needs the catalog or
      admin role.
    </p>
  );
}

/** The status a page re-rendered with an API problem answers with. */
export function problemStatus(status: number): 400 | 403 | 404 | 409 | 413 | 503 {
  return ([400, 403, 404, 409, 413, 503].includes(status) ? status : 400) as
    | 400
    | 403
    | 404
    | 409
    | 413
    | 503;
}

/** A problem made here, for what cannot even be sent (text that is not JSON). */
export function consoleProblem(errors: Array<{ path: string; message: string }>): ProblemBody {
  return {
    type: "about:blank",
    title: "The form has errors",
    status: 400,
    code: "validation_failed",
    detail: "fix what is marked and try again",
    errors,
  };
}

const RESULT_TONES: Record<string, "ok" | "warn" | "bad"> = {
  pass: "ok",
  applied: "ok",
  in: "ok",
  fail: "bad",
  conditions_failed: "bad",
  out_of_schedule: "warn",
  not_started: "warn",
  ended: "warn",
  outranked: "warn",
};

/** A trace result or outcome as a pill, its words readable ("conditions failed"). */
export function ResultBadge({ result }: { result: string }) {
  const tone = RESULT_TONES[result];
  return <span class={tone ? `badge ${tone}` : "badge"}>{result.replaceAll("_", " ")}</span>;
}

/** A rule's schedule: "always", or its bounds in the operator's zone. */
export function ScheduleText({
  schedule,
  timeZone,
}: {
  schedule: { startsAtMs?: number | undefined; endsAtMs?: number | undefined };
  timeZone: string;
}) {
  const { startsAtMs, endsAtMs } = schedule;
  if (startsAtMs === undefined && endsAtMs === undefined) return <span class="muted">always</span>;
  return (
    <span>
      {startsAtMs === undefined ? "…" : <DateTime at={startsAtMs} timeZone={timeZone} />} –{" "}
      {endsAtMs === undefined ? "…" : <DateTime at={endsAtMs} timeZone={timeZone} />}
    </span>
  );
}

/** The rules of a rule set, one row each, in the order the engine ranks them within a group. */
export function RulesTable(props: {
  rules: Rule[];
  groups: Array<{ name: string; mode: string }>;
  viewer: Viewer;
  caption: string;
}) {
  const modeOf = new Map(props.groups.map((g) => [g.name, g.mode]));
  if (props.rules.length === 0) return <p class="empty">No rules in this version.</p>;
  return (
    <table>
      <caption class="visually-hidden">{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col">Rule</th>
          <th scope="col">Events</th>
          <th scope="col">Group (stacking)</th>
          <th scope="col" class="num">
            Priority
          </th>
          <th scope="col">Effects</th>
          <th scope="col">Schedule</th>
          <th scope="col">Budgets</th>
          <th scope="col">State</th>
        </tr>
      </thead>
      <tbody>
        {props.rules.map((r) => (
          <tr>
            <td>
              <code>{r.id}</code>
              <div class="muted">{r.name}</div>
            </td>
            <td>{r.eventTypes.join(", ")}</td>
            <td>
              {r.group} <span class="muted">({modeOf.get(r.group) ?? "?"})</span>
            </td>
            <td class="num">{r.priority}</td>
            <td>
              <ul class="plain">
                {r.effects.map((e) => (
                  <li>{effectSummary(e)}</li>
                ))}
              </ul>
            </td>
            <td>
              <ScheduleText schedule={r.schedule} timeZone={props.viewer.timeZone} />
            </td>
            <td>
              {r.budgets.length === 0 ? (
                <span class="muted">none</span>
              ) : (
                <ul class="plain">
                  {r.budgets.map((b) => (
                    <li>
                      {budgetSummary(b)}
                      {b.entity === "campaign" && r.campaignId ? ` (${r.campaignId})` : ""}
                    </li>
                  ))}
                </ul>
              )}
            </td>
            <td>
              <span class={r.active ? "badge ok" : "badge"}>
                {r.active ? "active" : "inactive"}
              </span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A labelled JSON textarea whose inline problems (each with its path) sit right under it. */
export function JsonEditor(props: {
  name: string;
  label: string;
  value: string;
  rows: number;
  hint?: string;
  problem?: ProblemBody | undefined;
  /** Only the problem's errors whose path starts with this (all when undefined). */
  pathPrefix?: string;
  /** A word on what a path points at ("rule points-per-100"), shown beside it. */
  pathNote?: (path: string) => string | undefined;
  children?: Child;
}) {
  const id = `f-${props.name}`;
  const errors = (props.problem?.errors ?? []).filter(
    (e) =>
      props.pathPrefix === undefined ||
      e.path === props.pathPrefix ||
      e.path.startsWith(`${props.pathPrefix}.`),
  );
  const describedBy = [props.hint ? `${id}-hint` : "", errors.length > 0 ? `${id}-error` : ""]
    .filter(Boolean)
    .join(" ");
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      {/* Above the text, which may be long: seen without scrolling after a refused save. */}
      {errors.length > 0 ? (
        <div class="error" id={`${id}-error`} role="alert">
          {props.problem?.detail}
          <ul class="problems">
            {errors.map((e) => {
              const note = props.pathNote?.(e.path);
              return (
                <li>
                  <code>{e.path || "(the whole text)"}</code>
                  {note ? ` (${note})` : ""}: {e.message}
                </li>
              );
            })}
          </ul>
        </div>
      ) : null}
      <textarea
        id={id}
        name={props.name}
        rows={props.rows}
        class="code"
        spellcheck={false}
        aria-invalid={errors.length > 0 ? "true" : undefined}
        aria-describedby={describedBy || undefined}
      >
        {props.value}
      </textarea>
      {props.hint ? (
        <div class="hint" id={`${id}-hint`}>
          {props.hint}
        </div>
      ) : null}
      {props.children}
    </div>
  );
}
