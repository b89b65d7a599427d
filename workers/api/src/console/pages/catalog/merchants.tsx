import type { Context } from "hono";
import { Hono } from "hono";
import type { ConsoleContext } from "../../context";
import { Badge, DateTime, Field, Notice, Pager, ProblemNotice } from "../../views/components";
import { Page } from "../../views/layout";
import { viewerOf } from "../../views/viewer";
import { merchantBody, merchantValues } from "./forms";
import {
  CATALOG_BASE,
  CATALOG_PAGE_ROWS,
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
  submitForm,
} from "./parts";
import type { Page as ListPage, Merchant, Offer } from "./types";

const API = "/admin/v1/merchants";
const BASE = `${CATALOG_BASE}/merchants`;
const FILTERS = ["q", "active", "networkId", "cursor"] as const;

function MerchantState({ merchant }: { merchant: Merchant }) {
  return (
    <>
      <Badge status={merchant.active ? "active" : "inactive"} />
      {merchant.deactivatedBy ? <span class="muted"> by {merchant.deactivatedBy}</span> : null}
    </>
  );
}

async function listPage(c: Context<ConsoleContext>) {
  const viewer = viewerOf(c);
  const api = c.get("api");
  const query = listQuery(c, FILTERS);
  const list = await api.get<ListPage<Merchant>>(API, { ...query, limit: CATALOG_PAGE_ROWS });
  return c.html(
    <Page title="Catalog · Merchants" current="catalog" viewer={viewer}>
      <CatalogTabs current="merchants" />
      <Notice text={c.req.query("notice")} />
      <FilterForm action={BASE} q={query.q} qLabel="Name or id" active={query.active}>
        <div class="field">
          <label for="networkId">Network id</label>
          <input id="networkId" name="networkId" value={query.networkId ?? ""} />
        </div>
      </FilterForm>
      {api.can("PUT", `${API}/x`) ? (
        <p>
          <a class="button" href={`${BASE}/new`}>
            New merchant
          </a>
        </p>
      ) : null}
      <ListBody list={list} empty="No merchants match.">
        {(items) => (
          <table>
            <caption class="visually-hidden">Merchants</caption>
            <thead>
              <tr>
                <th scope="col">Merchant</th>
                <th scope="col">Network</th>
                <th scope="col">Landing URL</th>
                <th scope="col">State</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {items.map((m) => (
                <tr>
                  <td>
                    <a href={`${BASE}/${encodeURIComponent(m.id)}`}>{m.name}</a>
                    <div class="muted">
                      <code>{m.id}</code>
                    </div>
                  </td>
                  <td>
                    <a href={`${CATALOG_BASE}/networks/${encodeURIComponent(m.networkId)}`}>
                      {m.networkId}
                    </a>
                  </td>
                  <td class="url">{m.landingUrl}</td>
                  <td>
                    <MerchantState merchant={m} />
                  </td>
                  <td>
                    <DateTime at={m.updatedAt} timeZone={viewer.timeZone} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </ListBody>
      <Pager basePath={BASE} query={query} nextCursor={list.ok ? list.data.nextCursor : null} />
    </Page>,
  );
}

function MerchantForm(props: {
  action: string;
  creating: boolean;
  state: FormState;
  csrfToken: string;
}) {
  const v = props.state.values ?? {};
  const p = props.state.problem;
  return (
    <form method="post" action={props.action} class="entity-form">
      <EntityFormHead creating={props.creating} state={props.state} csrfToken={props.csrfToken} />
      <Field name="name" label="Name" required value={v.name} error={errorAt(p, "name")} />
      <Field
        name="networkId"
        label="Network id"
        required
        value={v.networkId}
        error={errorAt(p, "networkId")}
      />
      <Field
        name="landingUrl"
        label="Landing URL"
        type="url"
        required
        value={v.landingUrl}
        hint="where the network sends the shopper; fills {landing_url}"
        error={errorAt(p, "landingUrl")}
      />
      <Checkbox
        name="active"
        label="Active"
        checked={v.active === "on"}
        hint="off: its offers are hidden, and merchant sync does not switch it back on"
        error={errorAt(p, "active")}
      />
      <button type="submit">{props.creating ? "Create merchant" : "Save merchant"}</button>
    </form>
  );
}

function newPage(c: Context<ConsoleContext>, state: FormState = {}, status: PageStatus = 200) {
  return newEntityPage(c, {
    noun: "merchant",
    tab: "merchants",
    apiPath: API,
    state,
    status,
    defaults: { active: "on", networkId: c.req.query("networkId") ?? "" },
    form: (formState, csrfToken) => (
      <MerchantForm action={BASE} creating state={formState} csrfToken={csrfToken} />
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
  const merchant = await api.get<Merchant>(`${API}/${encodeURIComponent(id)}`);
  if (!merchant.ok) {
    return c.html(
      <Page title="Merchant" current="catalog" viewer={viewer}>
        <CatalogTabs current="merchants" />
        <ProblemNotice problem={merchant.problem} />
      </Page>,
      pageStatus(merchant.status),
    );
  }
  const m = merchant.data;
  const offers = await api.get<ListPage<Offer>>("/admin/v1/offers", {
    merchantId: m.id,
    limit: CATALOG_PAGE_ROWS,
  });
  const canWrite = api.can("PUT", `${API}/${id}`);
  const values = state.values ?? merchantValues(m);
  return c.html(
    <Page title={`Merchant: ${m.name}`} current="catalog" viewer={viewer}>
      <CatalogTabs current="merchants" />
      <Notice text={c.req.query("notice")} />
      <dl class="facts">
        <dt>Id</dt>
        <dd>
          <code>{m.id}</code>
        </dd>
        <dt>Network</dt>
        <dd>
          <a href={`${CATALOG_BASE}/networks/${encodeURIComponent(m.networkId)}`}>{m.networkId}</a>
        </dd>
        <dt>Landing URL</dt>
        <dd class="url">{m.landingUrl}</dd>
        <dt>State</dt>
        <dd>
          <MerchantState merchant={m} />
        </dd>
        <dt>Updated</dt>
        <dd>
          <DateTime at={m.updatedAt} timeZone={viewer.timeZone} />
        </dd>
      </dl>
      <h2>Offers</h2>
      <ListBody list={offers} empty="This merchant has no offers yet.">
        {(items) => (
          <ul>
            {items.map((o) => (
              <li>
                <a href={`${CATALOG_BASE}/offers/${encodeURIComponent(o.id)}`}>{o.title}</a>{" "}
                <Badge status={o.active ? "active" : "inactive"} />
              </li>
            ))}
          </ul>
        )}
      </ListBody>
      {offers.ok && offers.data.nextCursor ? (
        <p>
          <a href={`${CATALOG_BASE}/offers?merchantId=${encodeURIComponent(m.id)}`}>
            All offers of this merchant
          </a>
        </p>
      ) : null}
      {canWrite ? (
        <p>
          <a
            class="button secondary"
            href={`${CATALOG_BASE}/offers/new?merchantId=${encodeURIComponent(m.id)}`}
          >
            New offer for this merchant
          </a>
        </p>
      ) : null}
      {canWrite ? (
        <section class="panel">
          <h2>Edit merchant</h2>
          <MerchantForm
            action={`${BASE}/${encodeURIComponent(m.id)}`}
            creating={false}
            state={{ ...state, values }}
            csrfToken={viewer.csrfToken}
          />
        </section>
      ) : (
        <>
          <ProblemNotice problem={state.problem} />
          <ReadOnlyNote noun="merchant" />
        </>
      )}
    </Page>,
    status,
  );
}

const submit = (c: Context<ConsoleContext>, creating: boolean) =>
  submitForm(c, {
    creating,
    apiPath: API,
    basePath: BASE,
    noun: "merchant",
    build: merchantBody,
    newPage,
    detailPage,
  });

/** /console/catalog/merchants: list, new, one merchant with its offers, create and edit. */
export const merchantsRoutes = new Hono<ConsoleContext>()
  .get("/", listPage)
  .get("/new", (c) => newPage(c))
  .post("/", (c) => submit(c, true))
  .get("/:id", (c) => detailPage(c))
  .post("/:id", (c) => submit(c, false));
