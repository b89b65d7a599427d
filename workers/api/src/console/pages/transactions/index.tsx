import type { Context } from "hono";
import { Hono } from "hono";
import type { ConsoleContext } from "../../context";
import { Badge, DateTime, EmptyState, Money, Pager, ProblemNotice } from "../../views/components";
import { Page } from "../../views/layout";
import { viewerOf } from "../../views/viewer";
import { dayRange } from "./day-range";

interface AdminTransaction {
  id: string;
  userId: string | null;
  networkId: string;
  orderId: string;
  offerId: string | null;
  clickId: string | null;
  status: string;
  rejectReason: string | null;
  currency: string;
  saleAmountMinor: number;
  commissionMinor: number;
  cashbackMinor: number;
  boostMinor: number;
  rateBps: number;
  clickedAt: string | null;
  purchasedAt: string;
  expectedConfirmationAt: string | null;
  confirmedAt: string | null;
  updatedAt: string;
}

interface TimelineItem {
  at: string;
  source: "postback" | "report" | "wallet" | "ledger";
  title: string;
  detail: string | null;
  ref: string | null;
  money: {
    bucket: string;
    currency: string;
    amountMinor: number;
    balanceAfterMinor: number;
  } | null;
}

const API = "/admin/v1/transactions";
const STATUSES = ["pending", "confirmed", "cancelled", "rejected"] as const;
const FILTERS = ["orderId", "networkId", "userId", "status", "from", "to"] as const;

const txnHref = (id: string) => `/console/transactions/${encodeURIComponent(id)}`;
const statusOf = (problemStatus: number) =>
  (problemStatus === 404 ? 404 : problemStatus === 403 ? 403 : 400) as 400 | 403 | 404;

/** GET /console/transactions: search by order, network, user, status and purchase days. */
async function listPage(c: Context<ConsoleContext>) {
  const viewer = viewerOf(c);
  const query = Object.fromEntries(FILTERS.map((k) => [k, c.req.query(k)?.trim() || undefined]));
  const cursor = c.req.query("cursor");
  const result = await c
    .get("api")
    .get<{ items: AdminTransaction[]; nextCursor: string | null }>(API, {
      orderId: query.orderId,
      networkId: query.networkId,
      userId: query.userId,
      status: query.status,
      ...dayRange(query.from, query.to, viewer.timeZone),
      cursor,
      limit: 50,
    });
  const filtered = FILTERS.some((k) => query[k]);
  return c.html(
    <Page title="Transactions" current="transactions" viewer={viewer}>
      <form class="filters" method="get" action="/console/transactions">
        <Filter name="orderId" label="Order id" value={query.orderId} />
        <Filter name="networkId" label="Network" value={query.networkId} />
        <Filter name="userId" label="User id" value={query.userId} />
        <div class="field">
          <label for="f-status">Status</label>
          <select id="f-status" name="status">
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option value={s} selected={s === query.status}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <Filter name="from" label="Purchased from" type="date" value={query.from} />
        <Filter name="to" label="Purchased to" type="date" value={query.to} />
        <button type="submit">Search</button>
      </form>
      {result.ok ? null : <ProblemNotice problem={result.problem} />}
      {result.ok && result.data.items.length === 0 ? (
        <EmptyState>
          {filtered ? "No transaction matches these filters." : "No transactions yet."}
        </EmptyState>
      ) : null}
      {result.ok && result.data.items.length > 0 ? (
        <>
          <table>
            <caption class="visually-hidden">Transactions, newest purchase first</caption>
            <thead>
              <tr>
                <th scope="col">Order</th>
                <th scope="col">Network</th>
                <th scope="col">User</th>
                <th scope="col">Status</th>
                <th scope="col" class="num">
                  Sale
                </th>
                <th scope="col" class="num">
                  Cashback
                </th>
                <th scope="col">Purchased</th>
              </tr>
            </thead>
            <tbody>
              {result.data.items.map((t) => (
                <tr>
                  <td>
                    <a href={txnHref(t.id)}>{t.orderId}</a>
                  </td>
                  <td>{t.networkId}</td>
                  <td>
                    {t.userId ? (
                      <a href={`/console/users/${encodeURIComponent(t.userId)}`}>{t.userId}</a>
                    ) : (
                      "—"
                    )}
                  </td>
                  <td>
                    <Badge status={t.status} />
                  </td>
                  <td class="num">
                    <Money amountMinor={t.saleAmountMinor} currency={t.currency} />
                  </td>
                  <td class="num">
                    <Money amountMinor={t.cashbackMinor} currency={t.currency} />
                  </td>
                  <td>
                    <DateTime at={t.purchasedAt} timeZone={viewer.timeZone} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager
            basePath="/console/transactions"
            query={query}
            nextCursor={result.data.nextCursor}
          />
        </>
      ) : null}
    </Page>,
    result.ok ? 200 : statusOf(result.status),
  );
}

export function Filter(props: { name: string; label: string; value?: string; type?: string }) {
  const id = `f-${props.name}`;
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <input id={id} name={props.name} type={props.type ?? "search"} value={props.value ?? ""} />
    </div>
  );
}

/** GET /console/transactions/:id: the transaction and its history as a timeline. */
async function detailPage(c: Context<ConsoleContext>) {
  const id = c.req.param("id") ?? "";
  const viewer = viewerOf(c);
  const tz = viewer.timeZone;
  const result = await c
    .get("api")
    .get<{ transaction: AdminTransaction; timeline: TimelineItem[] }>(
      `${API}/${encodeURIComponent(id)}`,
    );
  if (!result.ok) {
    return c.html(
      <Page title={`Transaction ${id}`} current="transactions" viewer={viewer}>
        <ProblemNotice problem={result.problem} />
        <p>
          <a href="/console/transactions">Search transactions</a>
        </p>
      </Page>,
      statusOf(result.status),
    );
  }
  const t = result.data.transaction;
  return c.html(
    <Page title={`Order ${t.orderId}`} current="transactions" viewer={viewer}>
      <section class="panel">
        <dl class="facts">
          <dt>Transaction</dt>
          <dd>
            <code>{t.id}</code>
          </dd>
          <dt>Network</dt>
          <dd>{t.networkId}</dd>
          <dt>User</dt>
          <dd>
            {t.userId ? (
              <a href={`/console/users/${encodeURIComponent(t.userId)}`}>{t.userId}</a>
            ) : (
              "— (the sub-ID could not be trusted)"
            )}
          </dd>
          <dt>Status</dt>
          <dd>
            <Badge status={t.status} /> {t.rejectReason ? <span>{t.rejectReason}</span> : null}
          </dd>
          <dt>Sale</dt>
          <dd>
            <Money amountMinor={t.saleAmountMinor} currency={t.currency} />
          </dd>
          <dt>Commission</dt>
          <dd>
            <Money amountMinor={t.commissionMinor} currency={t.currency} />
          </dd>
          <dt>Cashback</dt>
          <dd>
            <Money amountMinor={t.cashbackMinor} currency={t.currency} />
            {t.boostMinor > 0 ? (
              <span>
                {" "}
                + boost <Money amountMinor={t.boostMinor} currency={t.currency} />
              </span>
            ) : null}
          </dd>
          <dt>Clicked</dt>
          <dd>
            <DateTime at={t.clickedAt} timeZone={tz} />
          </dd>
          <dt>Purchased</dt>
          <dd>
            <DateTime at={t.purchasedAt} timeZone={tz} />
          </dd>
          <dt>Expected confirmation</dt>
          <dd>
            <DateTime at={t.expectedConfirmationAt} timeZone={tz} />
          </dd>
          <dt>Confirmed</dt>
          <dd>
            <DateTime at={t.confirmedAt} timeZone={tz} />
          </dd>
        </dl>
      </section>
      <h2>History</h2>
      {result.data.timeline.length === 0 ? (
        <EmptyState>No history recorded.</EmptyState>
      ) : (
        <ol class="timeline">
          {result.data.timeline.map((item) => (
            <li class={`timeline-item ${item.source}`}>
              <div class="timeline-head">
                <DateTime at={item.at} timeZone={tz} /> <span class="badge">{item.source}</span>{" "}
                <strong>{item.title}</strong>
              </div>
              {item.detail ? <div class="muted">{item.detail}</div> : null}
              {item.money ? (
                <div>
                  <Money amountMinor={item.money.amountMinor} currency={item.money.currency} /> to{" "}
                  {item.money.bucket}, balance after{" "}
                  <Money
                    amountMinor={item.money.balanceAfterMinor}
                    currency={item.money.currency}
                  />
                </div>
              ) : null}
              {item.source === "postback" && item.ref ? (
                <a href={`/console/postbacks/${encodeURIComponent(item.ref)}`}>
                  Postback {item.ref}
                </a>
              ) : null}
              {item.source === "report" && item.ref ? (
                <span class="muted">Reconciliation run {item.ref}</span>
              ) : null}
            </li>
          ))}
        </ol>
      )}
    </Page>,
  );
}

/** /console/transactions: the search and a transaction's history. */
export const transactionsRoutes = new Hono<ConsoleContext>()
  .get("/", listPage)
  .get("/:id", detailPage);
