import type { Context } from "hono";
import { Hono } from "hono";
import type { ConsoleContext } from "../../context";
import { Badge, DateTime, EmptyState, Pager, ProblemNotice } from "../../views/components";
import { Page } from "../../views/layout";
import { viewerOf } from "../../views/viewer";
import { dayRange } from "../transactions/day-range";
import { Filter } from "../transactions/index";
import { redactCredentials } from "./redact";

interface PostbackSummary {
  id: string;
  networkId: string;
  receivedAt: string;
  verdict: string;
  rejectReason: string | null;
  orderId: string | null;
}

interface ReceivedPostback extends PostbackSummary {
  sourceIp: string | null;
  rawBody: string | null;
  archive: { key: string; line: number } | null;
}

const API = "/admin/v1/postbacks";
const FILTERS = ["networkId", "verdict", "orderId", "from", "to"] as const;
const statusOf = (s: number) => (s === 404 ? 404 : s === 403 ? 403 : 400) as 400 | 403 | 404;

/** GET /console/postbacks: what networks sent, with the verdict and the reason for refusals. */
async function listPage(c: Context<ConsoleContext>) {
  const viewer = viewerOf(c);
  const query = Object.fromEntries(FILTERS.map((k) => [k, c.req.query(k)?.trim() || undefined]));
  const result = await c
    .get("api")
    .get<{ items: PostbackSummary[]; nextCursor: string | null }>(API, {
      networkId: query.networkId,
      verdict: query.verdict,
      orderId: query.orderId,
      ...dayRange(query.from, query.to, viewer.timeZone),
      cursor: c.req.query("cursor"),
      limit: 50,
    });
  const filtered = FILTERS.some((k) => query[k]);
  return c.html(
    <Page title="Postbacks" current="postbacks" viewer={viewer}>
      <form class="filters" method="get" action="/console/postbacks">
        <Filter name="networkId" label="Network" value={query.networkId} />
        <div class="field">
          <label for="f-verdict">Verdict</label>
          <select id="f-verdict" name="verdict">
            <option value="">any</option>
            {["accepted", "rejected"].map((v) => (
              <option value={v} selected={v === query.verdict}>
                {v}
              </option>
            ))}
          </select>
        </div>
        <Filter name="orderId" label="Order id" value={query.orderId} />
        <Filter name="from" label="Received from" type="date" value={query.from} />
        <Filter name="to" label="Received to" type="date" value={query.to} />
        <button type="submit">Search</button>
      </form>
      {result.ok ? null : <ProblemNotice problem={result.problem} />}
      {result.ok && result.data.items.length === 0 ? (
        <EmptyState>
          {filtered ? "No postback matches these filters." : "No postbacks received yet."}
        </EmptyState>
      ) : null}
      {result.ok && result.data.items.length > 0 ? (
        <>
          <table>
            <caption class="visually-hidden">Received postbacks, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Received</th>
                <th scope="col">Network</th>
                <th scope="col">Order</th>
                <th scope="col">Verdict</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {result.data.items.map((p) => (
                <tr>
                  <td>
                    <a href={`/console/postbacks/${encodeURIComponent(p.id)}`}>
                      <DateTime at={p.receivedAt} timeZone={viewer.timeZone} />
                    </a>
                  </td>
                  <td>{p.networkId}</td>
                  <td>{p.orderId ?? "—"}</td>
                  <td>
                    <Badge status={p.verdict} />
                  </td>
                  <td>{p.rejectReason ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager basePath="/console/postbacks" query={query} nextCursor={result.data.nextCursor} />
        </>
      ) : null}
    </Page>,
    result.ok ? 200 : statusOf(result.status),
  );
}

/**
 * GET /console/postbacks/:id: one postback with its raw body, credentials redacted and shown
 * as text (JSX escapes it, so markup in a field is never markup on the page).
 */
async function detailPage(c: Context<ConsoleContext>) {
  const id = c.req.param("id") ?? "";
  const viewer = viewerOf(c);
  const result = await c.get("api").get<ReceivedPostback>(`${API}/${encodeURIComponent(id)}`);
  if (!result.ok) {
    return c.html(
      <Page title={`Postback ${id}`} current="postbacks" viewer={viewer}>
        <ProblemNotice problem={result.problem} />
        <p>
          <a href="/console/postbacks">All postbacks</a>
        </p>
      </Page>,
      statusOf(result.status),
    );
  }
  const p = result.data;
  const ordersHref = p.orderId
    ? `/console/transactions?${new URLSearchParams({ orderId: p.orderId, networkId: p.networkId })}`
    : null;
  return c.html(
    <Page title={`Postback ${p.id}`} current="postbacks" viewer={viewer}>
      <section class="panel">
        <dl class="facts">
          <dt>Network</dt>
          <dd>{p.networkId}</dd>
          <dt>Received</dt>
          <dd>
            <DateTime at={p.receivedAt} timeZone={viewer.timeZone} />
          </dd>
          <dt>Verdict</dt>
          <dd>
            <Badge status={p.verdict} /> {p.rejectReason ?? ""}
          </dd>
          <dt>Order</dt>
          <dd>{ordersHref ? <a href={ordersHref}>{p.orderId}</a> : "—"}</dd>
          <dt>Source IP</dt>
          <dd>{p.sourceIp ?? "—"}</dd>
          <dt>Stored</dt>
          <dd>{p.archive ? `archived (${p.archive.key}, line ${p.archive.line})` : "in D1"}</dd>
        </dl>
      </section>
      <h2>Body as received</h2>
      <p class="muted">Credentials (signatures, secrets, tokens, passwords) are shown as •••.</p>
      {p.rawBody === null ? (
        <EmptyState>The archived body is no longer available.</EmptyState>
      ) : (
        <pre class="raw">{redactCredentials(p.rawBody)}</pre>
      )}
    </Page>,
  );
}

/** /console/postbacks: the received-postback log and one postback's body. */
export const postbacksRoutes = new Hono<ConsoleContext>()
  .get("/", listPage)
  .get("/:id", detailPage);
