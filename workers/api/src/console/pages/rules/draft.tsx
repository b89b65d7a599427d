import type { Context } from "hono";
import type { ProblemBody } from "#shared/http/errors";
import type { ConsoleContext } from "../../context";
import { DateTime, Notice, ProblemNotice } from "../../views/components";
import { Csrf, Page } from "../../views/layout";
import { viewerOf } from "../../views/viewer";
import { DraftDiff } from "./diff-list";
import {
  canWriteRules,
  consoleProblem,
  JsonEditor,
  problemStatus,
  ReadOnlyRulesNote,
  RULES_BASE,
  RulesTabs,
} from "./parts";
import { ruleIdAt } from "./summary";
import {
  type DraftRuleSet,
  RULES_API,
  type RuleDraft,
  type RuleSetDiff,
  type RuleVersion,
} from "./types";

/**
 * /console/rules/draft: the draft rule set as JSON (saved through PUT …/rules/draft, whose
 * problems show under the editor, each at its path, with the text kept as typed), the diff
 * against the live version, and Publish.
 */

/** A new draft's starting point when nothing is live: one group, no rules. */
const STARTER: DraftRuleSet = {
  timeZone: "UTC",
  groups: [{ name: "base", mode: "stackable" }],
  rules: [],
};

const pretty = (ruleSet: DraftRuleSet) => JSON.stringify(ruleSet, null, 2);

/** How the page comes back after a refused save or publish. */
export interface DraftState {
  /** The editor's text as typed (kept on every refusal). */
  text?: string;
  /** The text parsed, when it was JSON: to name the rule a problem's path points into. */
  typed?: unknown;
  saveProblem?: ProblemBody;
  publishProblem?: ProblemBody;
  note?: string;
  rebase?: boolean;
  status?: 400 | 403 | 404 | 409 | 413 | 503;
}

/** GET /console/rules/draft, and the page a refused save or publish re-renders. */
export async function draftPage(c: Context<ConsoleContext>, state: DraftState = {}) {
  const viewer = viewerOf(c);
  const api = c.get("api");
  const [draft, diff] = await Promise.all([
    api.get<RuleDraft>(`${RULES_API}/draft`),
    api.get<RuleSetDiff>(`${RULES_API}/draft/diff`),
  ]);
  const live = draft.ok ? null : await api.get<RuleVersion>(`${RULES_API}/live`);
  const liveVersion = draft.ok ? draft.data.liveVersion : live?.ok ? live.data.version : null;
  const canWrite = canWriteRules(api);
  const canPublish = api.can("POST", `${RULES_API}/publish`);
  let initial: string;
  if (draft.ok) initial = pretty(draft.data.ruleSet);
  else if (live?.ok) {
    const { version: _, ...ruleSet } = live.data.ruleSet;
    initial = pretty(ruleSet);
  } else initial = pretty(STARTER);
  const text = state.text ?? initial;
  const stale = draft.ok && draft.data.basedOnVersion !== draft.data.liveVersion;
  // A problem the editor cannot place (403, 409, 413) shows at the top.
  const topProblem =
    state.saveProblem && !state.saveProblem.errors?.length ? state.saveProblem : undefined;
  return c.html(
    <Page title="Rules · Draft" current="rules" viewer={viewer}>
      <RulesTabs current="draft" />
      <Notice text={c.req.query("notice")} />
      <ProblemNotice problem={topProblem} />
      {draft.ok ? (
        <dl class="facts">
          <dt>Revision</dt>
          <dd>{draft.data.revision}</dd>
          <dt>Saved</dt>
          <dd>
            <DateTime at={draft.data.updatedAt} timeZone={viewer.timeZone} /> by{" "}
            {draft.data.updatedBy}
          </dd>
          <dt>Edited from</dt>
          <dd>
            {draft.data.basedOnVersion === null
              ? "no version"
              : `version ${draft.data.basedOnVersion}`}
          </dd>
          <dt>Live now</dt>
          <dd>{liveVersion === null ? "nothing" : `version ${liveVersion}`}</dd>
        </dl>
      ) : draft.status === 404 ? (
        <p class="muted">
          There is no draft yet. The editor starts from{" "}
          {live?.ok ? `live version ${live.data.version}` : "an empty rule set"}; saving creates the
          draft.
        </p>
      ) : (
        <ProblemNotice problem={draft.problem} />
      )}
      {stale ? (
        <div class="notice bad" role="status">
          This draft was edited from{" "}
          {draft.data.basedOnVersion === null
            ? "no version"
            : `version ${draft.data.basedOnVersion}`}
          , but version {liveVersion} is live now (someone published or rolled back). Publishing is
          refused until you review the changes below and save the draft based on the live version.
        </div>
      ) : null}
      {canWrite ? (
        <form method="post" action={`${RULES_BASE}/draft`} class="rules-editor">
          <Csrf token={viewer.csrfToken} />
          <JsonEditor
            name="ruleSet"
            label="Rule set (JSON)"
            value={text}
            rows={24}
            hint="timeZone, groups and rules as docs/rules.md describes them; a version number is given on publish. Every problem is listed here at its path, and nothing is saved until there is none."
            problem={state.saveProblem?.errors?.length ? state.saveProblem : undefined}
            pathNote={(path) => {
              const id = ruleIdAt(path, state.typed);
              return id === undefined ? undefined : `rule ${id}`;
            }}
          />
          {stale ? (
            <div class="field check">
              <input
                id="f-rebase"
                type="checkbox"
                name="rebase"
                value="on"
                checked={state.rebase ?? false}
              />
              <label for="f-rebase">
                I reviewed the changes: base this draft on live version {liveVersion}
              </label>
            </div>
          ) : null}
          <button type="submit">Save draft</button>
        </form>
      ) : (
        <>
          <ReadOnlyRulesNote />
          {draft.ok ? (
            <>
              <h2>The draft</h2>
              <pre class="raw">{text}</pre>
            </>
          ) : null}
        </>
      )}
      <section class="panel" aria-labelledby="diff-heading">
        <h2 id="diff-heading">Draft vs live</h2>
        {diff.ok ? (
          <DraftDiff diff={diff.data} />
        ) : diff.status === 404 ? (
          <p class="muted">Save a draft to compare it with the live version.</p>
        ) : (
          <ProblemNotice problem={diff.problem} />
        )}
      </section>
      {draft.ok && canPublish ? (
        <section class="panel" aria-labelledby="publish-heading">
          <h2 id="publish-heading">Publish</h2>
          <ProblemNotice problem={state.publishProblem} />
          {diff.ok && !diff.data.hasChanges ? (
            <p class="muted">Nothing to publish: save a draft that changes something first.</p>
          ) : (
            <>
              <p>
                Publishing makes the saved draft version {(liveVersion ?? 0) + 1}, live at once
                without a deploy (evaluators may keep the previous version for up to about 90
                seconds). Unsaved changes in the editor are not published.
              </p>
              <form method="post" action={`${RULES_BASE}/publish`} class="decision">
                <Csrf token={viewer.csrfToken} />
                <label for="publish-note">What changes and why (shown in the history)</label>
                <textarea
                  id="publish-note"
                  name="note"
                  required
                  maxlength={500}
                  aria-invalid={state.publishProblem ? "true" : undefined}
                >
                  {state.note ?? ""}
                </textarea>
                <button type="submit">Publish as version {(liveVersion ?? 0) + 1}</button>
              </form>
            </>
          )}
        </section>
      ) : (
        <ProblemNotice problem={state.publishProblem} />
      )}
    </Page>,
    state.status ?? (draft.ok || draft.status === 404 ? 200 : problemStatus(draft.status)),
  );
}

const str = (v: unknown) => (typeof v === "string" ? v : "");

/** Where JSON.parse stopped, as the operator counts: "line 3, column 7" when it says. */
function jsonError(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const at = /position (\d+)/.exec(message);
  if (!at) return `not JSON: ${message}`;
  const before = text.slice(0, Number(at[1]));
  const line = before.split("\n").length;
  const column = before.length - before.lastIndexOf("\n");
  return `not JSON (line ${line}, column ${column}): ${message}`;
}

/**
 * POST /console/rules/draft: the text parsed as JSON (or refused here, beside the editor),
 * then PUT …/rules/draft. Saved: back to the draft with a notice. Refused: the page again with
 * the API's problems under the editor and the text exactly as typed.
 */
export async function saveDraft(c: Context<ConsoleContext>) {
  const form = await c.req.parseBody();
  const text = str(form.ruleSet);
  const rebase = form.rebase === "on";
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    const problem = consoleProblem([{ path: "", message: jsonError(text, error) }]);
    return draftPage(c, { text, saveProblem: problem, rebase, status: 400 });
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    const problem = consoleProblem([
      { path: "", message: "a rule set is one JSON object: { timeZone, groups, rules }" },
    ]);
    return draftPage(c, { text, saveProblem: problem, rebase, status: 400 });
  }
  const api = c.get("api");
  if (rebase) {
    const live = await api.get<RuleVersion>(`${RULES_API}/live`);
    if (live.ok) body = { ...body, basedOnVersion: live.data.version };
  }
  const result = await api.send<RuleDraft>("PUT", `${RULES_API}/draft`, body);
  if (result.ok) {
    const notice = `Draft saved (revision ${result.data.revision}).`;
    return c.redirect(`${RULES_BASE}/draft?notice=${encodeURIComponent(notice)}`, 303);
  }
  return draftPage(c, {
    text,
    typed: body,
    saveProblem: result.problem,
    rebase,
    status: problemStatus(result.status),
  });
}

/** POST /console/rules/publish: the saved draft becomes the next version, or the problem. */
export async function publish(c: Context<ConsoleContext>) {
  const form = await c.req.parseBody();
  const note = str(form.note).trim();
  const result = await c
    .get("api")
    .send<RuleVersion>("POST", `${RULES_API}/publish`, note === "" ? {} : { note });
  if (result.ok) {
    const notice = `Version ${result.data.version} published: it is live.`;
    return c.redirect(`${RULES_BASE}?notice=${encodeURIComponent(notice)}`, 303);
  }
  return draftPage(c, {
    publishProblem: result.problem,
    note,
    status: problemStatus(result.status),
  });
}
