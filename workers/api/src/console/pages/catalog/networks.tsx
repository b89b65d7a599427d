import type { Context } from "hono";
import { Hono } from "hono";
import { NETWORK_FORMATS } from "#shared/networks/formats";
import type { ConsoleContext } from "../../context";
import { formatRateBps } from "../../format/money";
import { Badge, DateTime, Field, Notice, Pager, ProblemNotice } from "../../views/components";
import { Csrf, Page } from "../../views/layout";
import { viewerOf } from "../../views/viewer";
import { networkBody, networkValues } from "./forms";
import {
  CATALOG_BASE,
  CatalogTabs,
  Checkbox,
  EntityFormHead,
  errorAt,
  FilterForm,
  type FormState,
  ListBody,
  listQuery,
  newEntityPage,
  type PageStatus,
  pageStatus,
  ReadOnlyNote,
  Select,
  submitForm,
  TextArea,
} from "./parts";
import type {
  HeldFeedChange,
  Page as ListPage,
  Network,
  NetworkHealth,
  ReconciliationRun,
  SyncRun,
} from "./types";

const API = "/admin/v1/networks";
const BASE = `${CATALOG_BASE}/networks`;
const FILTERS = ["q", "active", "cursor"] as const;
/** Each network row reads three more things (health, last sync, last reconciliation). */
const NETWORK_PAGE_ROWS = 20;

/** What the list shows beside each network: its breaker and its latest runs. */
interface NetworkStatus {
  health: NetworkHealth | null;
  lastSync: SyncRun | null;
  lastReconciliation: ReconciliationRun | null;
}

async function statusOf(c: Context<ConsoleContext>, id: string, runs = 1) {
  const api = c.get("api");
  const path = `${API}/${encodeURIComponent(id)}`;
  const [health, syncs, recons] = await Promise.all([
    api.get<NetworkHealth>(`${path}/health`),
    api.get<{ items: SyncRun[] }>("/admin/v1/sync/runs", { networkId: id, limit: runs }),
    api.get<{ items: ReconciliationRun[] }>("/admin/v1/reconciliation/runs", {
      networkId: id,
      limit: runs,
    }),
  ]);
  return {
    health: health.ok ? health.data : null,
    syncs: syncs.ok ? syncs.data.items : [],
    recons: recons.ok ? recons.data.items : [],
  };
}

function Breaker({ health }: { health: NetworkHealth | null }) {
  if (!health) return <span class="muted">unknown</span>;
  const label =
    health.state === "closed" ? "healthy" : health.state === "open" ? "open" : "half_open";
  return (
    <span>
      <Badge
        status={health.state === "closed" ? "active" : health.state === "open" ? "open" : "pending"}
      />{" "}
      <span class="muted">
        breaker {label}
        {health.consecutiveFailures > 0 ? `, ${health.consecutiveFailures} failures` : ""}
      </span>
    </span>
  );
}

function RunCell({ run, timeZone }: { run: SyncRun | ReconciliationRun | null; timeZone: string }) {
  if (!run) return <span class="muted">never</span>;
  return (
    <span>
      <Badge status={run.status} /> <DateTime at={run.startedAt} timeZone={timeZone} />
    </span>
  );
}

async function listPage(c: Context<ConsoleContext>) {
  const viewer = viewerOf(c);
  const api = c.get("api");
  const query = listQuery(c, FILTERS);
  const list = await api.get<ListPage<Network>>(API, { ...query, limit: NETWORK_PAGE_ROWS });
  const statuses = new Map<string, NetworkStatus>();
  if (list.ok) {
    await Promise.all(
      list.data.items.map(async (n) => {
        const s = await statusOf(c, n.id);
        statuses.set(n.id, {
          health: s.health,
          lastSync: s.syncs[0] ?? null,
          lastReconciliation: s.recons[0] ?? null,
        });
      }),
    );
  }
  return c.html(
    <Page title="Catalog · Networks" current="catalog" viewer={viewer}>
      <CatalogTabs current="networks" />
      <Notice text={c.req.query("notice")} />
      <FilterForm action={BASE} q={query.q} qLabel="Name or id" active={query.active} />
      {api.can("PUT", `${API}/x`) ? (
        <p>
          <a class="button" href={`${BASE}/new`}>
            New network
          </a>
        </p>
      ) : null}
      <ListBody list={list} empty="No networks match.">
        {(items) => (
          <table>
            <caption class="visually-hidden">Networks</caption>
            <thead>
              <tr>
                <th scope="col">Network</th>
                <th scope="col">Format</th>
                <th scope="col">Health</th>
                <th scope="col">Last sync</th>
                <th scope="col">Last reconciliation</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {items.map((n) => {
                const s = statuses.get(n.id);
                return (
                  <tr>
                    <td>
                      <a href={`${BASE}/${encodeURIComponent(n.id)}`}>{n.name}</a>
                      <div class="muted">
                        <code>{n.id}</code>
                      </div>
                    </td>
                    <td>{n.postbackFormat}</td>
                    <td>
                      <Breaker health={s?.health ?? null} />
                    </td>
                    <td>
                      <RunCell run={s?.lastSync ?? null} timeZone={viewer.timeZone} />
                    </td>
                    <td>
                      <RunCell run={s?.lastReconciliation ?? null} timeZone={viewer.timeZone} />
                    </td>
                    <td>
                      <Badge status={n.active ? "active" : "inactive"} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </ListBody>
      <Pager basePath={BASE} query={query} nextCursor={list.ok ? list.data.nextCursor : null} />
    </Page>,
  );
}

function NetworkForm(props: {
  action: string;
  creating: boolean;
  state: FormState;
  csrfToken: string;
  reportApiTokenSet: boolean;
}) {
  const v = props.state.values ?? {};
  const p = props.state.problem;
  return (
    <form method="post" action={props.action} class="entity-form">
      <EntityFormHead creating={props.creating} state={props.state} csrfToken={props.csrfToken} />
      <Field name="name" label="Name" required value={v.name} error={errorAt(p, "name")} />
      <Select
        name="postbackFormat"
        label="Postback format"
        options={NETWORK_FORMATS}
        value={v.postbackFormat}
        hint="how the network posts back and reports; decides what the options may hold"
        error={errorAt(p, "postbackFormat")}
      />
      <Field
        name="trackingTemplate"
        label="Tracking template"
        required
        value={v.trackingTemplate}
        hint="the network's URL with {subid}, {landing_url}, {network_offer_ref}, {click_id}"
        error={errorAt(p, "trackingTemplate")}
      />
      <Field
        name="postbackSecret"
        label="Postback secret"
        type="password"
        required
        autocomplete="new-password"
        hint={
          props.creating
            ? "at least 24 characters; never shown again"
            : "required on every save: the network is saved whole and the secret is never shown back, so enter the current secret (or a new one to rotate it)"
        }
        error={errorAt(p, "postbackSecret")}
      />
      <Field
        name="reportApiToken"
        label="Report API token"
        type="password"
        autocomplete="new-password"
        hint={
          props.reportApiTokenSet
            ? "a token is stored; leave empty to keep it, type a new one to replace it"
            : "optional (Admitad, impact.com, CJ report APIs); leave empty for none"
        }
        error={errorAt(p, "reportApiToken")}
      />
      {props.reportApiTokenSet ? (
        <Checkbox
          name="removeReportApiToken"
          label="Remove the stored report API token"
          checked={v.removeReportApiToken === "on"}
        />
      ) : null}
      <TextArea
        name="options"
        label="Options (JSON)"
        value={v.options}
        rows={6}
        code
        hint={
          'the format\'s settings (docs/networks.md), such as {"feedUrl": "https://…"}; never a secret'
        }
        error={errorAt(p, "options")}
      />
      <Checkbox
        name="active"
        label="Active"
        checked={v.active === "on"}
        hint="off: its offers are hidden and the crons skip it"
        error={errorAt(p, "active")}
      />
      <button type="submit">{props.creating ? "Create network" : "Save network"}</button>
    </form>
  );
}

function newPage(c: Context<ConsoleContext>, state: FormState = {}, status: PageStatus = 200) {
  return newEntityPage(c, {
    noun: "network",
    tab: "networks",
    apiPath: API,
    state,
    status,
    defaults: { active: "on", postbackFormat: "generic", options: "{}" },
    form: (formState, csrfToken) => (
      <NetworkForm
        action={BASE}
        creating
        state={formState}
        csrfToken={csrfToken}
        reportApiTokenSet={false}
      />
    ),
  });
}

async function detailPage(
  c: Context<ConsoleContext>,
  state: FormState = {},
  status: PageStatus = 200,
) {
  const viewer = viewerOf(c);
  const api = c.get("api");
  const id = c.req.param("id") ?? "";
  const path = `${API}/${encodeURIComponent(id)}`;
  const network = await api.get<Network>(path);
  if (!network.ok) {
    return c.html(
      <Page title="Network" current="catalog" viewer={viewer}>
        <CatalogTabs current="networks" />
        <ProblemNotice problem={network.problem} />
      </Page>,
      pageStatus(network.status),
    );
  }
  const n = network.data;
  const [s, held] = await Promise.all([
    statusOf(c, n.id, 5),
    api.get<{ items: HeldFeedChange[] }>(`${path}/held-feed-changes`, {
      status: "held",
      limit: 20,
    }),
  ]);
  const canWrite = api.can("PUT", path);
  const canDecide = api.can("POST", `${path}/held-feed-changes/x/approve`);
  const canSync = api.can("POST", `${path}/sync`);
  // A form's problem shows in the form; an action's (sync, a held change) at the top.
  const formProblem = state.values ? state.problem : undefined;
  // The form never holds a secret: an edit starts with both secret fields empty.
  const values = state.values
    ? { ...state.values, postbackSecret: "", reportApiToken: "" }
    : networkValues(n);
  const tz = viewer.timeZone;
  return c.html(
    <Page title={`Network: ${n.name}`} current="catalog" viewer={viewer}>
      <CatalogTabs current="networks" />
      <Notice text={c.req.query("notice")} />
      {state.values ? null : <ProblemNotice problem={state.problem} />}
      <dl class="facts">
        <dt>Id</dt>
        <dd>
          <code>{n.id}</code>
        </dd>
        <dt>Format</dt>
        <dd>{n.postbackFormat}</dd>
        <dt>Tracking template</dt>
        <dd class="url">{n.trackingTemplate}</dd>
        <dt>Secrets</dt>
        <dd>
          postback secret {n.postbackSecretSet ? "set" : "not set"}; report API token{" "}
          {n.reportApiTokenSet ? "set" : "not set"} (never shown)
        </dd>
        <dt>Health</dt>
        <dd>
          <Breaker health={s.health} />
          {s.health?.retryAt ? (
            <>
              {" "}
              — next probe <DateTime at={s.health.retryAt} timeZone={tz} />
            </>
          ) : null}
          {s.health?.lastError ? <div class="muted">last error: {s.health.lastError}</div> : null}
        </dd>
        <dt>Last successful sync</dt>
        <dd>
          <DateTime at={s.health?.lastSuccessAt ?? null} timeZone={tz} />
        </dd>
        <dt>State</dt>
        <dd>
          <Badge status={n.active ? "active" : "inactive"} />
        </dd>
        <dt>Updated</dt>
        <dd>
          <DateTime at={n.updatedAt} timeZone={tz} />
        </dd>
      </dl>
      <p>
        <a href={`${CATALOG_BASE}/merchants?networkId=${encodeURIComponent(n.id)}`}>
          Merchants of this network
        </a>
      </p>
      <h2>Options</h2>
      <pre class="raw">
        <code>{JSON.stringify(n.options, null, 2)}</code>
      </pre>
      <h2>Recent merchant syncs</h2>
      {canSync ? (
        <form method="post" action={`${BASE}/${encodeURIComponent(n.id)}/sync`}>
          <Csrf token={viewer.csrfToken} />
          <button type="submit" class="secondary">
            Sync now
          </button>
        </form>
      ) : null}
      {s.syncs.length === 0 ? (
        <p class="empty">No sync runs yet.</p>
      ) : (
        <table>
          <caption class="visually-hidden">Recent merchant sync runs</caption>
          <thead>
            <tr>
              <th scope="col">Started</th>
              <th scope="col">Trigger</th>
              <th scope="col">Status</th>
              <th scope="col" class="num">
                Offers created / updated / off
              </th>
              <th scope="col" class="num">
                Held
              </th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {s.syncs.map((r) => (
              <tr>
                <td>
                  <DateTime at={r.startedAt} timeZone={tz} />
                </td>
                <td>{r.trigger}</td>
                <td>
                  <Badge status={r.status} />
                </td>
                <td class="num">
                  {r.offers.created} / {r.offers.updated} / {r.offers.deactivated}
                </td>
                <td class="num">{r.offersHeld}</td>
                <td>{r.error ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Feed changes held for review</h2>
      {held.ok && held.data.items.length > 0 ? (
        <table>
          <caption class="visually-hidden">Held feed changes</caption>
          <thead>
            <tr>
              <th scope="col">Offer</th>
              <th scope="col">Proposed title</th>
              <th scope="col" class="num">
                Highest rate
              </th>
              <th scope="col" class="num">
                Ceiling
              </th>
              <th scope="col">Held</th>
              {canDecide ? <th scope="col">Decision</th> : null}
            </tr>
          </thead>
          <tbody>
            {held.data.items.map((h) => (
              <tr>
                <td>
                  <code>{h.offerId}</code>
                </td>
                <td>{h.proposed.title}</td>
                <td class="num">{formatRateBps(h.maxRateBps)}</td>
                <td class="num">{formatRateBps(h.ceilingBps)}</td>
                <td>
                  <DateTime at={h.createdAt} timeZone={tz} />
                </td>
                {canDecide ? (
                  <td>
                    <div class="actions">
                      {(["approve", "dismiss"] as const).map((decision) => (
                        <form
                          method="post"
                          action={`${BASE}/${encodeURIComponent(n.id)}/held-feed-changes/${encodeURIComponent(h.id)}/${decision}`}
                        >
                          <Csrf token={viewer.csrfToken} />
                          <button type="submit" class="secondary">
                            {decision === "approve" ? "Approve" : "Dismiss"}
                          </button>
                        </form>
                      ))}
                    </div>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      ) : held.ok ? (
        <p class="empty">Nothing held.</p>
      ) : (
        <ProblemNotice problem={held.problem} />
      )}
      <h2>Recent reconciliations</h2>
      {s.recons.length === 0 ? (
        <p class="empty">No reconciliation runs yet.</p>
      ) : (
        <table>
          <caption class="visually-hidden">Recent reconciliation runs</caption>
          <thead>
            <tr>
              <th scope="col">Started</th>
              <th scope="col">Status</th>
              <th scope="col">Orders per outcome</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {s.recons.map((r) => (
              <tr>
                <td>
                  <DateTime at={r.startedAt} timeZone={tz} />
                </td>
                <td>
                  <Badge status={r.status} />
                </td>
                <td>
                  {Object.entries(r.counts)
                    .map(([k, v]) => `${k} ${v}`)
                    .join(", ") || "—"}
                </td>
                <td>{r.error ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canWrite ? (
        <section class="panel">
          <h2>Edit network</h2>
          <NetworkForm
            action={`${BASE}/${encodeURIComponent(n.id)}`}
            creating={false}
            state={{ problem: formProblem, values }}
            csrfToken={viewer.csrfToken}
            reportApiTokenSet={n.reportApiTokenSet}
          />
        </section>
      ) : (
        <>
          <ProblemNotice problem={formProblem} />
          <ReadOnlyNote noun="network" />
        </>
      )}
    </Page>,
    status,
  );
}

/** Runs one admin API action of a network's page: back to it with a notice, or the problem. */
async function act(c: Context<ConsoleContext>, path: string, notice: (data: unknown) => string) {
  const id = c.req.param("id") ?? "";
  const result = await c.get("api").send("POST", path);
  if (result.ok) {
    const text = encodeURIComponent(notice(result.data));
    return c.redirect(`${BASE}/${encodeURIComponent(id)}?notice=${text}`, 303);
  }
  return detailPage(c, { problem: result.problem }, pageStatus(result.status));
}

const submit = (c: Context<ConsoleContext>, creating: boolean) =>
  submitForm(c, {
    creating,
    apiPath: API,
    basePath: BASE,
    noun: "network",
    build: networkBody,
    newPage,
    detailPage,
  });

/**
 * /console/catalog/networks: list with health and latest runs, new, one network (its
 * breaker, syncs, held feed changes, reconciliations), create and edit. Secrets are
 * write-only: the form's password fields start empty every time.
 */
export const networksRoutes = new Hono<ConsoleContext>()
  .get("/", listPage)
  .get("/new", (c) => newPage(c))
  .post("/", (c) => submit(c, true))
  .get("/:id", (c) => detailPage(c))
  .post("/:id", (c) => submit(c, false))
  .post("/:id/sync", (c) =>
    act(c, `${API}/${encodeURIComponent(c.req.param("id"))}/sync`, (run) => {
      const status = (run as SyncRun).status;
      return `Sync run ${status}.`;
    }),
  )
  .post("/:id/held-feed-changes/:changeId/:decision{approve|dismiss}", (c) => {
    const decision = c.req.param("decision");
    const path = `${API}/${encodeURIComponent(c.req.param("id"))}/held-feed-changes/${encodeURIComponent(c.req.param("changeId"))}/${decision}`;
    return act(c, path, () => (decision === "approve" ? "Change applied." : "Change dismissed."));
  });
