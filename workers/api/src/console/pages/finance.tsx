import type { Context } from "hono";
import { Hono } from "hono";
import { MS_PER_DAY, utcDay } from "#shared/time/clock";
import { perDay } from "../../features/overview/index";
import type { ApiResult } from "../admin-api";
import type { ConsoleContext } from "../context";
import { type CsvValue, csvDownload } from "../csv";
import { formatMoney, minorToDecimalString } from "../format/money";
import { DaySeriesChart } from "../views/chart";
import { EmptyState, Money, ProblemNotice } from "../views/components";
import { Page } from "../views/layout";
import { CsvDownload, FilterBar, type FilterField } from "../views/report";
import { viewerOf } from "../views/viewer";

/** The finance summary as GET /admin/v1/finance/summary answers it. */
interface FinanceSummary {
  from: string;
  to: string;
  liabilities: Array<{ currency: string; bucket: string; totalMinor: number; wallets: number }>;
  paidOutPerDay: Array<{
    day: string;
    currency: string | null;
    totalMinor: number;
    payouts: number;
  }>;
  inFlight: Array<{ status: string; currency: string | null; totalMinor: number; payouts: number }>;
}

const API = "/admin/v1/finance/summary";
/** The API allows 366 days; the chart and the CSV never hold more days than that. */
const MAX_DAYS = 366;
const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The range the form asks for, as the API's query: `from` a day (from its UTC midnight), `to`
 * a day included (to the next UTC midnight). Anything else is passed on as typed, so the
 * API's problem names the field.
 */
export function financeQuery(form: { from?: string; to?: string }) {
  const from = form.from?.trim() || undefined;
  const to = form.to?.trim() || undefined;
  const next = (day: string) => utcDay(Date.parse(`${day}T00:00:00Z`) + MS_PER_DAY);
  return {
    from: from && DAY_PATTERN.test(from) ? `${from}T00:00:00Z` : from,
    to: to && DAY_PATTERN.test(to) ? `${next(to)}T00:00:00Z` : to,
  };
}

/** Every UTC day in [from, to), at most MAX_DAYS. */
function daysOf(fromIso: string, toIso: string): string[] {
  const days: string[] = [];
  const fromMs = Math.floor(Date.parse(fromIso) / MS_PER_DAY) * MS_PER_DAY;
  const toMs = Date.parse(toIso);
  for (let t = fromMs; t < toMs && days.length < MAX_DAYS; t += MS_PER_DAY) days.push(utcDay(t));
  return days;
}

const count = (n: number) => n.toLocaleString("en");

function MaybeMoney({ amountMinor, currency }: { amountMinor: number; currency: string | null }) {
  return currency ? <Money amountMinor={amountMinor} currency={currency} /> : <span>—</span>;
}

const FILTER_FIELDS: readonly FilterField[] = [
  { name: "from", label: "Paid from (UTC day)", type: "date" },
  { name: "to", label: "Paid to (UTC day, included)", type: "date" },
];

function Filters({ values }: { values: { from?: string; to?: string } }) {
  return (
    <FilterBar action="/console/finance" idPrefix="f" fields={FILTER_FIELDS} values={values} />
  );
}

function Liabilities({ rows }: { rows: FinanceSummary["liabilities"] }) {
  if (rows.length === 0) return <EmptyState>No wallet holds a balance.</EmptyState>;
  return (
    <table>
      <caption class="visually-hidden">What wallets hold now, per currency and bucket</caption>
      <thead>
        <tr>
          <th scope="col">Currency</th>
          <th scope="col">Bucket</th>
          <th scope="col" class="num">
            Total
          </th>
          <th scope="col" class="num">
            Wallets
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr>
            <td>{r.currency}</td>
            <td>{r.bucket}</td>
            <td class="num">
              <Money amountMinor={r.totalMinor} currency={r.currency} />
            </td>
            <td class="num">{count(r.wallets)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function InFlight({ rows }: { rows: FinanceSummary["inFlight"] }) {
  if (rows.length === 0) return <EmptyState>No payouts in flight.</EmptyState>;
  return (
    <table>
      <caption class="visually-hidden">Payouts not yet paid, failed or cancelled</caption>
      <thead>
        <tr>
          <th scope="col">Status</th>
          <th scope="col">Currency</th>
          <th scope="col" class="num">
            Payouts
          </th>
          <th scope="col" class="num">
            Amount
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr>
            <td>{r.status}</td>
            <td>{r.currency ?? "not yet known"}</td>
            <td class="num">{count(r.payouts)}</td>
            <td class="num">
              <MaybeMoney amountMinor={r.totalMinor} currency={r.currency} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function PaidOut({ summary, exportHref }: { summary: FinanceSummary; exportHref: string }) {
  const rows = summary.paidOutPerDay;
  const days = daysOf(summary.from, summary.to);
  const currencies = [...new Set(rows.map((r) => r.currency).filter((c) => c !== null))].sort();
  return (
    <>
      <CsvDownload href={exportHref} />
      {rows.length === 0 ? (
        <EmptyState>No payouts were paid in this range.</EmptyState>
      ) : (
        <>
          <div class="chart-grid">
            {currencies.map((currency) => (
              <DaySeriesChart
                id={`chart-paid-${currency.toLowerCase()}`}
                title={`Paid out per day (${currency})`}
                valueLabel={`Paid out (${currency})`}
                format={(minor) => formatMoney(minor, currency)}
                points={perDay(
                  days,
                  rows
                    .filter((r) => r.currency === currency)
                    .map((r) => ({ day: r.day, value: r.totalMinor })),
                )}
              />
            ))}
          </div>
          <table>
            <caption class="visually-hidden">Payouts paid per UTC day and currency</caption>
            <thead>
              <tr>
                <th scope="col">Day (UTC)</th>
                <th scope="col">Currency</th>
                <th scope="col" class="num">
                  Payouts
                </th>
                <th scope="col" class="num">
                  Paid out
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr>
                  <td>{r.day}</td>
                  <td>{r.currency ?? "not yet known"}</td>
                  <td class="num">{count(r.payouts)}</td>
                  <td class="num">
                    <MaybeMoney amountMinor={r.totalMinor} currency={r.currency} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}

async function summaryFor(c: Context<ConsoleContext>) {
  const values = { from: c.req.query("from"), to: c.req.query("to") };
  const result: ApiResult<FinanceSummary> = await c
    .get("api")
    .get<FinanceSummary>(API, financeQuery(values));
  return { values, result };
}

function exportHrefOf(values: { from?: string; to?: string }) {
  const params = new URLSearchParams();
  if (values.from) params.set("from", values.from);
  if (values.to) params.set("to", values.to);
  const text = params.toString();
  return `/console/finance/export.csv${text ? `?${text}` : ""}`;
}

async function financePage(c: Context<ConsoleContext>) {
  const viewer = viewerOf(c);
  const { values, result } = await summaryFor(c);
  const status = result.ok ? 200 : result.status === 403 ? 403 : 400;
  return c.html(
    <Page title="Finance" current="finance" viewer={viewer}>
      <Filters values={values} />
      {result.ok ? (
        <>
          <p class="muted">
            Paid out from {result.data.from.slice(0, 10)} to {result.data.to.slice(0, 10)} (UTC, end
            excluded). Liabilities and payouts in flight are as of now.
          </p>
          <section aria-labelledby="liabilities-heading">
            <h2 id="liabilities-heading">Liabilities to users</h2>
            <Liabilities rows={result.data.liabilities} />
          </section>
          <section aria-labelledby="inflight-heading">
            <h2 id="inflight-heading">Payouts in flight</h2>
            <InFlight rows={result.data.inFlight} />
          </section>
          <section aria-labelledby="paid-heading">
            <h2 id="paid-heading">Paid out per day</h2>
            <PaidOut summary={result.data} exportHref={exportHrefOf(values)} />
          </section>
        </>
      ) : (
        <ProblemNotice problem={result.problem} />
      )}
    </Page>,
    status,
  );
}

/**
 * GET /console/finance/export.csv: the paid-per-day rows of the same range as a download.
 * Bounded by the API (at most 366 days × the currencies paid).
 */
async function financeCsv(c: Context<ConsoleContext>) {
  const { result } = await summaryFor(c);
  if (!result.ok) return financePage(c);
  const { from, to, paidOutPerDay } = result.data;
  const rows: CsvValue[][] = [["day", "currency", "payouts", "paid_out_minor", "paid_out"]];
  for (const r of paidOutPerDay) {
    const decimal = r.currency ? minorToDecimalString(r.totalMinor, r.currency) : "";
    rows.push([r.day, r.currency, r.payouts, r.totalMinor, decimal]);
  }
  return csvDownload(`finance-paid-per-day_${from.slice(0, 10)}_${to.slice(0, 10)}.csv`, rows);
}

/** /console/finance: the finance summary with a chart, and its CSV export. */
export const financeRoutes = new Hono<ConsoleContext>()
  .get("/", financePage)
  .get("/export.csv", financeCsv);
