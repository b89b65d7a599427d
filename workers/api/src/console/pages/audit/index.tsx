import type { Context } from "hono";
import { Hono } from "hono";
import type { ConsoleContext } from "../../context";
import { csvExport, exportRowLimit } from "../../csv";
import { Badge, DateTime, EmptyState, Pager, ProblemNotice } from "../../views/components";
import { Page as Shell } from "../../views/layout";
import { viewerOf } from "../../views/viewer";
import { exportHref } from "../payouts/index";
import { dayToIso, filtersOf, type Page, problemStatus } from "../payouts/parts";

/**
 * /console/audit: the admin audit log (every admin write, refused ones included), filtered by
 * actor, path prefix and time, newest first; each entry opens to its before and after, shown
 * as escaped JSON (JSX escapes text, so a stored value cannot become markup).
 */

const AUDIT_API = "/admin/v1/audit-log";
const FILTER_KEYS = ["actor", "pathPrefix", "since"] as const;
type Filters = Partial<Record<(typeof FILTER_KEYS)[number], string>>;

interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  scope: string;
  method: string;
  path: string;
  operationId: string | null;
  status: number;
  problem: { code: string; detail: string } | null;
  before: unknown;
  after: unknown;
  requestId: string | null;
}

const apiQuery = (f: Filters) => ({
  actor: f.actor,
  pathPrefix: f.pathPrefix,
  since: dayToIso(f.since),
});

const json = (value: unknown) => (value === null ? "—" : JSON.stringify(value, null, 2));

async function auditPage(c: Context<ConsoleContext>) {
  const viewer = viewerOf(c);
  const f = filtersOf(c, FILTER_KEYS);
  const list = await c
    .get("api")
    .get<Page<AuditEntry>>(AUDIT_API, { ...apiQuery(f), cursor: c.req.query("cursor") });
  return c.html(
    <Shell title="Audit log" current="audit" viewer={viewer}>
      <form
        method="get"
        action="/console/audit"
        class="filters"
        hx-get="/console/audit"
        hx-target="main"
        hx-select="main"
        hx-swap="outerHTML"
        hx-push-url="true"
      >
        <div>
          <label for="f-actor">Actor</label>
          <input id="f-actor" name="actor" value={f.actor ?? ""} />
        </div>
        <div>
          <label for="f-path">Path starts with</label>
          <input
            id="f-path"
            name="pathPrefix"
            placeholder="/admin/v1/claims/"
            value={f.pathPrefix ?? ""}
          />
        </div>
        <div>
          <label for="f-since">Since</label>
          <input id="f-since" name="since" type="date" value={f.since ?? ""} />
        </div>
        <button type="submit">Filter</button>
      </form>
      <p>
        <a class="button secondary" href={exportHref("/console/audit", f)} hx-boost="false">
          Export CSV
        </a>
      </p>
      {list.ok ? null : <ProblemNotice problem={list.problem} />}
      {list.ok && list.data.items.length === 0 ? (
        <EmptyState>No audit entries match these filters.</EmptyState>
      ) : null}
      {list.ok && list.data.items.length > 0 ? (
        <table>
          <caption class="visually-hidden">Audit log entries</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Actor</th>
              <th scope="col">Write</th>
              <th scope="col">Answer</th>
              <th scope="col">Before and after</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((e) => (
              <tr>
                <td>
                  <DateTime at={e.at} timeZone={viewer.timeZone} />
                </td>
                <td>
                  {e.actor} <Badge status={e.scope} />
                </td>
                <td>
                  <code>
                    {e.method} {e.path}
                  </code>
                  {e.operationId ? <div class="muted">{e.operationId}</div> : null}
                </td>
                <td>
                  <Badge status={e.status < 400 ? "succeeded" : "refused"} /> {e.status}
                  {e.problem ? (
                    <div class="muted">
                      {e.problem.code}: {e.problem.detail}
                    </div>
                  ) : null}
                </td>
                <td>
                  <details>
                    <summary>Show</summary>
                    <p class="small">Before</p>
                    <pre class="raw">{json(e.before)}</pre>
                    <p class="small">After</p>
                    <pre class="raw">{json(e.after)}</pre>
                  </details>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {list.ok ? (
        <Pager basePath="/console/audit" query={f} nextCursor={list.data.nextCursor} />
      ) : null}
    </Shell>,
    list.ok ? 200 : problemStatus(list.status),
  );
}

const auditCsvColumns = [
  { header: "id", value: (e: AuditEntry) => e.id },
  { header: "at", value: (e: AuditEntry) => e.at },
  { header: "actor", value: (e: AuditEntry) => e.actor },
  { header: "scope", value: (e: AuditEntry) => e.scope },
  { header: "method", value: (e: AuditEntry) => e.method },
  { header: "path", value: (e: AuditEntry) => e.path },
  { header: "operation_id", value: (e: AuditEntry) => e.operationId },
  { header: "status", value: (e: AuditEntry) => e.status },
  {
    header: "problem",
    value: (e: AuditEntry) => (e.problem ? `${e.problem.code}: ${e.problem.detail}` : ""),
  },
  {
    header: "before",
    value: (e: AuditEntry) => (e.before === null ? "" : JSON.stringify(e.before)),
  },
  { header: "after", value: (e: AuditEntry) => (e.after === null ? "" : JSON.stringify(e.after)) },
  { header: "request_id", value: (e: AuditEntry) => e.requestId },
];

export const auditRoutes = new Hono<ConsoleContext>()
  .get("/", (c) => auditPage(c))
  .get("/export.csv", (c) => {
    const api = c.get("api");
    const query = apiQuery(filtersOf(c, FILTER_KEYS));
    return csvExport<AuditEntry>({
      filename: "audit-log.csv",
      maxRows: exportRowLimit(c.req.query("max")),
      columns: auditCsvColumns,
      fetchPage: async (cursor) => {
        const page = await api.get<Page<AuditEntry>>(AUDIT_API, { ...query, limit: 200, cursor });
        return page.ok ? { ok: true, ...page.data } : page;
      },
    });
  });
