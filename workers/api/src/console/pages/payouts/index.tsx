import type { Context } from "hono";
import { Hono } from "hono";
import { PAYOUT_STATUSES } from "#shared/payouts/types";
import type { ConsoleContext } from "../../context";
import { csvExport, csvMoney, exportRowLimit } from "../../csv";
import {
  Badge,
  DateTime,
  EmptyState,
  Money,
  Notice,
  Pager,
  ProblemNotice,
} from "../../views/components";
import { Page as Shell } from "../../views/layout";
import { viewerOf } from "../../views/viewer";
import {
  type AdminPayout,
  dayToIso,
  type FailedAction,
  filtersOf,
  hasFieldError,
  PAYOUT_ACTION_LABELS,
  PAYOUT_API,
  type Page,
  payoutActionsFor,
  problemStatus,
  ReasonForm,
  str,
} from "./parts";

/** /console/payouts: the payout list with filters, a payout's page, its actions, CSV export. */

const FILTER_KEYS = ["status", "userId", "currency", "from", "to", "attention"] as const;
type Filters = Partial<Record<(typeof FILTER_KEYS)[number], string>>;

/** The page's filters as the admin API's query. */
function apiQuery(f: Filters) {
  return {
    status: f.status,
    userId: f.userId,
    currency: f.currency?.toUpperCase(),
    attention: f.attention === "true" ? "true" : undefined,
    from: dayToIso(f.from),
    // "to" is a day the operator includes: the API's bound is exclusive, so the next midnight.
    to: f.to ? nextDay(f.to) : undefined,
  };
}

function nextDay(day: string): string | undefined {
  const ms = Date.parse(`${day}T00:00:00Z`);
  return Number.isNaN(ms) ? day : new Date(ms + 86_400_000).toISOString();
}

function FilterForm({ f, action }: { f: Filters; action: string }) {
  return (
    <form
      method="get"
      action={action}
      class="filters"
      hx-get={action}
      hx-target="main"
      hx-select="main"
      hx-swap="outerHTML"
      hx-push-url="true"
    >
      <div>
        <label for="f-status">Status</label>
        <select id="f-status" name="status">
          <option value="">Any</option>
          {PAYOUT_STATUSES.map((s) => (
            <option value={s} selected={s === f.status}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label for="f-user">User id</label>
        <input id="f-user" name="userId" value={f.userId ?? ""} />
      </div>
      <div>
        <label for="f-currency">Currency</label>
        <input id="f-currency" name="currency" size={4} maxlength={3} value={f.currency ?? ""} />
      </div>
      <div>
        <label for="f-from">Created from</label>
        <input id="f-from" name="from" type="date" value={f.from ?? ""} />
      </div>
      <div>
        <label for="f-to">Created to</label>
        <input id="f-to" name="to" type="date" value={f.to ?? ""} />
      </div>
      <div>
        <label for="f-attention">Flagged</label>
        <select id="f-attention" name="attention">
          <option value="">Any</option>
          <option value="true" selected={f.attention === "true"}>
            Needs attention
          </option>
        </select>
      </div>
      <button type="submit">Filter</button>
    </form>
  );
}

export function exportHref(base: string, f: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v && k !== "cursor") params.set(k, v);
  const text = params.toString();
  return `${base}/export.csv${text ? `?${text}` : ""}`;
}

async function listPage(c: Context<ConsoleContext>) {
  const viewer = viewerOf(c);
  const api = c.get("api");
  const f = filtersOf(c, FILTER_KEYS);
  const cursor = c.req.query("cursor");
  const list = await api.get<Page<AdminPayout>>(PAYOUT_API, { ...apiQuery(f), cursor });
  return c.html(
    <Shell title="Payouts" current="payouts" viewer={viewer}>
      <Notice text={c.req.query("notice")} />
      <FilterForm f={f} action="/console/payouts" />
      <p>
        <a class="button secondary" href={exportHref("/console/payouts", f)} hx-boost="false">
          Export CSV
        </a>
      </p>
      {list.ok ? null : <ProblemNotice problem={list.problem} />}
      {list.ok && list.data.items.length === 0 ? (
        <EmptyState>No payouts match these filters.</EmptyState>
      ) : null}
      {list.ok && list.data.items.length > 0 ? (
        <PayoutTable items={list.data.items} timeZone={viewer.timeZone} />
      ) : null}
      {list.ok ? (
        <Pager basePath="/console/payouts" query={f} nextCursor={list.data.nextCursor} />
      ) : null}
    </Shell>,
    list.ok ? 200 : problemStatus(list.status),
  );
}

export function PayoutTable({ items, timeZone }: { items: AdminPayout[]; timeZone: string }) {
  return (
    <table>
      <caption class="visually-hidden">Payouts</caption>
      <thead>
        <tr>
          <th scope="col">Payout</th>
          <th scope="col">User</th>
          <th scope="col">Status</th>
          <th scope="col" class="num">
            Amount
          </th>
          <th scope="col">Destination</th>
          <th scope="col" class="num">
            Attempts
          </th>
          <th scope="col">Created</th>
        </tr>
      </thead>
      <tbody>
        {items.map((p) => (
          <tr>
            <td>
              <a href={`/console/payouts/${encodeURIComponent(p.id)}`}>{p.id}</a>
            </td>
            <td>{p.userId}</td>
            <td>
              <Badge status={p.status} />
              {p.attention ? (
                <>
                  {" "}
                  <Badge status="attention" />
                </>
              ) : null}
            </td>
            <td class="num">
              {p.amountMinor !== null && p.currency ? (
                <Money amountMinor={p.amountMinor} currency={p.currency} />
              ) : (
                "—"
              )}
            </td>
            <td>
              {p.destinationType ?? "—"} {p.destinationMasked ?? ""}
            </td>
            <td class="num">{p.attempts}</td>
            <td>
              <DateTime at={p.createdAt} timeZone={timeZone} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

interface PayoutDetail {
  userId: string;
  payout: Record<string, unknown>;
  attempts: number;
  attention: string | null;
  lastError: string | null;
  processorRef: string | null;
  log: Array<{ event: string; detail: string | null; at: string }>;
}

async function detailPage(c: Context<ConsoleContext>, failed: FailedAction | null = null) {
  const viewer = viewerOf(c);
  const api = c.get("api");
  const id = c.req.param("id") ?? "";
  const found = await api.get<PayoutDetail>(`${PAYOUT_API}/${encodeURIComponent(id)}`);
  if (!found.ok) {
    return c.html(
      <Shell title="Payout" current="payouts" viewer={viewer}>
        <ProblemNotice problem={found.problem} />
        <p>
          <a href="/console/payouts">Back to payouts</a>
        </p>
      </Shell>,
      problemStatus(found.status),
    );
  }
  const d = found.data;
  const p = d.payout as { status?: string; amountMinor?: number; currency?: string };
  const status = String(p.status ?? "");
  const actions = payoutActionsFor(status).filter((a) =>
    api.can("POST", `${PAYOUT_API}/${id}/${a}`),
  );
  return c.html(
    <Shell title={`Payout ${id}`} current="payouts" viewer={viewer}>
      <Notice text={c.req.query("notice")} />
      {failed && !hasFieldError(failed) ? <ProblemNotice problem={failed.problem} /> : null}
      <section class="panel">
        <dl class="facts">
          <dt>Status</dt>
          <dd>
            <Badge status={status} />
          </dd>
          <dt>User</dt>
          <dd>{d.userId}</dd>
          <dt>Amount</dt>
          <dd>
            {typeof p.amountMinor === "number" && p.currency ? (
              <Money amountMinor={p.amountMinor} currency={p.currency} />
            ) : (
              "—"
            )}
          </dd>
          <dt>Attempts</dt>
          <dd>{d.attempts}</dd>
          <dt>Processor reference</dt>
          <dd>{d.processorRef ?? "—"}</dd>
          <dt>Last error</dt>
          <dd>{d.lastError ?? "—"}</dd>
          <dt>Attention</dt>
          <dd>{d.attention ?? "—"}</dd>
        </dl>
      </section>
      {actions.length > 0 ? (
        <section class="panel">
          <h2>Actions</h2>
          <div class="actions">
            {actions.map((a) => (
              <ReasonForm
                action={`/console/payouts/${encodeURIComponent(id)}/${a}`}
                formKey={`${id}:${a}`}
                label={PAYOUT_ACTION_LABELS[a]}
                token={viewer.csrfToken}
                failed={failed}
                danger={a === "cancel"}
              />
            ))}
          </div>
        </section>
      ) : null}
      <h2>History</h2>
      {d.log.length === 0 ? (
        <EmptyState>No history yet.</EmptyState>
      ) : (
        <table>
          <caption class="visually-hidden">Payout history</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Event</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {d.log.map((l) => (
              <tr>
                <td>
                  <DateTime at={l.at} timeZone={viewer.timeZone} />
                </td>
                <td>{l.event}</td>
                <td>{l.detail ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Shell>,
    failed ? problemStatus(failed.problem.status) : 200,
  );
}

/**
 * Runs a payout action through the admin API with the operator's reason. Back to `returnTo`
 * with a notice, or `onFailure` re-renders the page the form was on with the problem.
 */
export async function payoutAction(
  c: Context<ConsoleContext>,
  onFailure: (failed: FailedAction) => Promise<Response>,
  returnTo: string,
) {
  const id = c.req.param("id") ?? "";
  const action = c.req.param("action") as "approve" | "retry" | "cancel";
  const form = await c.req.parseBody();
  const reason = str(form.reason).trim();
  const result = await c
    .get("api")
    .send("POST", `${PAYOUT_API}/${encodeURIComponent(id)}/${action}`, { reason });
  if (result.ok) {
    const notice = `Payout ${id}: ${PAYOUT_ACTION_LABELS[action].toLowerCase()} done.`;
    const sep = returnTo.includes("?") ? "&" : "?";
    return c.redirect(`${returnTo}${sep}notice=${encodeURIComponent(notice)}`, 303);
  }
  return onFailure({ key: `${id}:${action}`, problem: result.problem, reason });
}

const payoutCsvColumns = [
  { header: "id", value: (p: AdminPayout) => p.id },
  { header: "user_id", value: (p: AdminPayout) => p.userId },
  { header: "status", value: (p: AdminPayout) => p.status },
  { header: "amount", value: (p: AdminPayout) => csvMoney(p.amountMinor, p.currency) },
  { header: "currency", value: (p: AdminPayout) => p.currency },
  { header: "destination_type", value: (p: AdminPayout) => p.destinationType },
  { header: "destination", value: (p: AdminPayout) => p.destinationMasked },
  { header: "hold_reason", value: (p: AdminPayout) => p.holdReason },
  { header: "failure_code", value: (p: AdminPayout) => p.failureCode },
  { header: "attention", value: (p: AdminPayout) => p.attention },
  { header: "attempts", value: (p: AdminPayout) => p.attempts },
  { header: "processor_ref", value: (p: AdminPayout) => p.processorRef },
  { header: "created_at", value: (p: AdminPayout) => p.createdAt },
  { header: "paid_at", value: (p: AdminPayout) => p.paidAt },
];

export const payoutsRoutes = new Hono<ConsoleContext>()
  .get("/", (c) => listPage(c))
  .get("/export.csv", (c) => {
    const api = c.get("api");
    const query = apiQuery(filtersOf(c, FILTER_KEYS));
    return csvExport<AdminPayout>({
      filename: "payouts.csv",
      maxRows: exportRowLimit(c.req.query("max")),
      columns: payoutCsvColumns,
      fetchPage: async (cursor) => {
        const page = await api.get<Page<AdminPayout>>(PAYOUT_API, {
          ...query,
          limit: 100,
          cursor,
        });
        return page.ok ? { ok: true, ...page.data } : page;
      },
    });
  })
  .get("/:id", (c) => detailPage(c))
  .post("/:id/:action{approve|retry|cancel}", (c) =>
    payoutAction(
      c,
      (failed) => detailPage(c, failed),
      `/console/payouts/${encodeURIComponent(c.req.param("id"))}`,
    ),
  );
