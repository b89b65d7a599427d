import type { Context } from "hono";
import { Hono } from "hono";
import type { ProblemBody } from "#shared/http/errors";
import type { ConsoleContext } from "../../context";
import { Badge, DateTime, EmptyState, Notice, ProblemNotice } from "../../views/components";
import { Csrf, Page as Shell } from "../../views/layout";
import { viewerOf } from "../../views/viewer";
import { type Page, problemStatus } from "../payouts/parts";

/**
 * /console/reconciliation: network report runs (what each run applied and flagged, and the
 * orders that did not simply match) and payout reconciliation runs with their discrepancies,
 * with "Run now" for each network and for payouts (finance and admin; the API refuses others).
 */

const RUNS_API = "/admin/v1/reconciliation/runs";
const PAYOUT_RUNS_API = "/admin/v1/payout-reconciliation/runs";
const DISCREPANCIES_API = "/admin/v1/payout-reconciliation/discrepancies";
const PAYOUT_RUN_API = "/admin/v1/payout-reconciliation/run";

interface NetworkRun {
  id: string;
  networkId: string;
  from: string;
  to: string;
  status: string;
  counts: Record<string, number>;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
}
interface RunItem {
  orderId: string;
  transactionId: string;
  outcome: string;
  detail: string | null;
}
interface PayoutRun {
  id: string;
  processorId: string;
  from: string;
  to: string;
  status: string;
  checkedPayouts: number;
  walletsQueued: number;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
}
interface Discrepancy {
  runId: string;
  kind: string;
  subject: string;
  detail: Record<string, unknown>;
  createdAt: string;
}
interface Network {
  id: string;
  name: string;
  active: boolean;
}

const countsText = (counts: Record<string, number>) =>
  Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k}: ${n}`)
    .join(", ") || "nothing";

async function reconPage(
  c: Context<ConsoleContext>,
  failed: ProblemBody | null = null,
  failedStatus = 400,
) {
  const viewer = viewerOf(c);
  const api = c.get("api");
  const networkId = c.req.query("networkId")?.trim() || undefined;
  const [runs, payoutRuns, discrepancies, networks] = await Promise.all([
    api.get<{ items: NetworkRun[] }>(RUNS_API, { networkId, limit: 20 }),
    api.get<{ items: PayoutRun[] }>(PAYOUT_RUNS_API, { limit: 10 }),
    api.get<Page<Discrepancy>>(DISCREPANCIES_API, { limit: 20, before: c.req.query("before") }),
    api.get<{ items: Network[] }>("/admin/v1/networks"),
  ]);
  const canRunPayouts = api.can("POST", PAYOUT_RUN_API);
  const runnable = networks.ok
    ? networks.data.items.filter(
        (n) => n.active && api.can("POST", `/admin/v1/networks/${n.id}/reconcile`),
      )
    : [];
  return c.html(
    <Shell title="Reconciliation" current="reconciliation" viewer={viewer}>
      <Notice text={c.req.query("notice")} />
      <ProblemNotice problem={failed} />
      {runnable.length > 0 || canRunPayouts ? (
        <section class="panel">
          <h2>Run now</h2>
          <div class="actions">
            {runnable.map((n) => (
              <form
                method="post"
                action={`/console/reconciliation/networks/${encodeURIComponent(n.id)}/run`}
              >
                <Csrf token={viewer.csrfToken} />
                <button type="submit" class="secondary">
                  Reconcile {n.name}
                </button>
              </form>
            ))}
            {canRunPayouts ? (
              <form method="post" action="/console/reconciliation/payouts/run">
                <Csrf token={viewer.csrfToken} />
                <button type="submit" class="secondary">
                  Reconcile payouts
                </button>
              </form>
            ) : null}
          </div>
        </section>
      ) : null}

      <h2>Network report runs</h2>
      <form method="get" action="/console/reconciliation" class="filters">
        <div>
          <label for="f-network">Network id</label>
          <input id="f-network" name="networkId" value={networkId ?? ""} />
        </div>
        <button type="submit">Filter</button>
      </form>
      {runs.ok ? null : <ProblemNotice problem={runs.problem} />}
      {runs.ok && runs.data.items.length === 0 ? (
        <EmptyState>No report runs yet.</EmptyState>
      ) : null}
      {runs.ok && runs.data.items.length > 0 ? (
        <table>
          <caption class="visually-hidden">Network report runs</caption>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Network</th>
              <th scope="col">Status</th>
              <th scope="col">Outcomes</th>
              <th scope="col">Started</th>
            </tr>
          </thead>
          <tbody>
            {runs.data.items.map((r) => (
              <tr>
                <td>
                  <a href={`/console/reconciliation/runs/${encodeURIComponent(r.id)}`}>{r.id}</a>
                </td>
                <td>{r.networkId}</td>
                <td>
                  <Badge status={r.status} />
                  {r.error ? <div class="error-text">{r.error}</div> : null}
                </td>
                <td>{countsText(r.counts)}</td>
                <td>
                  <DateTime at={r.startedAt} timeZone={viewer.timeZone} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}

      <h2>Payout reconciliation runs</h2>
      {payoutRuns.ok ? null : <ProblemNotice problem={payoutRuns.problem} />}
      {payoutRuns.ok && payoutRuns.data.items.length === 0 ? (
        <EmptyState>No payout reconciliation runs yet.</EmptyState>
      ) : null}
      {payoutRuns.ok && payoutRuns.data.items.length > 0 ? (
        <table>
          <caption class="visually-hidden">Payout reconciliation runs</caption>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Processor</th>
              <th scope="col">Status</th>
              <th scope="col" class="num">
                Payouts checked
              </th>
              <th scope="col" class="num">
                Wallet audits queued
              </th>
              <th scope="col">Started</th>
            </tr>
          </thead>
          <tbody>
            {payoutRuns.data.items.map((r) => (
              <tr>
                <td>{r.id}</td>
                <td>{r.processorId}</td>
                <td>
                  <Badge status={r.status} />
                  {r.error ? <div class="error-text">{r.error}</div> : null}
                </td>
                <td class="num">{r.checkedPayouts}</td>
                <td class="num">{r.walletsQueued}</td>
                <td>
                  <DateTime at={r.startedAt} timeZone={viewer.timeZone} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}

      <h2>Payout discrepancies</h2>
      {discrepancies.ok ? null : <ProblemNotice problem={discrepancies.problem} />}
      {discrepancies.ok && discrepancies.data.items.length === 0 ? (
        <EmptyState>No payout discrepancies.</EmptyState>
      ) : null}
      {discrepancies.ok && discrepancies.data.items.length > 0 ? (
        <table>
          <caption class="visually-hidden">Payout discrepancies</caption>
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col">Subject</th>
              <th scope="col">Detail</th>
              <th scope="col">Found</th>
            </tr>
          </thead>
          <tbody>
            {discrepancies.data.items.map((d) => (
              <tr>
                <td>
                  <Badge status={d.kind} />
                </td>
                <td>{d.subject}</td>
                <td>
                  <code>{JSON.stringify(d.detail)}</code>
                </td>
                <td>
                  <DateTime at={d.createdAt} timeZone={viewer.timeZone} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {discrepancies.ok && discrepancies.data.nextCursor ? (
        <nav class="pager" aria-label="Pagination">
          <a
            class="button secondary"
            href={`/console/reconciliation?${new URLSearchParams({
              ...(networkId ? { networkId } : {}),
              before: discrepancies.data.nextCursor,
            }).toString()}`}
          >
            Next page
          </a>
        </nav>
      ) : null}
    </Shell>,
    failed ? problemStatus(failedStatus) : 200,
  );
}

async function runPage(c: Context<ConsoleContext>) {
  const viewer = viewerOf(c);
  const id = c.req.param("id") ?? "";
  const run = await c
    .get("api")
    .get<NetworkRun & { items: RunItem[] }>(`${RUNS_API}/${encodeURIComponent(id)}`);
  return c.html(
    <Shell title={`Reconciliation run ${id}`} current="reconciliation" viewer={viewer}>
      <p>
        <a href="/console/reconciliation">Back to reconciliation</a>
      </p>
      {run.ok ? null : <ProblemNotice problem={run.problem} />}
      {run.ok ? (
        <>
          <section class="panel">
            <dl class="facts">
              <dt>Network</dt>
              <dd>{run.data.networkId}</dd>
              <dt>Status</dt>
              <dd>
                <Badge status={run.data.status} />
              </dd>
              <dt>Report window</dt>
              <dd>
                <DateTime at={run.data.from} timeZone={viewer.timeZone} /> to{" "}
                <DateTime at={run.data.to} timeZone={viewer.timeZone} />
              </dd>
              <dt>Outcomes</dt>
              <dd>{countsText(run.data.counts)}</dd>
              <dt>Error</dt>
              <dd>{run.data.error ?? "—"}</dd>
            </dl>
          </section>
          <h2>Orders that did not simply match</h2>
          {run.data.items.length === 0 ? (
            <EmptyState>Every order in the report matched.</EmptyState>
          ) : (
            <table>
              <caption class="visually-hidden">Orders applied or flagged by this run</caption>
              <thead>
                <tr>
                  <th scope="col">Order</th>
                  <th scope="col">Transaction</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Detail</th>
                </tr>
              </thead>
              <tbody>
                {run.data.items.map((i) => (
                  <tr>
                    <td>{i.orderId}</td>
                    <td>{i.transactionId}</td>
                    <td>
                      <Badge status={i.outcome} />
                    </td>
                    <td>{i.detail ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      ) : null}
    </Shell>,
    run.ok ? 200 : problemStatus(run.status),
  );
}

export const reconciliationRoutes = new Hono<ConsoleContext>()
  .get("/", (c) => reconPage(c))
  .get("/runs/:id", (c) => runPage(c))
  .post("/networks/:id/run", async (c) => {
    const id = c.req.param("id");
    const result = await c
      .get("api")
      .send<{ runId: string; unexplained: number }>(
        "POST",
        `/admin/v1/networks/${encodeURIComponent(id)}/reconcile`,
      );
    if (!result.ok) return reconPage(c, result.problem, result.status);
    const notice = `Reconciled ${id}: run ${result.data.runId}, ${result.data.unexplained} orders need a person.`;
    return c.redirect(`/console/reconciliation?notice=${encodeURIComponent(notice)}`, 303);
  })
  .post("/payouts/run", async (c) => {
    const result = await c
      .get("api")
      .send<{ runId: string; status: string; discrepancies: number }>("POST", PAYOUT_RUN_API);
    if (!result.ok) return reconPage(c, result.problem, result.status);
    const notice = `Payout reconciliation ${result.data.runId}: ${result.data.status}, ${result.data.discrepancies} discrepancies.`;
    return c.redirect(`/console/reconciliation?notice=${encodeURIComponent(notice)}`, 303);
  });
