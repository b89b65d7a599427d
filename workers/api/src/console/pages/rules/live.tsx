import type { Context } from "hono";
import type { ProblemBody } from "#shared/http/errors";
import type { ConsoleContext } from "../../context";
import { DateTime, EmptyState, Notice, Pager, ProblemNotice } from "../../views/components";
import { Csrf, Page } from "../../views/layout";
import { viewerOf } from "../../views/viewer";
import { RollbackDiff } from "./diff-list";
import {
  canWriteRules,
  problemStatus,
  ReadOnlyRulesNote,
  RULES_BASE,
  RulesTable,
  RulesTabs,
} from "./parts";
import {
  RULES_API,
  type RuleRollbackDiff,
  type RuleVersion,
  type RuleVersionSummary,
} from "./types";

/** /console/rules: the live version, its rules and the history; a version's page; rollback. */

const HISTORY_ROWS = 20;

function VersionFacts({ v, timeZone }: { v: RuleVersionSummary; timeZone: string }) {
  return (
    <dl class="facts">
      <dt>Version</dt>
      <dd>
        {v.version} {v.live ? <span class="badge ok">live</span> : null}
      </dd>
      <dt>Published by</dt>
      <dd>{v.publishedBy}</dd>
      <dt>Published</dt>
      <dd>
        <DateTime at={v.publishedAt} timeZone={timeZone} />
      </dd>
      <dt>Note</dt>
      <dd>{v.note ?? "—"}</dd>
      {v.rolledBackFrom !== null ? (
        <>
          <dt>Rolled back to</dt>
          <dd>a copy of version {v.rolledBackFrom}</dd>
        </>
      ) : null}
    </dl>
  );
}

/** GET /console/rules */
export async function livePage(c: Context<ConsoleContext>) {
  const viewer = viewerOf(c);
  const api = c.get("api");
  const cursor = c.req.query("cursor") || undefined;
  const [live, versions] = await Promise.all([
    api.get<RuleVersion>(`${RULES_API}/live`),
    api.get<{ items: RuleVersionSummary[]; nextCursor: string | null }>(`${RULES_API}/versions`, {
      limit: HISTORY_ROWS,
      cursor,
    }),
  ]);
  const canWrite = canWriteRules(api);
  const canRollBack = api.can("POST", `${RULES_API}/rollback`);
  return c.html(
    <Page title="Rules" current="rules" viewer={viewer}>
      <RulesTabs current="live" />
      <Notice text={c.req.query("notice")} />
      <section class="panel" aria-labelledby="live-heading">
        <h2 id="live-heading">Live version</h2>
        {live.ok ? (
          <>
            <VersionFacts v={live.data} timeZone={viewer.timeZone} />
            <p class="muted">
              Time zone of the rules (local conditions, budget periods):{" "}
              <code>{live.data.ruleSet.timeZone}</code>. Groups:{" "}
              {live.data.ruleSet.groups.map((g) => `${g.name} (${g.mode})`).join(", ")}.
            </p>
            <RulesTable
              rules={live.data.ruleSet.rules}
              groups={live.data.ruleSet.groups}
              viewer={viewer}
              caption={`Rules of live version ${live.data.version}`}
            />
          </>
        ) : live.status === 404 ? (
          <EmptyState>No rule set is live yet: write a draft and publish it.</EmptyState>
        ) : (
          <ProblemNotice problem={live.problem} />
        )}
        <p>
          <a class="button" href={`${RULES_BASE}/draft`}>
            {canWrite ? "Edit the draft" : "See the draft"}
          </a>{" "}
          <a class="button secondary" href={`${RULES_BASE}/simulate`}>
            Simulate an event
          </a>
        </p>
      </section>
      <h2>History</h2>
      {!versions.ok ? (
        <ProblemNotice problem={versions.problem} />
      ) : versions.data.items.length === 0 ? (
        <EmptyState>Nothing has been published yet.</EmptyState>
      ) : (
        <table>
          <caption class="visually-hidden">Published versions, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Published</th>
              <th scope="col">By</th>
              <th scope="col">Note</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {versions.data.items.map((v) => (
              <tr>
                <td>
                  <a href={`${RULES_BASE}/versions/${v.version}`}>Version {v.version}</a>{" "}
                  {v.live ? <span class="badge ok">live</span> : null}
                  {v.rolledBackFrom !== null ? (
                    <div class="muted">copy of version {v.rolledBackFrom}</div>
                  ) : null}
                </td>
                <td>
                  <DateTime at={v.publishedAt} timeZone={viewer.timeZone} />
                </td>
                <td>{v.publishedBy}</td>
                <td>{v.note ?? "—"}</td>
                <td>
                  {!v.live && canRollBack ? (
                    <a href={`${RULES_BASE}/versions/${v.version}#rollback`}>
                      Roll back to version {v.version}…
                    </a>
                  ) : (
                    <span class="muted">—</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {versions.ok ? (
        <Pager basePath={RULES_BASE} query={{}} nextCursor={versions.data.nextCursor} />
      ) : null}
    </Page>,
    live.ok || live.status === 404 ? 200 : problemStatus(live.status),
  );
}

/** A refused rollback, shown on the version's page with the note that was typed. */
export interface FailedRollback {
  problem: ProblemBody;
  note: string;
}

/**
 * GET /console/rules/versions/:version: one published version and, for a version that is not
 * live, the rollback form: the confirm step before a copy of its rules becomes live.
 */
export async function versionPage(
  c: Context<ConsoleContext>,
  failed: FailedRollback | null = null,
  versionText = c.req.param("version") ?? "",
) {
  const viewer = viewerOf(c);
  const api = c.get("api");
  const found = /^[1-9][0-9]{0,9}$/.test(versionText)
    ? await api.get<RuleVersion>(`${RULES_API}/versions/${versionText}`)
    : null;
  if (!found?.ok) {
    return c.html(
      <Page title="Rule set version" current="rules" viewer={viewer}>
        <RulesTabs current="live" />
        {found ? (
          <ProblemNotice problem={found.problem} />
        ) : (
          <div class="notice bad" role="alert">
            No such version: a version is a whole number from 1.
          </div>
        )}
        <p>
          <a href={RULES_BASE}>Back to the rules</a>
        </p>
      </Page>,
      found ? problemStatus(found.status) : 404,
    );
  }
  const v = found.data;
  const canRollBack = api.can("POST", `${RULES_API}/rollback`);
  const diff = v.live
    ? null
    : await api.get<RuleRollbackDiff>(`${RULES_API}/versions/${v.version}/diff`);
  return c.html(
    <Page title={`Rule set version ${v.version}`} current="rules" viewer={viewer}>
      <RulesTabs current="live" />
      {failed ? <ProblemNotice problem={failed.problem} /> : null}
      <VersionFacts v={v} timeZone={viewer.timeZone} />
      <p class="muted">
        Time zone <code>{v.ruleSet.timeZone}</code>; groups{" "}
        {v.ruleSet.groups.map((g) => `${g.name} (${g.mode})`).join(", ")}.
      </p>
      <RulesTable
        rules={v.ruleSet.rules}
        groups={v.ruleSet.groups}
        viewer={viewer}
        caption={`Rules of version ${v.version}`}
      />
      {diff?.ok ? (
        <section class="panel" aria-labelledby="against-heading">
          <h2 id="against-heading">Against the live version</h2>
          <RollbackDiff diff={diff.data} />
        </section>
      ) : null}
      {v.live ? (
        <p class="muted">This is the live version.</p>
      ) : canRollBack ? (
        <section class="panel" id="rollback" aria-labelledby="rollback-heading">
          <h2 id="rollback-heading">Roll back to version {v.version}</h2>
          <p>
            Versions are never edited: rolling back publishes a <strong>new</strong> version, a copy
            of version {v.version}'s rules, which takes effect at once (evaluators may keep the
            previous version for up to about 90 seconds). The draft is left as it is.
          </p>
          <form method="post" action={`${RULES_BASE}/rollback`} class="decision">
            <Csrf token={viewer.csrfToken} />
            <input type="hidden" name="version" value={String(v.version)} />
            <label for="rollback-note">Why roll back (shown in the history)</label>
            <textarea id="rollback-note" name="note" required maxlength={500}>
              {failed?.note ?? ""}
            </textarea>
            <button type="submit" class="danger">
              Roll back to version {v.version}
            </button>
          </form>
        </section>
      ) : (
        <ReadOnlyRulesNote />
      )}
      <p>
        <a href={RULES_BASE}>Back to the rules</a>
      </p>
    </Page>,
    failed ? problemStatus(failed.problem.status) : 200,
  );
}

const str = (v: unknown) => (typeof v === "string" ? v : "");

/** POST /console/rules/rollback: the API publishes the copy; back to the rules, or the problem. */
export async function rollback(c: Context<ConsoleContext>) {
  const form = await c.req.parseBody();
  const versionText = str(form.version).trim();
  const note = str(form.note).trim();
  const result = await c.get("api").send<RuleVersion>("POST", `${RULES_API}/rollback`, {
    version: Number(versionText),
    ...(note === "" ? {} : { note }),
  });
  if (result.ok) {
    const notice = `Version ${result.data.version} is live: a copy of version ${versionText}.`;
    return c.redirect(`${RULES_BASE}?notice=${encodeURIComponent(notice)}`, 303);
  }
  return versionPage(c, { problem: result.problem, note }, versionText);
}
