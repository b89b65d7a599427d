import type { Context } from "hono";
import { Hono } from "hono";
import { MS_PER_DAY, utcDay } from "#shared/time/clock";
import { perDay } from "../../features/overview/index";
import type { ApiResult } from "../admin-api";
import type { ConsoleContext } from "../context";
import { csvDownload, csvMoney } from "../csv";
import { DaySeriesChart, PeriodBars, scaleBars } from "../views/chart";
import { EmptyState, Money, ProblemNotice } from "../views/components";
import { Page } from "../views/layout";
import { CsvDownload, FilterBar, type FilterField, ReportTable } from "../views/report";
import { viewerOf } from "../views/viewer";
import { CampaignFunnelTable, type CampaignRow } from "./analytics-campaigns";

/**
 * /console/analytics (docs/analytics.md): the funnel with the previous period beside it,
 * margin per network and offer, time-to-conversion and time-to-confirmation, cohorts by signup
 * week; server-rendered SVG, filters as a GET form, a CSV download per table.
 */

type Counts = { clicks: number; conversions: number; confirmed: number; paid: number };
interface Funnel {
  from: string;
  to: string;
  previous: { from: string; to: string };
  totals: Counts;
  previousTotals: Counts;
  perDay: Array<Counts & { day: string }>;
  byOffer: Array<Counts & { offerId: string; merchantId: string; networkId: string }>;
  byCampaign?: CampaignRow[];
}
type MoneyRow = {
  currency: string;
  confirmed: number;
  commissionMinor: number;
  cashbackMinor: number;
  marginMinor: number;
  paidCashbackMinor: number;
};
interface Margin {
  byNetwork: Array<MoneyRow & { networkId: string }>;
  previousByNetwork: Array<MoneyRow & { networkId: string }>;
  byOffer: Array<MoneyRow & { networkId: string; merchantId: string; offerId: string }>;
}
type Bucket = { bucket: number; label: string; count: number; previousCount: number };
interface Distributions {
  timeToConversion: Bucket[];
  timeToConfirmation: Bucket[];
}
interface Cohorts {
  weeks: Array<{
    week: string;
    users: number;
    convertingUsers: number;
    cashback: Array<{ currency: string; convertingUsers: number; cashbackMinor: number }>;
  }>;
}

const FILTERS = [
  "from",
  "to",
  "offerId",
  "merchantId",
  "networkId",
  "currency",
  "campaignId",
] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

function filtersOf(c: Context<ConsoleContext>): Filters {
  const out: Filters = {};
  for (const key of FILTERS) {
    const value = c.req.query(key)?.trim();
    if (value) out[key] = value;
  }
  return out;
}

/** The distributions are not split by campaign (docs/analytics.md). */
function withoutCampaign({ campaignId: _, ...rest }: Filters): Filters {
  return rest;
}

function queryString(filters: Filters): string {
  const params = new URLSearchParams(filters as Record<string, string>).toString();
  return params ? `?${params}` : "";
}

const count = (n: number) => n.toLocaleString("en");

/**
 * Pure: the change from the previous period as text: "+25.0%", "−10.0%", "new" (from nothing),
 * "—" (nothing both times).
 *
 * @example
 * changeText(5, 4); // "+25.0%"
 */
export function changeText(current: number, previous: number): string {
  if (previous === 0) return current === 0 ? "—" : "new";
  const pct = ((current - previous) / previous) * 100;
  return `${pct >= 0 ? "+" : "−"}${Math.abs(pct).toFixed(1)}%`;
}

/** Pure: `part` of `whole` as a percentage with one decimal, "—" when whole is 0. */
export function rate(part: number, whole: number): string {
  return whole === 0 ? "—" : `${((part / whole) * 100).toFixed(1)}%`;
}

const FILTER_FIELDS: readonly FilterField[] = [
  { name: "from", label: "From (UTC day)", type: "date" },
  { name: "to", label: "To (UTC day, included)", type: "date" },
  { name: "networkId", label: "Network" },
  { name: "merchantId", label: "Merchant" },
  { name: "offerId", label: "Offer" },
  { name: "currency", label: "Currency" },
  { name: "campaignId", label: "Campaign" },
];

function FilterForm({ values }: { values: Filters }) {
  return (
    <FilterBar action="/console/analytics" idPrefix="a" fields={FILTER_FIELDS} values={values} />
  );
}

function CsvLink({ table, filters }: { table: string; filters: Filters }) {
  return <CsvDownload href={`/console/analytics/${table}.csv${queryString(filters)}`} />;
}

const STEPS: ReadonlyArray<{ key: keyof Counts; label: string }> = [
  { key: "clicks", label: "Clicks" },
  { key: "conversions", label: "Conversions" },
  { key: "confirmed", label: "Confirmed" },
  { key: "paid", label: "Paid" },
];

/** The funnel as horizontal bars (SVG), each step beside the previous period's. */
function FunnelBars({ funnel }: { funnel: Funnel }) {
  return (
    <PeriodBars
      id="funnel"
      title={`Funnel ${funnel.from} to ${funnel.to} against ${funnel.previous.from} to ${funnel.previous.to}`}
      steps={STEPS.map((s) => ({
        label: s.label,
        current: funnel.totals[s.key],
        previous: funnel.previousTotals[s.key],
      }))}
      labelWidthPx={110}
      barMaxPx={420}
    />
  );
}

function FunnelSection({ funnel, filters }: { funnel: Funnel; filters: Filters }) {
  const days: string[] = [];
  for (
    let t = Date.parse(`${funnel.from}T00:00:00Z`);
    t <= Date.parse(`${funnel.to}T00:00:00Z`);
    t += MS_PER_DAY
  ) {
    days.push(utcDay(t));
  }
  return (
    <section aria-labelledby="funnel-heading">
      <h2 id="funnel-heading">Funnel: click → conversion → confirmed → paid</h2>
      <FunnelBars funnel={funnel} />
      <table data-table="funnel-totals">
        <caption class="visually-hidden">Funnel totals against the previous period</caption>
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col" class="num">
              {`${funnel.from} – ${funnel.to}`}
            </th>
            <th scope="col" class="num">
              {`Previous (${funnel.previous.from} – ${funnel.previous.to})`}
            </th>
            <th scope="col" class="num">
              Change
            </th>
            <th scope="col" class="num">
              Of the step before
            </th>
          </tr>
        </thead>
        <tbody>
          {STEPS.map((s, i) => {
            const before = i === 0 ? null : STEPS[i - 1];
            return (
              <tr>
                <th scope="row">{s.label}</th>
                <td class="num" data-figure={`funnel-${s.key}`}>
                  {count(funnel.totals[s.key])}
                </td>
                <td class="num" data-figure={`previous-${s.key}`}>
                  {count(funnel.previousTotals[s.key])}
                </td>
                <td class="num">
                  {changeText(funnel.totals[s.key], funnel.previousTotals[s.key])}
                </td>
                <td class="num">
                  {before ? rate(funnel.totals[s.key], funnel.totals[before.key]) : ""}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div class="chart-grid">
        <DaySeriesChart
          id="chart-clicks"
          title="Clicks per day"
          valueLabel="Clicks"
          points={perDay(
            days,
            funnel.perDay.map((d) => ({ day: d.day, value: d.clicks })),
          )}
        />
        <DaySeriesChart
          id="chart-conversions"
          title="Conversions per day"
          valueLabel="Conversions"
          kind="line"
          points={perDay(
            days,
            funnel.perDay.map((d) => ({ day: d.day, value: d.conversions })),
          )}
        />
      </div>
      <CampaignFunnelTable
        rows={funnel.byCampaign ?? []}
        hrefFor={(campaignId) => `/console/analytics${queryString({ ...filters, campaignId })}`}
      />
      <h3>Per offer</h3>
      <CsvLink table="funnel" filters={filters} />
      {funnel.byOffer.length === 0 ? (
        <EmptyState>No clicks or conversions in this range.</EmptyState>
      ) : (
        <ReportTable
          name="funnel-by-offer"
          columns={[
            { label: "Network" },
            { label: "Merchant" },
            { label: "Offer" },
            ...STEPS.map((s) => ({ label: s.label, num: true })),
          ]}
        >
          {funnel.byOffer.map((r) => (
            <tr>
              <td>{r.networkId}</td>
              <td>{r.merchantId}</td>
              <td>{r.offerId || "unknown"}</td>
              {STEPS.map((s) => (
                <td class="num">{count(r[s.key])}</td>
              ))}
            </tr>
          ))}
        </ReportTable>
      )}
    </section>
  );
}

function MarginSection({ margin, filters }: { margin: Margin; filters: Filters }) {
  const previousOf = (networkId: string, currency: string) =>
    margin.previousByNetwork.find((p) => p.networkId === networkId && p.currency === currency);
  return (
    <section aria-labelledby="margin-heading">
      <h2 id="margin-heading">Margin: network commission vs cashback</h2>
      <CsvLink table="margin" filters={filters} />
      {margin.byNetwork.length === 0 ? (
        <EmptyState>No conversions in this range.</EmptyState>
      ) : (
        <ReportTable
          name="margin-by-network"
          caption="Margin per network and currency"
          columns={[
            { label: "Network" },
            { label: "Currency" },
            { label: "Confirmed", num: true },
            { label: "Commission", num: true },
            { label: "Cashback", num: true },
            { label: "Margin", num: true },
            { label: "Previous margin", num: true },
            { label: "Cashback paid", num: true },
          ]}
        >
          {margin.byNetwork.map((r) => {
            const prev = previousOf(r.networkId, r.currency);
            return (
              <tr>
                <td>{r.networkId}</td>
                <td>{r.currency}</td>
                <td class="num">{count(r.confirmed)}</td>
                <td class="num">
                  <Money amountMinor={r.commissionMinor} currency={r.currency} />
                </td>
                <td class="num">
                  <Money amountMinor={r.cashbackMinor} currency={r.currency} />
                </td>
                <td class="num">
                  <Money amountMinor={r.marginMinor} currency={r.currency} />
                </td>
                <td class="num">
                  {prev ? <Money amountMinor={prev.marginMinor} currency={r.currency} /> : "—"}
                </td>
                <td class="num">
                  <Money amountMinor={r.paidCashbackMinor} currency={r.currency} />
                </td>
              </tr>
            );
          })}
        </ReportTable>
      )}
    </section>
  );
}

function BucketBars({ id, title, buckets }: { id: string; title: string; buckets: Bucket[] }) {
  const { heightsPx } = scaleBars(
    buckets.map((b) => b.count),
    420,
  );
  const rowH = 22;
  return (
    <figure class="chart-figure">
      <svg
        class="chart"
        viewBox={`0 0 640 ${buckets.length * rowH + 8}`}
        role="img"
        aria-labelledby={`${id}-title`}
      >
        <title id={`${id}-title`}>{title}</title>
        {buckets.map((b, i) => (
          <g>
            <text x={0} y={4 + i * rowH + 13}>
              {b.label}
            </text>
            <rect class="bar" x={110} y={4 + i * rowH} width={heightsPx[i] ?? 0} height={16}>
              <title>{`${b.label}: ${count(b.count)}`}</title>
            </rect>
            <text x={110 + (heightsPx[i] ?? 0) + 6} y={4 + i * rowH + 13}>
              {`${count(b.count)} (previous ${count(b.previousCount)})`}
            </text>
          </g>
        ))}
      </svg>
    </figure>
  );
}

function DistributionsSection({ d, filters }: { d: Distributions; filters: Filters }) {
  return (
    <section aria-labelledby="dist-heading">
      <h2 id="dist-heading">Time to conversion and to confirmation</h2>
      {filters.campaignId ? (
        <p class="muted">Not split by campaign: these count every conversion of the filters.</p>
      ) : null}
      <CsvLink table="distributions" filters={filters} />
      <div class="chart-grid">
        <BucketBars id="chart-ttc" title="Click → conversion" buckets={d.timeToConversion} />
        <BucketBars
          id="chart-ttconf"
          title="Conversion → confirmation"
          buckets={d.timeToConfirmation}
        />
      </div>
    </section>
  );
}

function CohortsSection({ cohorts }: { cohorts: Cohorts }) {
  return (
    <section aria-labelledby="cohorts-heading">
      <h2 id="cohorts-heading">Cohorts by signup week</h2>
      <CsvLink table="cohorts" filters={{}} />
      {cohorts.weeks.length === 0 ? (
        <EmptyState>No users signed up in the last 12 weeks.</EmptyState>
      ) : (
        <ReportTable
          name="cohorts"
          columns={[
            { label: "Week (Monday)" },
            { label: "Users", num: true },
            { label: "Converting", num: true },
            { label: "Rate", num: true },
            { label: "Cashback confirmed" },
          ]}
        >
          {cohorts.weeks.map((w) => (
            <tr>
              <td>{w.week}</td>
              <td class="num">{count(w.users)}</td>
              <td class="num">{count(w.convertingUsers)}</td>
              <td class="num">{rate(w.convertingUsers, w.users)}</td>
              <td>
                {w.cashback.length === 0
                  ? "—"
                  : w.cashback.map((cb) => (
                      <span>
                        <Money amountMinor={cb.cashbackMinor} currency={cb.currency} />{" "}
                      </span>
                    ))}
              </td>
            </tr>
          ))}
        </ReportTable>
      )}
    </section>
  );
}

async function analyticsPage(c: Context<ConsoleContext>) {
  const viewer = viewerOf(c);
  const filters = filtersOf(c);
  const api = c.get("api");
  const [funnel, margin, dist, cohorts] = await Promise.all([
    api.get<Funnel>("/admin/v1/analytics/funnel", filters),
    api.get<Margin>("/admin/v1/analytics/margin", filters),
    api.get<Distributions>("/admin/v1/analytics/distributions", withoutCampaign(filters)),
    api.get<Cohorts>("/admin/v1/analytics/cohorts"),
  ]);
  const failed = [funnel, margin, dist, cohorts].find((r) => !r.ok) as
    | Extract<ApiResult<unknown>, { ok: false }>
    | undefined;
  const status = failed ? (failed.status === 403 ? 403 : 400) : 200;
  return c.html(
    <Page title="Analytics" current="analytics" viewer={viewer}>
      <FilterForm values={filters} />
      <p class="muted">
        Clicks count on the day of the click; conversions on the day of the conversion, with their
        confirmations and payments as of now. Read from the analytics rollups (docs/analytics.md).{" "}
        <a href="/console/referrals/funnel">Referral funnel</a> ·{" "}
        <a href="/console/analytics/points">Points</a> ·{" "}
        <a href="/console/analytics/risk-holds">Fraud holds</a> ·{" "}
        <a href="/console/analytics/referrals">Referrals per program</a>
      </p>
      {failed ? (
        <ProblemNotice problem={failed.problem} />
      ) : (
        <>
          {funnel.ok ? <FunnelSection funnel={funnel.data} filters={filters} /> : null}
          {margin.ok ? <MarginSection margin={margin.data} filters={filters} /> : null}
          {dist.ok ? <DistributionsSection d={dist.data} filters={filters} /> : null}
          {cohorts.ok ? <CohortsSection cohorts={cohorts.data} /> : null}
        </>
      )}
    </Page>,
    status,
  );
}

async function funnelCsv(c: Context<ConsoleContext>) {
  const r = await c.get("api").get<Funnel>("/admin/v1/analytics/funnel", filtersOf(c));
  if (!r.ok) return analyticsPage(c);
  const header = [
    "network_id",
    "merchant_id",
    "offer_id",
    "clicks",
    "conversions",
    "confirmed",
    "paid",
  ];
  return csvDownload(`analytics-funnel_${r.data.from}_${r.data.to}.csv`, [
    header,
    ...r.data.byOffer.map((o) => [
      o.networkId,
      o.merchantId,
      o.offerId,
      o.clicks,
      o.conversions,
      o.confirmed,
      o.paid,
    ]),
  ]);
}

async function marginCsv(c: Context<ConsoleContext>) {
  const r = await c
    .get("api")
    .get<Margin & { from: string; to: string }>("/admin/v1/analytics/margin", filtersOf(c));
  if (!r.ok) return analyticsPage(c);
  return csvDownload(`analytics-margin_${r.data.from}_${r.data.to}.csv`, [
    [
      "network_id",
      "merchant_id",
      "offer_id",
      "currency",
      "confirmed",
      "commission",
      "cashback",
      "margin",
      "cashback_paid",
    ],
    ...r.data.byOffer.map((o) => [
      o.networkId,
      o.merchantId,
      o.offerId,
      o.currency,
      o.confirmed,
      csvMoney(o.commissionMinor, o.currency),
      csvMoney(o.cashbackMinor, o.currency),
      csvMoney(o.marginMinor, o.currency),
      csvMoney(o.paidCashbackMinor, o.currency),
    ]),
  ]);
}

async function distributionsCsv(c: Context<ConsoleContext>) {
  const r = await c
    .get("api")
    .get<Distributions & { from: string; to: string }>(
      "/admin/v1/analytics/distributions",
      withoutCampaign(filtersOf(c)),
    );
  if (!r.ok) return analyticsPage(c);
  const rows = (measure: string, buckets: Bucket[]) =>
    buckets.map((b) => [measure, b.bucket, b.label, b.count, b.previousCount]);
  return csvDownload(`analytics-distributions_${r.data.from}_${r.data.to}.csv`, [
    ["measure", "bucket", "label", "count", "previous_count"],
    ...rows("click_to_conversion", r.data.timeToConversion),
    ...rows("conversion_to_confirmation", r.data.timeToConfirmation),
  ]);
}

async function cohortsCsv(c: Context<ConsoleContext>) {
  const r = await c
    .get("api")
    .get<Cohorts & { from: string; to: string }>("/admin/v1/analytics/cohorts");
  if (!r.ok) return analyticsPage(c);
  return csvDownload(`analytics-cohorts_${r.data.from}_${r.data.to}.csv`, [
    ["week", "users", "converting_users", "currency", "cashback_confirmed"],
    ...r.data.weeks.flatMap((w) =>
      w.cashback.length === 0
        ? [[w.week, w.users, w.convertingUsers, "", ""]]
        : w.cashback.map((cb) => [
            w.week,
            w.users,
            w.convertingUsers,
            cb.currency,
            csvMoney(cb.cashbackMinor, cb.currency),
          ]),
    ),
  ]);
}

/** /console/analytics and its CSV downloads. */
export const analyticsRoutes = new Hono<ConsoleContext>()
  .get("/", analyticsPage)
  .get("/funnel.csv", funnelCsv)
  .get("/margin.csv", marginCsv)
  .get("/distributions.csv", distributionsCsv)
  .get("/cohorts.csv", cohortsCsv);
