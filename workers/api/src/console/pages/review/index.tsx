import type { Context } from "hono";
import { Hono } from "hono";
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
import { Page as Shell, type Viewer } from "../../views/layout";
import { viewerOf } from "../../views/viewer";
import { exportHref, payoutAction } from "../payouts/index";
import {
  type AdminPayout,
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
} from "../payouts/parts";

/**
 * /console/review: the operator's queues. Missing-cashback claims (approve or reject, support),
 * held payouts (release or cancel, finance) and payouts needing attention (stuck ones to retry
 * or cancel, and those a processor event contradicted). Every decision carries a reason the
 * API keeps on the claim or the payout, so the audit log's before/after shows it.
 */

const QUEUES = [
  { key: "claims", label: "Missing-cashback claims" },
  { key: "held", label: "Held payouts" },
  { key: "attention", label: "Payouts needing attention" },
] as const;
type Queue = (typeof QUEUES)[number]["key"];

const CLAIM_API = "/admin/v1/claims";
const CLAIM_STATUSES = ["review", "open", "approved", "rejected", "matched"] as const;

export interface AdminClaim {
  id: string;
  userId: string;
  clickId: string;
  offerId: string;
  networkId: string;
  orderId: string;
  amountMinor: number;
  currency: string;
  status: string;
  transactionId: string | null;
  purchasedAt: string;
  createdAt: string;
  decisionReason: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
}

const queueOf = (value: string | undefined): Queue =>
  QUEUES.some((q) => q.key === value) ? (value as Queue) : "claims";

function QueueTabs({ current }: { current: Queue }) {
  return (
    <nav class="tabs" aria-label="Review queues">
      <ul>
        {QUEUES.map((q) => (
          <li>
            <a
              href={`/console/review?queue=${q.key}`}
              aria-current={q.key === current ? "page" : undefined}
            >
              {q.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

async function reviewPage(
  c: Context<ConsoleContext>,
  failed: FailedAction | null = null,
  queueOverride?: Queue,
) {
  const viewer = viewerOf(c);
  const queue = queueOverride ?? queueOf(c.req.query("queue"));
  const body =
    queue === "claims"
      ? await claimsQueue(c, viewer, failed)
      : queue === "held"
        ? await payoutQueue(c, viewer, failed, { status: "held" }, "held", "No held payouts.")
        : await attentionQueue(c, viewer, failed);
  return c.html(
    <Shell title="Review queues" current="review" viewer={viewer}>
      <QueueTabs current={queue} />
      <Notice text={c.req.query("notice")} />
      {failed && !hasFieldError(failed) ? <ProblemNotice problem={failed.problem} /> : null}
      {body}
    </Shell>,
    failed ? problemStatus(failed.problem.status) : 200,
  );
}

async function claimsQueue(
  c: Context<ConsoleContext>,
  viewer: Viewer,
  failed: FailedAction | null,
) {
  const api = c.get("api");
  const f = filtersOf(c, ["status", "userId"] as const);
  const status = f.status ?? "review";
  const cursor = c.req.query("cursor");
  const list = await api.get<Page<AdminClaim>>(CLAIM_API, { ...f, status, cursor });
  const canDecide = api.can("POST", `${CLAIM_API}/x/approve`);
  const query = { queue: "claims", ...f };
  return (
    <>
      <form method="get" action="/console/review" class="filters">
        <input type="hidden" name="queue" value="claims" />
        <div>
          <label for="f-claim-status">Status</label>
          <select id="f-claim-status" name="status">
            {CLAIM_STATUSES.map((s) => (
              <option value={s} selected={s === status}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="f-claim-user">User id</label>
          <input id="f-claim-user" name="userId" value={f.userId ?? ""} />
        </div>
        <button type="submit">Filter</button>
      </form>
      <p>
        <a
          class="button secondary"
          href={exportHref("/console/review/claims", { status, userId: f.userId })}
          hx-boost="false"
        >
          Export CSV
        </a>
      </p>
      {list.ok ? null : <ProblemNotice problem={list.problem} />}
      {list.ok && list.data.items.length === 0 ? (
        <EmptyState>No claims in {status}.</EmptyState>
      ) : null}
      {list.ok && list.data.items.length > 0 ? (
        <table>
          <caption class="visually-hidden">Missing-cashback claims</caption>
          <thead>
            <tr>
              <th scope="col">Claim</th>
              <th scope="col">User</th>
              <th scope="col">Order</th>
              <th scope="col" class="num">
                Order amount
              </th>
              <th scope="col">Purchased</th>
              <th scope="col">Status</th>
              <th scope="col">Decision</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((claim) => (
              <tr>
                <td>{claim.id}</td>
                <td>{claim.userId}</td>
                <td>
                  {claim.orderId}
                  <div class="muted">{claim.networkId}</div>
                </td>
                <td class="num">
                  <Money amountMinor={claim.amountMinor} currency={claim.currency} />
                </td>
                <td>
                  <DateTime at={claim.purchasedAt} timeZone={viewer.timeZone} />
                </td>
                <td>
                  <Badge status={claim.status} />
                  {claim.transactionId ? <div class="muted">{claim.transactionId}</div> : null}
                </td>
                <td>
                  {claim.decisionReason ? (
                    <p>
                      {claim.decisionReason}
                      <span class="muted">
                        {" "}
                        — {claim.decidedBy},{" "}
                        <DateTime at={claim.decidedAt} timeZone={viewer.timeZone} />
                      </span>
                    </p>
                  ) : null}
                  {canDecide && (claim.status === "review" || claim.status === "open") ? (
                    <div class="actions">
                      <ReasonForm
                        action={`/console/review/claims/${encodeURIComponent(claim.id)}/approve`}
                        formKey={`${claim.id}:approve`}
                        label="Approve"
                        token={viewer.csrfToken}
                        failed={failed}
                      />
                      <ReasonForm
                        action={`/console/review/claims/${encodeURIComponent(claim.id)}/reject`}
                        formKey={`${claim.id}:reject`}
                        label="Reject"
                        token={viewer.csrfToken}
                        failed={failed}
                        danger
                      />
                    </div>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {list.ok ? (
        <Pager basePath="/console/review" query={query} nextCursor={list.data.nextCursor} />
      ) : null}
    </>
  );
}

async function payoutQueue(
  c: Context<ConsoleContext>,
  viewer: Viewer,
  failed: FailedAction | null,
  filter: Record<string, string>,
  queue: Queue,
  empty: string,
  heading?: string,
) {
  const api = c.get("api");
  const list = await api.get<Page<AdminPayout>>(PAYOUT_API, { ...filter, limit: 50 });
  return (
    <section>
      {heading ? <h2>{heading}</h2> : null}
      {list.ok ? null : <ProblemNotice problem={list.problem} />}
      {list.ok && list.data.items.length === 0 ? <EmptyState>{empty}</EmptyState> : null}
      {list.ok && list.data.items.length > 0 ? (
        <table>
          <caption class="visually-hidden">{heading ?? "Held payouts"}</caption>
          <thead>
            <tr>
              <th scope="col">Payout</th>
              <th scope="col">User</th>
              <th scope="col" class="num">
                Amount
              </th>
              <th scope="col">Why</th>
              <th scope="col">Created</th>
              <th scope="col">Decision</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((p) => {
              const actions = payoutActionsFor(p.status).filter((a) =>
                api.can("POST", `${PAYOUT_API}/${p.id}/${a}`),
              );
              return (
                <tr>
                  <td>
                    <a href={`/console/payouts/${encodeURIComponent(p.id)}`}>{p.id}</a>{" "}
                    <Badge status={p.status} />
                  </td>
                  <td>{p.userId}</td>
                  <td class="num">
                    {p.amountMinor !== null && p.currency ? (
                      <Money amountMinor={p.amountMinor} currency={p.currency} />
                    ) : (
                      "—"
                    )}
                  </td>
                  <td>{p.holdReason ?? p.attention ?? p.failureCode ?? "—"}</td>
                  <td>
                    <DateTime at={p.createdAt} timeZone={viewer.timeZone} />
                  </td>
                  <td>
                    <div class="actions">
                      {actions.map((a) => (
                        <ReasonForm
                          action={`/console/review/payouts/${encodeURIComponent(p.id)}/${a}`}
                          formKey={`${p.id}:${a}`}
                          label={PAYOUT_ACTION_LABELS[a]}
                          token={viewer.csrfToken}
                          failed={failed}
                          hidden={{ queue }}
                          danger={a === "cancel"}
                        />
                      ))}
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

async function attentionQueue(
  c: Context<ConsoleContext>,
  viewer: Viewer,
  failed: FailedAction | null,
) {
  return (
    <>
      {
        await payoutQueue(
          c,
          viewer,
          failed,
          { status: "stuck" },
          "attention",
          "No stuck payouts.",
          "Stuck: retries spent",
        )
      }
      {
        await payoutQueue(
          c,
          viewer,
          failed,
          { attention: "true" },
          "attention",
          "No payouts flagged by the processor.",
          "Flagged: a processor event contradicted the payout",
        )
      }
    </>
  );
}

const claimCsvColumns = [
  { header: "id", value: (r: AdminClaim) => r.id },
  { header: "user_id", value: (r: AdminClaim) => r.userId },
  { header: "network_id", value: (r: AdminClaim) => r.networkId },
  { header: "order_id", value: (r: AdminClaim) => r.orderId },
  { header: "order_amount", value: (r: AdminClaim) => csvMoney(r.amountMinor, r.currency) },
  { header: "currency", value: (r: AdminClaim) => r.currency },
  { header: "status", value: (r: AdminClaim) => r.status },
  { header: "transaction_id", value: (r: AdminClaim) => r.transactionId },
  { header: "purchased_at", value: (r: AdminClaim) => r.purchasedAt },
  { header: "created_at", value: (r: AdminClaim) => r.createdAt },
  { header: "decision_reason", value: (r: AdminClaim) => r.decisionReason },
  { header: "decided_by", value: (r: AdminClaim) => r.decidedBy },
  { header: "decided_at", value: (r: AdminClaim) => r.decidedAt },
];

export const reviewRoutes = new Hono<ConsoleContext>()
  .get("/", (c) => reviewPage(c))
  .get("/claims/export.csv", (c) => {
    const api = c.get("api");
    const f = filtersOf(c, ["status", "userId"] as const);
    return csvExport<AdminClaim>({
      filename: "claims.csv",
      maxRows: exportRowLimit(c.req.query("max")),
      columns: claimCsvColumns,
      fetchPage: async (cursor) => {
        const page = await api.get<Page<AdminClaim>>(CLAIM_API, {
          status: f.status ?? "review",
          userId: f.userId,
          limit: 200,
          cursor,
        });
        return page.ok ? { ok: true, ...page.data } : page;
      },
    });
  })
  .post("/claims/:id/:action{approve|reject}", async (c) => {
    const id = c.req.param("id");
    const action = c.req.param("action");
    const form = await c.req.parseBody();
    const reason = str(form.reason).trim();
    const result = await c
      .get("api")
      .send("POST", `${CLAIM_API}/${encodeURIComponent(id)}/${action}`, { reason });
    if (result.ok) {
      const notice = `Claim ${id} ${action === "approve" ? "approved" : "rejected"}.`;
      return c.redirect(`/console/review?queue=claims&notice=${encodeURIComponent(notice)}`, 303);
    }
    return reviewPage(c, { key: `${id}:${action}`, problem: result.problem, reason }, "claims");
  })
  .post("/payouts/:id/:action{approve|retry|cancel}", async (c) => {
    const form = await c.req.parseBody();
    const queue = queueOf(str(form.queue));
    return payoutAction(
      c,
      (failed) => reviewPage(c, failed, queue),
      `/console/review?queue=${queue}`,
    );
  });
