import type { Context } from "hono";
import { Hono } from "hono";
import type { ConsoleContext } from "../../context";
import { formatRateBps } from "../../format/money";
import {
  Badge,
  DateTime,
  Field,
  Money,
  Notice,
  Pager,
  ProblemNotice,
} from "../../views/components";
import { Page } from "../../views/layout";
import { viewerOf } from "../../views/viewer";
import { campaignBody, campaignValues } from "./forms";
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
  submitForm,
} from "./parts";
import type { Campaign, CampaignBudget, Page as ListPage } from "./types";

const API = "/admin/v1/campaigns";
const BASE = `${CATALOG_BASE}/campaigns`;
const FILTERS = ["q", "active", "merchantId", "offerId", "cursor"] as const;

/** "€12.00 of €100.00 (12%)": what the budget object granted against the budget. */
function BudgetUse({ budget }: { budget: CampaignBudget | null }) {
  if (!budget) return <span class="muted">unknown</span>;
  const percent =
    budget.budgetMinor > 0 ? Math.floor((budget.grantedMinor * 100) / budget.budgetMinor) : 0;
  return (
    <span>
      <Money amountMinor={budget.grantedMinor} currency={budget.currency} /> of{" "}
      <Money amountMinor={budget.budgetMinor} currency={budget.currency} /> ({percent}%)
    </span>
  );
}

function Target({ campaign }: { campaign: Campaign }) {
  if (campaign.offerId) {
    return (
      <span>
        offer{" "}
        <a href={`${CATALOG_BASE}/offers/${encodeURIComponent(campaign.offerId)}`}>
          {campaign.offerId}
        </a>
      </span>
    );
  }
  if (campaign.merchantId) {
    return (
      <span>
        merchant{" "}
        <a href={`${CATALOG_BASE}/merchants/${encodeURIComponent(campaign.merchantId)}`}>
          {campaign.merchantId}
        </a>
      </span>
    );
  }
  return <span class="muted">—</span>;
}

async function budgetOf(c: Context<ConsoleContext>, id: string) {
  const budget = await c.get("api").get<CampaignBudget>(`${API}/${encodeURIComponent(id)}/budget`);
  return budget.ok ? budget.data : null;
}

async function listPage(c: Context<ConsoleContext>) {
  const viewer = viewerOf(c);
  const api = c.get("api");
  const query = listQuery(c, FILTERS);
  const list = await api.get<ListPage<Campaign>>(API, { ...query, limit: CATALOG_PAGE_ROWS });
  const budgets = new Map<string, CampaignBudget | null>();
  if (list.ok) {
    await Promise.all(list.data.items.map(async (k) => budgets.set(k.id, await budgetOf(c, k.id))));
  }
  return c.html(
    <Page title="Catalog · Campaigns" current="catalog" viewer={viewer}>
      <CatalogTabs current="campaigns" />
      <Notice text={c.req.query("notice")} />
      <FilterForm action={BASE} q={query.q} qLabel="Name or id" active={query.active}>
        <div class="field">
          <label for="merchantId">Merchant id</label>
          <input id="merchantId" name="merchantId" value={query.merchantId ?? ""} />
        </div>
        <div class="field">
          <label for="offerId">Offer id</label>
          <input id="offerId" name="offerId" value={query.offerId ?? ""} />
        </div>
      </FilterForm>
      {api.can("PUT", `${API}/x`) ? (
        <p>
          <a class="button" href={`${BASE}/new`}>
            New campaign
          </a>
        </p>
      ) : null}
      <ListBody list={list} empty="No campaigns match.">
        {(items) => (
          <table>
            <caption class="visually-hidden">Campaigns</caption>
            <thead>
              <tr>
                <th scope="col">Campaign</th>
                <th scope="col">Boosts</th>
                <th scope="col" class="num">
                  Boost
                </th>
                <th scope="col">Budget used</th>
                <th scope="col">Schedule</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {items.map((k) => (
                <tr>
                  <td>
                    <a href={`${BASE}/${encodeURIComponent(k.id)}`}>{k.name}</a>
                    <div class="muted">
                      <code>{k.id}</code>
                    </div>
                  </td>
                  <td>
                    <Target campaign={k} />
                    {k.category ? <div class="muted">category {k.category}</div> : null}
                    {k.userSegment ? <div class="muted">segment {k.userSegment}</div> : null}
                  </td>
                  <td class="num">+{formatRateBps(k.boostRateBps)}</td>
                  <td>
                    <BudgetUse budget={budgets.get(k.id) ?? null} />
                  </td>
                  <td>
                    {k.startsAt || k.endsAt ? (
                      <span>
                        {k.startsAt ? <DateTime at={k.startsAt} timeZone={viewer.timeZone} /> : "…"}{" "}
                        – {k.endsAt ? <DateTime at={k.endsAt} timeZone={viewer.timeZone} /> : "…"}
                      </span>
                    ) : (
                      <span class="muted">always</span>
                    )}
                  </td>
                  <td>
                    <Badge status={k.active ? "active" : "inactive"} />
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

function CampaignForm(props: {
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
        name="offerId"
        label="Offer id"
        value={v.offerId}
        hint="boost this offer only; or leave empty and name a merchant"
        error={errorAt(p, "offerId")}
      />
      <Field
        name="merchantId"
        label="Merchant id"
        value={v.merchantId}
        hint="boost every offer of this merchant (when no offer is named)"
        error={errorAt(p, "merchantId")}
      />
      <Field
        name="category"
        label="Category"
        value={v.category}
        hint="only order lines of this category; empty: every eligible line"
        error={errorAt(p, "category")}
      />
      <Field
        name="userSegment"
        label="User segment"
        value={v.userSegment}
        hint="only users whose token lists this segment; empty: everyone"
        error={errorAt(p, "userSegment")}
      />
      <Field
        name="boostRatePercent"
        label="Boost rate (%)"
        required
        value={v.boostRatePercent}
        hint="extra rate in percent, such as 2.5; stored as basis points"
        error={errorAt(p, "boostRateBps")}
      />
      <Field
        name="currency"
        label="Currency"
        required
        value={v.currency}
        hint="the budget's currency; only offers in it are boosted; fixed once created"
        error={errorAt(p, "currency")}
      />
      <Field
        name="budget"
        label="Budget"
        required
        value={v.budget}
        hint="the most the campaign pays in boosts, such as 10000.00; never exceeded"
        error={errorAt(p, "budgetMinor")}
      />
      <Field
        name="budgetParts"
        label="Budget parts"
        type="number"
        value={v.budgetParts}
        hint="split the budget over this many objects for campaigns boosting hundreds of conversions a second; 1 = one object; empty: leave as is"
        error={errorAt(p, "budgetParts")}
      />
      <ScheduleFields state={props.state} />
      <Checkbox
        name="active"
        label="Active"
        checked={v.active === "on"}
        hint="off: new clicks get no boost"
        error={errorAt(p, "active")}
      />
      <button type="submit">{props.creating ? "Create campaign" : "Save campaign"}</button>
    </form>
  );
}

function newPage(c: Context<ConsoleContext>, state: FormState = {}, status: PageStatus = 200) {
  return newEntityPage(c, {
    noun: "campaign",
    tab: "campaigns",
    apiPath: API,
    state,
    status,
    defaults: {
      active: "on",
      offerId: c.req.query("offerId") ?? "",
      merchantId: c.req.query("merchantId") ?? "",
    },
    form: (formState, csrfToken) => (
      <CampaignForm action={BASE} creating state={formState} csrfToken={csrfToken} />
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
  const campaign = await api.get<Campaign>(`${API}/${encodeURIComponent(id)}`);
  if (!campaign.ok) {
    return c.html(
      <Page title="Campaign" current="catalog" viewer={viewer}>
        <CatalogTabs current="campaigns" />
        <ProblemNotice problem={campaign.problem} />
      </Page>,
      pageStatus(campaign.status),
    );
  }
  const k = campaign.data;
  const budget = await budgetOf(c, k.id);
  const canWrite = api.can("PUT", `${API}/${id}`);
  const values = state.values ?? campaignValues(k, viewer.timeZone);
  const tz = viewer.timeZone;
  return c.html(
    <Page title={`Campaign: ${k.name}`} current="catalog" viewer={viewer}>
      <CatalogTabs current="campaigns" />
      <Notice text={c.req.query("notice")} />
      <dl class="facts">
        <dt>Id</dt>
        <dd>
          <code>{k.id}</code>
        </dd>
        <dt>Boosts</dt>
        <dd>
          <Target campaign={k} />
          {k.category ? ` (category ${k.category})` : null}
          {k.userSegment ? ` (segment ${k.userSegment})` : null}
        </dd>
        <dt>Boost</dt>
        <dd>+{formatRateBps(k.boostRateBps)}</dd>
        <dt>Rule</dt>
        <dd>
          <code>{k.rule.id}</code> on <code>{k.rule.eventTypes.join(", ")}</code>, group{" "}
          <code>{k.rule.group}</code> (the redirect evaluates it for every click)
        </dd>
        <dt>Budget</dt>
        <dd>
          <a href={`/console/rules/budgets?key=${encodeURIComponent(k.budgetKey)}`}>
            <code>{k.budgetKey}</code>
          </a>
        </dd>
        <dt>Budget used</dt>
        <dd>
          <BudgetUse budget={budget} />
        </dd>
        {budget ? (
          <>
            <dt>Budget parts</dt>
            <dd>
              {budget.budgetParts}
              {budget.partial ? (
                <div class="muted">
                  a part did not answer: its figures are the budget's own view of it
                </div>
              ) : null}
            </dd>
            <dt>Remaining</dt>
            <dd>
              <Money amountMinor={budget.remainingMinor} currency={budget.currency} />
            </dd>
            <dt>Asked for</dt>
            <dd>
              <Money amountMinor={budget.desiredMinor} currency={budget.currency} /> by{" "}
              {budget.reservations} transactions ({budget.partialReservations} granted less)
            </dd>
            <dt>Given back</dt>
            <dd>
              <Money amountMinor={budget.releasedMinor} currency={budget.currency} />
            </dd>
          </>
        ) : null}
        <dt>Schedule</dt>
        <dd>
          {k.startsAt || k.endsAt ? (
            <>
              <DateTime at={k.startsAt} timeZone={tz} /> – <DateTime at={k.endsAt} timeZone={tz} />
            </>
          ) : (
            "always"
          )}
        </dd>
        <dt>State</dt>
        <dd>
          <Badge status={k.active ? "active" : "inactive"} />
        </dd>
        <dt>Updated</dt>
        <dd>
          <DateTime at={k.updatedAt} timeZone={tz} />
        </dd>
      </dl>
      {canWrite ? (
        <section class="panel">
          <h2>Edit campaign</h2>
          <CampaignForm
            action={`${BASE}/${encodeURIComponent(k.id)}`}
            creating={false}
            state={{ ...state, values }}
            csrfToken={viewer.csrfToken}
          />
        </section>
      ) : (
        <>
          <ProblemNotice problem={state.problem} />
          <ReadOnlyNote noun="campaign" />
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
    noun: "campaign",
    build: campaignBody,
    newPage,
    detailPage,
  });

/** /console/catalog/campaigns: list with budget use, new, one campaign, create and edit. */
export const campaignsRoutes = new Hono<ConsoleContext>()
  .get("/", listPage)
  .get("/new", (c) => newPage(c))
  .post("/", (c) => submit(c, true))
  .get("/:id", (c) => detailPage(c))
  .post("/:id", (c) => submit(c, false));
