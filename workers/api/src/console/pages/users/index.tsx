import type { Context } from "hono";
import { Hono } from "hono";
import type { ProblemBody } from "#shared/http/errors";
import type { ConsoleContext } from "../../context";
import {
  Badge,
  DateTime,
  EmptyState,
  Money,
  Notice,
  Pager,
  ProblemNotice,
} from "../../views/components";
import { Csrf, Page } from "../../views/layout";
import { viewerOf } from "../../views/viewer";
import { BanPanel, banBoxOf, referrerHref } from "../referrals/ban";
import { ContactPanel, EventsTable } from "./contact-events";
import { BrokenChainsTable, LedgerChainPanel } from "./ledger-chain";
import { NotificationDeliveriesTable, type NotificationDelivery } from "./notification-deliveries";
import {
  NotificationPreferencesPanel,
  type NotificationPrefs,
  preferencesChangeOf,
} from "./notification-preferences";
import { LotsTable, PointsPanel, TierHistoryTable } from "./points";
import { SegmentsPanel } from "./segments";
import { LedgerTable, WalletTransactionsTable } from "./tables";
import type {
  AdminPayout,
  AdminUser,
  Page as ApiPage,
  Claim,
  Click,
  Destination,
  LedgerChainAnchor,
  LedgerChainState,
  LedgerEntry,
  List,
  MaskedContact,
  PointsLot,
  PointsSummary,
  RevealedContact,
  TierHistoryEntry,
  UserEvent,
  WalletTransaction,
} from "./types";

const API = "/admin/v1/users";
const KYC_STATUSES = ["none", "pending", "verified", "rejected"] as const;
/** Rows of each list on the user's page; the ledger and transactions have their own pages. */
const PREVIEW_ROWS = 10;
/** Wallets with a broken chain listed on the users page (there should be none). */
const BROKEN_CHAINS_SHOWN = 100;
/** A ledger export query that returns no entries: the chain's head and last anchor only. */
const CHAIN_ONLY = { afterSeq: Number.MAX_SAFE_INTEGER, limit: 1 };

const userApi = (id: string) => `${API}/${encodeURIComponent(id)}`;
const userHref = (id: string) => `/console/users/${encodeURIComponent(id)}`;

/** GET /console/users: find a user by id (the id goes straight to their page). */
async function findPage(c: Context<ConsoleContext>) {
  const id = (c.req.query("id") ?? "").trim();
  if (id) return c.redirect(userHref(id), 303);
  const viewer = viewerOf(c);
  const broken = await c.get("api").get<{
    items: LedgerChainAnchor[];
    nextAfterUserId: string | null;
  }>("/admin/v1/ledger-chains", { status: "broken", limit: BROKEN_CHAINS_SHOWN });
  return c.html(
    <Page title="Users" current="users" viewer={viewer}>
      <FindForm value="" />
      <p class="muted">
        A user's e-mail and phone (when their backend sends them) are shown masked, and revealed
        only with a recorded reason. Payout destinations are only ever shown masked.
      </p>
      <h2>Broken ledger chains</h2>
      {broken.ok ? (
        <>
          <BrokenChainsTable items={broken.data.items} timeZone={viewer.timeZone} />
          {broken.data.nextAfterUserId ? (
            <p class="muted">
              The first {BROKEN_CHAINS_SHOWN}; the rest through <code>listLedgerChains</code>.
            </p>
          ) : null}
        </>
      ) : (
        <ProblemNotice problem={broken.problem} />
      )}
    </Page>,
  );
}

function FindForm({ value }: { value: string }) {
  return (
    <form class="filters" method="get" action="/console/users">
      <div class="field">
        <label for="f-user-id">User id</label>
        <input id="f-user-id" name="id" type="search" value={value} required />
      </div>
      <button type="submit">Find user</button>
    </form>
  );
}

/**
 * The user's page; `form` carries a refused KYC change back to it, `reveal` a reveal's answer
 * (the details in clear, shown on this one response only) or its refusal.
 */
async function userPage(
  c: Context<ConsoleContext>,
  form: { problem?: ProblemBody } = {},
  refusedStatus?: 400 | 403 | 404 | 409,
  reveal: { revealed?: RevealedContact; problem?: ProblemBody } = {},
) {
  const id = c.req.param("id") ?? "";
  const viewer = viewerOf(c);
  const api = c.get("api");
  const base = userApi(id);
  const user = await api.get<AdminUser>(base);
  if (!user.ok) {
    return c.html(
      <Page title={`User ${id}`} current="users" viewer={viewer}>
        <FindForm value={id} />
        <ProblemNotice problem={user.problem} />
      </Page>,
      user.status === 404 ? 404 : user.status === 403 ? 403 : 400,
    );
  }
  const rows = { limit: PREVIEW_ROWS };
  const [
    ledger,
    txns,
    clicks,
    claims,
    destinations,
    payouts,
    contact,
    events,
    points,
    lots,
    tiers,
    segments,
    referrerBan,
    notificationPrefs,
    deliveries,
    chain,
  ] = await Promise.all([
    api.get<ApiPage<LedgerEntry>>(`${base}/ledger`, rows),
    api.get<ApiPage<WalletTransaction>>(`${base}/transactions`, rows),
    api.get<List<Click>>(`${base}/clicks`, rows),
    api.get<List<Claim>>(`${base}/claims`, rows),
    api.get<List<Destination>>(`${base}/destinations`),
    api.get<ApiPage<AdminPayout>>("/admin/v1/payouts", { userId: id, limit: PREVIEW_ROWS }),
    api.get<MaskedContact>(`${base}/contact`),
    api.get<ApiPage<UserEvent>>(`${base}/events`, rows),
    api.get<PointsSummary>(`${base}/points`),
    api.get<ApiPage<PointsLot>>(`${base}/points/lots`, rows),
    api.get<{ items: TierHistoryEntry[] }>(`${base}/tier-history`),
    api.get<{ segments: string[] }>(`${base}/segments`),
    banBoxOf(c, id),
    api.get<NotificationPrefs>(`${base}/notification-preferences`),
    api.get<List<NotificationDelivery>>(`${base}/notification-deliveries`, rows),
    // The export's head and anchor only: no entry lies after the largest seq.
    api.get<LedgerChainState>(`${base}/ledger/export`, CHAIN_ONLY),
  ]);
  const u = user.data;
  const tz = viewer.timeZone;
  const canSetKyc = api.can("PUT", `${base}/kyc`);
  // Normally the operator's backend reports logins; support may record one it learnt of
  // (a login from a new device holds the user's redemptions for review for a while).
  const canReportLogin = api.can("POST", `${base}/logins`);
  const canSetSegments = api.can("PUT", `${base}/segments`);
  const canSetNotificationPrefs = api.can("PUT", `${base}/notification-preferences`);
  return c.html(
    <Page title={`User ${u.id}`} current="users" viewer={viewer}>
      <Notice text={c.req.query("notice")} />
      <section class="panel">
        <dl class="facts">
          <dt>Id</dt>
          <dd>
            <code>{u.id}</code>
          </dd>
          <dt>Display name</dt>
          <dd>{u.displayName ?? "—"}</dd>
          <dt>Registered</dt>
          <dd>
            <DateTime at={u.createdAt} timeZone={tz} />
          </dd>
          <dt>KYC</dt>
          <dd>
            <Badge status={u.kyc.status} />{" "}
            {u.kyc.updatedAt ? (
              <span class="muted">
                since <DateTime at={u.kyc.updatedAt} timeZone={tz} />
              </span>
            ) : null}
          </dd>
          <dt>Risk</dt>
          <dd>
            <a href={`/console/risk/users/${encodeURIComponent(u.id)}`}>
              Risk page: score, holds, linked accounts
            </a>
          </dd>
        </dl>
        {canSetKyc ? (
          <form class="filters" method="post" action={`${userHref(u.id)}/kyc`}>
            <Csrf token={viewer.csrfToken} />
            <div class="field">
              <label for="f-kyc">KYC status</label>
              <select id="f-kyc" name="status">
                {KYC_STATUSES.map((s) => (
                  <option value={s} selected={s === u.kyc.status}>
                    {s}
                  </option>
                ))}
              </select>
            </div>
            <button type="submit">Set KYC status</button>
          </form>
        ) : null}
        {canReportLogin ? (
          <form class="filters" method="post" action={`${userHref(u.id)}/logins`}>
            <Csrf token={viewer.csrfToken} />
            <div class="field">
              <label for="f-device">Device id of a login</label>
              <input id="f-device" name="deviceId" type="text" required />
            </div>
            <button type="submit" class="secondary">
              Report login
            </button>
          </form>
        ) : null}
        <ProblemNotice problem={form.problem} />
      </section>

      <h2>Segments</h2>
      <SegmentsPanel
        segments={segments.ok ? segments.data.segments : []}
        action={canSetSegments ? `${userHref(u.id)}/segments` : null}
        csrfToken={viewer.csrfToken}
      />

      <h2>Notification preferences</h2>
      {notificationPrefs.ok ? (
        <NotificationPreferencesPanel
          prefs={notificationPrefs.data}
          action={canSetNotificationPrefs ? `${userHref(u.id)}/notification-preferences` : null}
          csrfToken={viewer.csrfToken}
        />
      ) : (
        <ProblemNotice problem={notificationPrefs.problem} />
      )}

      <h2>Referrals</h2>
      <section class="panel" aria-label="Ban from referring">
        <BanPanel
          userId={u.id}
          {...referrerBan}
          token={viewer.csrfToken}
          timeZone={tz}
          failed={null}
          back={userHref(u.id)}
        />
        <p>
          <a href={referrerHref(u.id)}>As a referrer</a> ·{" "}
          <a href={`/console/referrals/review?state=held&referrerId=${encodeURIComponent(u.id)}`}>
            their held referrals
          </a>
        </p>
      </section>

      <h2>Contact</h2>
      <ContactPanel
        contact={contact.ok ? contact.data : null}
        revealed={reveal.revealed ?? null}
        revealAction={
          api.can("POST", `${base}/contact/reveal`) ? `${userHref(u.id)}/contact/reveal` : null
        }
        csrfToken={viewer.csrfToken}
        timeZone={tz}
        problem={reveal.problem}
      />

      <h2>Wallet</h2>
      {u.balances.length === 0 ? (
        <EmptyState>The wallet holds no money yet.</EmptyState>
      ) : (
        <ul class="cards">
          {u.balances.flatMap((b) =>
            Object.entries(b.buckets).map(([bucket, amountMinor]) => (
              <li class="card">
                <div class="label">
                  {bucket} ({b.currency})
                </div>
                <div class="value">
                  <Money amountMinor={amountMinor} currency={b.currency} />
                </div>
              </li>
            )),
          )}
        </ul>
      )}

      <h2>Points</h2>
      {points.ok ? <PointsPanel summary={points.data} timeZone={tz} /> : null}
      {lots.ok ? <LotsTable items={lots.data.items} timeZone={tz} /> : null}
      <h3>Tier history</h3>
      {tiers.ok ? <TierHistoryTable items={tiers.data.items} timeZone={tz} /> : null}

      <h2>Ledger</h2>
      {ledger.ok ? (
        <>
          <LedgerTable items={ledger.data.items} timeZone={tz} />
          {ledger.data.nextCursor ? (
            <p>
              <a href={`${userHref(u.id)}/ledger`}>All ledger entries</a>
            </p>
          ) : null}
        </>
      ) : (
        <ProblemNotice problem={ledger.problem} />
      )}

      <h2>Ledger chain</h2>
      {chain.ok ? (
        <LedgerChainPanel
          state={chain.data}
          exportHref={`${userHref(u.id)}/ledger/export`}
          timeZone={tz}
        />
      ) : (
        <ProblemNotice problem={chain.problem} />
      )}

      <h2>Transactions</h2>
      {txns.ok ? (
        <>
          <WalletTransactionsTable items={txns.data.items} timeZone={tz} />
          {txns.data.nextCursor ? (
            <p>
              <a href={`${userHref(u.id)}/transactions`}>All transactions</a>
            </p>
          ) : null}
        </>
      ) : (
        <ProblemNotice problem={txns.problem} />
      )}

      <h2>Recent clicks</h2>
      {clicks.ok ? <ClicksTable items={clicks.data.items} timeZone={tz} /> : null}

      <h2>Missing-cashback claims</h2>
      {claims.ok ? <ClaimsTable items={claims.data.items} timeZone={tz} /> : null}

      <h2>Events</h2>
      {events.ok ? <EventsTable items={events.data.items} timeZone={tz} /> : null}

      <h2>Notifications</h2>
      {deliveries.ok ? (
        <NotificationDeliveriesTable items={deliveries.data.items} timeZone={tz} />
      ) : null}

      <h2>Payout destinations</h2>
      {destinations.ok ? <DestinationsTable items={destinations.data.items} timeZone={tz} /> : null}

      <h2>Payouts</h2>
      {payouts.ok ? <PayoutsTable items={payouts.data.items} timeZone={tz} /> : null}
      {payouts.ok && payouts.data.nextCursor ? (
        <p>
          <a href={`/console/payouts?userId=${encodeURIComponent(u.id)}`}>All payouts</a>
        </p>
      ) : null}
    </Page>,
    refusedStatus ?? 200,
  );
}

function ClicksTable({ items, timeZone }: { items: Click[]; timeZone: string }) {
  if (items.length === 0) return <EmptyState>No clicks kept for this user.</EmptyState>;
  return (
    <table>
      <caption class="visually-hidden">Recent clicks</caption>
      <thead>
        <tr>
          <th scope="col">Click</th>
          <th scope="col">Offer</th>
          <th scope="col">When</th>
        </tr>
      </thead>
      <tbody>
        {items.map((k) => (
          <tr>
            <td>
              <code>{k.clickId}</code>
            </td>
            <td>{k.offerId}</td>
            <td>
              <DateTime at={k.clickedAt} timeZone={timeZone} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ClaimsTable({ items, timeZone }: { items: Claim[]; timeZone: string }) {
  if (items.length === 0) return <EmptyState>No claims filed.</EmptyState>;
  return (
    <table>
      <caption class="visually-hidden">Missing-cashback claims</caption>
      <thead>
        <tr>
          <th scope="col">Order</th>
          <th scope="col">Status</th>
          <th scope="col" class="num">
            Amount
          </th>
          <th scope="col">Purchased</th>
          <th scope="col">Transaction</th>
        </tr>
      </thead>
      <tbody>
        {items.map((cl) => (
          <tr>
            <td>{cl.orderId}</td>
            <td>
              <Badge status={cl.status} />
            </td>
            <td class="num">
              <Money amountMinor={cl.amountMinor} currency={cl.currency} />
            </td>
            <td>
              <DateTime at={cl.purchasedAt} timeZone={timeZone} />
            </td>
            <td>
              {cl.transactionId ? (
                <a href={`/console/transactions/${encodeURIComponent(cl.transactionId)}`}>
                  {cl.transactionId}
                </a>
              ) : (
                "—"
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function DestinationsTable({ items, timeZone }: { items: Destination[]; timeZone: string }) {
  if (items.length === 0) return <EmptyState>No payout destinations.</EmptyState>;
  return (
    <table>
      <caption class="visually-hidden">Payout destinations (masked)</caption>
      <thead>
        <tr>
          <th scope="col">Type</th>
          <th scope="col">Label</th>
          <th scope="col">Details (masked)</th>
          <th scope="col">Status</th>
          <th scope="col">Usable from</th>
        </tr>
      </thead>
      <tbody>
        {items.map((d) => (
          <tr>
            <td>{d.type}</td>
            <td>{d.label ?? "—"}</td>
            <td>
              <code>{d.masked}</code>
            </td>
            <td>
              <Badge status={d.status} />
            </td>
            <td>
              <DateTime at={d.usableFrom} timeZone={timeZone} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function PayoutsTable({ items, timeZone }: { items: AdminPayout[]; timeZone: string }) {
  if (items.length === 0) return <EmptyState>No payouts.</EmptyState>;
  return (
    <table>
      <caption class="visually-hidden">Payouts</caption>
      <thead>
        <tr>
          <th scope="col">Payout</th>
          <th scope="col">Status</th>
          <th scope="col" class="num">
            Amount
          </th>
          <th scope="col">Destination</th>
          <th scope="col">Created</th>
        </tr>
      </thead>
      <tbody>
        {items.map((p) => (
          <tr>
            <td>
              <code>{p.id}</code>
            </td>
            <td>
              <Badge status={p.status} />
            </td>
            <td class="num">
              {p.amountMinor !== null && p.currency ? (
                <Money amountMinor={p.amountMinor} currency={p.currency} />
              ) : (
                "—"
              )}
            </td>
            <td>
              {p.destinationType ?? "—"} <code>{p.destinationMasked ?? ""}</code>
            </td>
            <td>
              <DateTime at={p.createdAt} timeZone={timeZone} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A paged list of one user: the full ledger or all their transactions. */
async function userListPage(c: Context<ConsoleContext>, list: "ledger" | "transactions") {
  const id = c.req.param("id") ?? "";
  const viewer = viewerOf(c);
  const cursor = c.req.query("cursor");
  const title = list === "ledger" ? `Ledger of ${id}` : `Transactions of ${id}`;
  const result = await c
    .get("api")
    .get<ApiPage<LedgerEntry & WalletTransaction>>(`${userApi(id)}/${list}`, { cursor, limit: 50 });
  return c.html(
    <Page title={title} current="users" viewer={viewer}>
      <p>
        <a href={userHref(id)}>Back to user {id}</a>
      </p>
      {result.ok ? (
        <>
          {list === "ledger" ? (
            <LedgerTable items={result.data.items} timeZone={viewer.timeZone} />
          ) : (
            <WalletTransactionsTable items={result.data.items} timeZone={viewer.timeZone} />
          )}
          <Pager
            basePath={`${userHref(id)}/${list}`}
            query={{}}
            nextCursor={result.data.nextCursor}
          />
        </>
      ) : (
        <ProblemNotice problem={result.problem} />
      )}
    </Page>,
    result.ok ? 200 : result.status === 404 ? 404 : 400,
  );
}

/**
 * The admin ledger export (`getLedgerExport`) as a download, one page from `afterSeq` (0: the
 * first); the page's `nextAfterSeq` names the next (docs/ledger.md "Verifying a wallet offline").
 */
async function ledgerExport(c: Context<ConsoleContext>) {
  const id = c.req.param("id") ?? "";
  const afterSeq = c.req.query("afterSeq") ?? "0";
  const response = await c.get("api").raw(`${userApi(id)}/ledger/export`, { afterSeq });
  if (!response.ok) {
    const problem = (await response.json()) as ProblemBody;
    return c.html(
      <Page title={`Ledger export of ${id}`} current="users" viewer={viewerOf(c)}>
        <ProblemNotice problem={problem} />
      </Page>,
      refusal(response.status),
    );
  }
  const name = `ledger-${id.replace(/[^A-Za-z0-9_-]/g, "_")}-after-${afterSeq.replace(/\D/g, "")}.json`;
  return new Response(response.body, {
    status: 200,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "content-disposition": `attachment; filename="${name}"`,
      "cache-control": "no-store",
    },
  });
}

const str = (v: unknown) => (typeof v === "string" ? v : "");

/** The API's refusal as the page's status (anything unexpected is shown as a 400). */
const refusal = (status: number) =>
  ([400, 403, 404, 409].includes(status) ? status : 400) as 400 | 403 | 404 | 409;

/** /console/users: find a user, their page (wallet, ledger, transactions …), KYC changes. */
export const usersRoutes = new Hono<ConsoleContext>()
  .get("/", findPage)
  .get("/:id", (c) => userPage(c))
  .get("/:id/ledger", (c) => userListPage(c, "ledger"))
  .get("/:id/transactions", (c) => userListPage(c, "transactions"))
  .get("/:id/ledger/export", (c) => ledgerExport(c))
  .post("/:id/logins", async (c) => {
    const id = c.req.param("id");
    const form = await c.req.parseBody();
    const result = await c
      .get("api")
      .send("POST", `${userApi(id)}/logins`, { deviceId: str(form.deviceId) });
    if (result.ok) {
      return c.redirect(`${userHref(id)}?notice=${encodeURIComponent("Login recorded.")}`, 303);
    }
    return userPage(c, { problem: result.problem }, refusal(result.status));
  })
  .post("/:id/contact/reveal", async (c) => {
    const id = c.req.param("id");
    const form = await c.req.parseBody();
    const result = await c
      .get("api")
      .send<RevealedContact>("POST", `${userApi(id)}/contact/reveal`, { reason: str(form.reason) });
    if (result.ok) return userPage(c, {}, undefined, { revealed: result.data });
    return userPage(c, {}, refusal(result.status), { problem: result.problem });
  })
  .post("/:id/segments", async (c) => {
    const id = c.req.param("id");
    const form = await c.req.parseBody();
    const segments = str(form.segments)
      .split(/[\s,]+/)
      .filter((s) => s.length > 0);
    const result = await c.get("api").send("PUT", `${userApi(id)}/segments`, { segments });
    if (result.ok) {
      return c.redirect(`${userHref(id)}?notice=${encodeURIComponent("Segments saved.")}`, 303);
    }
    return userPage(c, { problem: result.problem }, refusal(result.status));
  })
  .post("/:id/notification-preferences", async (c) => {
    const id = c.req.param("id");
    const form = await c.req.parseBody();
    const result = await c
      .get("api")
      .send("PUT", `${userApi(id)}/notification-preferences`, preferencesChangeOf(form));
    if (result.ok) {
      const notice = encodeURIComponent("Notification preferences saved.");
      return c.redirect(`${userHref(id)}?notice=${notice}`, 303);
    }
    return userPage(c, { problem: result.problem }, refusal(result.status));
  })
  .post("/:id/kyc", async (c) => {
    const id = c.req.param("id");
    const form = await c.req.parseBody();
    const status = str(form.status);
    const result = await c.get("api").send("PUT", `${userApi(id)}/kyc`, { status });
    if (result.ok) {
      return c.redirect(
        `${userHref(id)}?notice=${encodeURIComponent(`KYC set to ${status}.`)}`,
        303,
      );
    }
    return userPage(c, { problem: result.problem }, refusal(result.status));
  });
