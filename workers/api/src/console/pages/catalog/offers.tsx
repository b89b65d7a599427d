import type { Context } from "hono";
import { Hono } from "hono";
import { CONFIRMATION_POLICIES } from "#shared/networks/core/confirmation-options";
import type { ConsoleContext } from "../../context";
import { formatRateBps } from "../../format/money";
import { Badge, DateTime, Field, Notice, Pager, ProblemNotice } from "../../views/components";
import { Page } from "../../views/layout";
import { viewerOf } from "../../views/viewer";
import { offerBody, offerValues } from "./forms";
import { OfferPreview } from "./offer-preview";
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
  ScheduleFields,
  Select,
  submitForm,
  TextArea,
} from "./parts";
import type { Page as ListPage, Merchant, Network, Offer } from "./types";

const API = "/admin/v1/offers";
const BASE = `${CATALOG_BASE}/offers`;
const FILTERS = ["q", "active", "merchantId", "cursor"] as const;

/** "5% · electronics 7.5%": the default rate, then each category's. */
function ratesText(offer: Offer): string {
  const parts = [formatRateBps(offer.cashback.defaultRateBps)];
  for (const [category, rateBps] of Object.entries(offer.cashback.categoryRates)) {
    parts.push(`${category} ${formatRateBps(rateBps)}`);
  }
  return parts.join(" · ");
}

function Schedule({ offer, timeZone }: { offer: Offer; timeZone: string }) {
  if (!offer.startsAt && !offer.endsAt) return <span class="muted">always</span>;
  return (
    <span>
      {offer.startsAt ? <DateTime at={offer.startsAt} timeZone={timeZone} /> : "…"} –{" "}
      {offer.endsAt ? <DateTime at={offer.endsAt} timeZone={timeZone} /> : "…"}
    </span>
  );
}

async function listPage(c: Context<ConsoleContext>) {
  const viewer = viewerOf(c);
  const api = c.get("api");
  const query = listQuery(c, FILTERS);
  const list = await api.get<ListPage<Offer>>(API, { ...query, limit: CATALOG_PAGE_ROWS });
  return c.html(
    <Page title="Catalog · Offers" current="catalog" viewer={viewer}>
      <CatalogTabs current="offers" />
      <Notice text={c.req.query("notice")} />
      <FilterForm action={BASE} q={query.q} qLabel="Title or id" active={query.active}>
        <div class="field">
          <label for="merchantId">Merchant id</label>
          <input id="merchantId" name="merchantId" value={query.merchantId ?? ""} />
        </div>
      </FilterForm>
      {api.can("PUT", `${API}/x`) ? (
        <p>
          <a class="button" href={`${BASE}/new`}>
            New offer
          </a>
        </p>
      ) : null}
      <ListBody list={list} empty="No offers match.">
        {(items) => (
          <table>
            <caption class="visually-hidden">Offers</caption>
            <thead>
              <tr>
                <th scope="col">Offer</th>
                <th scope="col">Merchant</th>
                <th scope="col">Rates</th>
                <th scope="col">Exclusions</th>
                <th scope="col" class="num">
                  Return window
                </th>
                <th scope="col">Confirmation</th>
                <th scope="col">Schedule</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {items.map((o) => (
                <tr>
                  <td>
                    <a href={`${BASE}/${encodeURIComponent(o.id)}`}>{o.title}</a>
                    <div class="muted">
                      <code>{o.id}</code> · {o.currency} · {o.origin}
                    </div>
                  </td>
                  <td>
                    <a href={`${CATALOG_BASE}/merchants/${encodeURIComponent(o.merchantId)}`}>
                      {o.merchantId}
                    </a>
                  </td>
                  <td>{ratesText(o)}</td>
                  <td>{(o.cashback.excludedCategories ?? []).join(", ") || "—"}</td>
                  <td class="num">{o.returnWindowDays} days</td>
                  <td>{o.confirmationPolicy ?? <span class="muted">inherited</span>}</td>
                  <td>
                    <Schedule offer={o} timeZone={viewer.timeZone} />
                  </td>
                  <td>
                    <Badge status={o.active ? "active" : "inactive"} />
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

const POLICY_OPTIONS = [
  { value: "", label: "inherit (the network's, else the default)" },
  ...CONFIRMATION_POLICIES.map((p) => ({ value: p, label: p })),
];

function OfferForm(props: {
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
      <Field name="title" label="Title" required value={v.title} error={errorAt(p, "title")} />
      <Field
        name="merchantId"
        label="Merchant id"
        required
        value={v.merchantId}
        error={errorAt(p, "merchantId")}
      />
      <TextArea
        name="description"
        label="Description"
        value={v.description}
        rows={2}
        error={errorAt(p, "description")}
      />
      <Field
        name="networkOfferRef"
        label="Network offer reference"
        value={v.networkOfferRef}
        hint="fills {network_offer_ref} in the network's tracking template"
        error={errorAt(p, "networkOfferRef")}
      />
      <Field
        name="currency"
        label="Currency"
        required
        value={v.currency}
        hint="ISO 4217 code, such as INR"
        error={errorAt(p, "currency")}
      />
      <fieldset>
        <legend>Cashback</legend>
        <Select
          name="basis"
          label="Basis"
          options={[
            { value: "sale", label: "sale: a share of the order amount" },
            { value: "commission", label: "commission: a share of what the network pays" },
          ]}
          value={v.basis}
          error={errorAt(p, "cashback.basis")}
        />
        <Field
          name="defaultRatePercent"
          label="Default rate (%)"
          required
          value={v.defaultRatePercent}
          hint="in percent, such as 7.5; stored as basis points"
          error={errorAt(p, "cashback.defaultRateBps")}
        />
        <TextArea
          name="categoryRates"
          label="Rates by category (JSON, basis points)"
          value={v.categoryRates}
          code
          hint='category → rate in basis points (100 = 1%), such as {"electronics": 750}'
          error={errorAt(p, "cashback.categoryRates")}
        />
        <Field
          name="excludedCategories"
          label="Excluded categories"
          value={v.excludedCategories}
          hint="comma-separated; these earn nothing, whatever their rate"
          error={errorAt(p, "cashback.excludedCategories")}
        />
        <Select
          name="policy"
          label="Rate policy"
          options={[
            { value: "per_line", label: "per_line: each line earns its category's rate" },
            { value: "lowest_rate", label: "lowest_rate: the order's lowest rate for all lines" },
          ]}
          value={v.policy}
          error={errorAt(p, "cashback.policy")}
        />
        <Field
          name="cap"
          label="Cap per order"
          value={v.cap}
          hint="most base cashback one order earns, in the offer's currency (such as 500.00); empty: no cap"
          error={errorAt(p, "cashback.capMinor")}
        />
      </fieldset>
      <Field
        name="returnWindowDays"
        label="Return window (days)"
        required
        value={v.returnWindowDays}
        error={errorAt(p, "returnWindowDays")}
      />
      <Select
        name="confirmationPolicy"
        label="Confirmation policy"
        options={POLICY_OPTIONS}
        value={v.confirmationPolicy}
        error={errorAt(p, "confirmationPolicy")}
      />
      <ScheduleFields state={props.state} />
      <Checkbox
        name="active"
        label="Active"
        checked={v.active === "on"}
        hint="off: shoppers do not see it, and merchant sync does not switch it back on"
        error={errorAt(p, "active")}
      />
      <button type="submit">{props.creating ? "Create offer" : "Save offer"}</button>
    </form>
  );
}

function newPage(c: Context<ConsoleContext>, state: FormState = {}, status: PageStatus = 200) {
  return newEntityPage(c, {
    noun: "offer",
    tab: "offers",
    apiPath: API,
    state,
    status,
    defaults: {
      active: "on",
      basis: "sale",
      policy: "per_line",
      returnWindowDays: "30",
      merchantId: c.req.query("merchantId") ?? "",
    },
    form: (formState, csrfToken) => (
      <OfferForm action={BASE} creating state={formState} csrfToken={csrfToken} />
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
  const offer = await api.get<Offer>(`${API}/${encodeURIComponent(id)}`);
  if (!offer.ok) {
    return c.html(
      <Page title="Offer" current="catalog" viewer={viewer}>
        <CatalogTabs current="offers" />
        <ProblemNotice problem={offer.problem} />
      </Page>,
      pageStatus(offer.status),
    );
  }
  const o = offer.data;
  const merchant = await api.get<Merchant>(
    `/admin/v1/merchants/${encodeURIComponent(o.merchantId)}`,
  );
  const network = merchant.ok
    ? await api.get<Network>(`/admin/v1/networks/${encodeURIComponent(merchant.data.networkId)}`)
    : null;
  const canWrite = api.can("PUT", `${API}/${id}`);
  const values = state.values ?? offerValues(o, viewer.timeZone);
  return c.html(
    <Page title={`Offer: ${o.title}`} current="catalog" viewer={viewer}>
      <CatalogTabs current="offers" />
      <Notice text={c.req.query("notice")} />
      <dl class="facts">
        <dt>Id</dt>
        <dd>
          <code>{o.id}</code>
        </dd>
        <dt>Merchant</dt>
        <dd>
          <a href={`${CATALOG_BASE}/merchants/${encodeURIComponent(o.merchantId)}`}>
            {merchant.ok ? merchant.data.name : o.merchantId}
          </a>
        </dd>
        <dt>Rates</dt>
        <dd>{ratesText(o)}</dd>
        <dt>Return window</dt>
        <dd>{o.returnWindowDays} days</dd>
        <dt>Confirmation</dt>
        <dd>{o.confirmationPolicy ?? "inherited"}</dd>
        <dt>Schedule</dt>
        <dd>
          <Schedule offer={o} timeZone={viewer.timeZone} />
        </dd>
        <dt>State</dt>
        <dd>
          <Badge status={o.active ? "active" : "inactive"} />
          {o.deactivatedBy ? ` (switched off by ${o.deactivatedBy})` : null}
        </dd>
        <dt>Made by</dt>
        <dd>{o.origin}</dd>
        <dt>Updated</dt>
        <dd>
          <DateTime at={o.updatedAt} timeZone={viewer.timeZone} />
        </dd>
      </dl>
      <OfferPreview
        offer={o}
        merchant={merchant.ok ? merchant.data : null}
        network={network?.ok ? network.data : null}
        timeZone={viewer.timeZone}
      />
      <p>
        <a href={`${CATALOG_BASE}/campaigns?offerId=${encodeURIComponent(o.id)}`}>
          Campaigns boosting this offer
        </a>
      </p>
      {canWrite ? (
        <section class="panel">
          <h2>Edit offer</h2>
          <OfferForm
            action={`${BASE}/${encodeURIComponent(o.id)}`}
            creating={false}
            state={{ ...state, values }}
            csrfToken={viewer.csrfToken}
          />
        </section>
      ) : (
        <>
          <ProblemNotice problem={state.problem} />
          <ReadOnlyNote noun="offer" />
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
    noun: "offer",
    build: offerBody,
    newPage,
    detailPage,
  });

/** /console/catalog/offers: list, new, one offer with its preview, create and edit. */
export const offersRoutes = new Hono<ConsoleContext>()
  .get("/", listPage)
  .get("/new", (c) => newPage(c))
  .post("/", (c) => submit(c, true))
  .get("/:id", (c) => detailPage(c))
  .post("/:id", (c) => submit(c, false));
