import type { Context } from "hono";
import type { Overview } from "../../features/overview/index";
import type { ConsoleContext } from "../context";
import { formatMoney } from "../format/money";
import { DaySeriesChart } from "../views/chart";
import { EmptyState, Money, ProblemNotice } from "../views/components";
import { Page } from "../views/layout";
import { viewerOf } from "../views/viewer";

type Period = Overview["today"];

const count = (n: number) => n.toLocaleString("en");

/** The queues an operator works through, each a link to its page, with its count. */
const ATTENTION: ReadonlyArray<{ key: keyof Overview["attention"]; label: string; href: string }> =
  [
    { key: "claimsToReview", label: "Claims to review", href: "/console/review?queue=claims" },
    { key: "heldPayouts", label: "Held payouts", href: "/console/review?queue=held" },
    {
      key: "attentionPayouts",
      label: "Payouts needing attention",
      href: "/console/review?queue=attention",
    },
    {
      key: "reconciliationDifferences",
      label: "Reconciliation differences (30 days)",
      href: "/console/reconciliation",
    },
    {
      key: "openCircuitBreakers",
      label: "Open circuit breakers",
      href: "/console/catalog/networks",
    },
  ];

function Attention({ attention }: { attention: Overview["attention"] }) {
  return (
    <section aria-labelledby="attention-heading">
      <h2 id="attention-heading">Needs attention</h2>
      <ul class="attention">
        {ATTENTION.map((item) => {
          const n = attention[item.key];
          return (
            <li class={n > 0 ? "attention-item waiting" : "attention-item"}>
              <a href={item.href} data-queue={item.key}>
                <span class="attention-count">{count(n)}</span>{" "}
                <span class="attention-label">{item.label}</span>
              </a>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

function PeriodFigures({ id, title, period }: { id: string; title: string; period: Period }) {
  return (
    <section aria-labelledby={`${id}-heading`} class="period">
      <h2 id={`${id}-heading`}>{title}</h2>
      <ul class="cards">
        <li class="card">
          <div class="label">Clicks</div>
          <div class="value" data-figure={`${id}-clicks`}>
            {count(period.clicks)}
          </div>
        </li>
        <li class="card">
          <div class="label">Conversions</div>
          <div class="value" data-figure={`${id}-conversions`}>
            {count(period.conversions)}
          </div>
        </li>
      </ul>
      {period.cashback.length === 0 ? (
        <p class="muted">No cashback earned or paid out in this period.</p>
      ) : (
        <table>
          <caption class="visually-hidden">{`Cashback, ${title.toLowerCase()}`}</caption>
          <thead>
            <tr>
              <th scope="col">Currency</th>
              <th scope="col" class="num">
                Cashback pending
              </th>
              <th scope="col" class="num">
                Cashback confirmed
              </th>
              <th scope="col" class="num">
                Paid out
              </th>
            </tr>
          </thead>
          <tbody>
            {period.cashback.map((c) => (
              <tr>
                <td>{c.currency}</td>
                <td class="num">
                  <Money amountMinor={c.pendingMinor} currency={c.currency} />
                </td>
                <td class="num">
                  <Money amountMinor={c.confirmedMinor} currency={c.currency} />
                </td>
                <td class="num">
                  <Money amountMinor={c.paidMinor} currency={c.currency} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function InFlight({ rows }: { rows: Overview["payoutsInFlight"] }) {
  return (
    <section aria-labelledby="inflight-heading">
      <h2 id="inflight-heading">Payouts in flight</h2>
      {rows.length === 0 ? (
        <p class="muted">No payouts waiting to be paid.</p>
      ) : (
        <table>
          <caption class="visually-hidden">Payouts not yet paid, failed or cancelled</caption>
          <thead>
            <tr>
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
                <td>{r.currency ?? "not yet known"}</td>
                <td class="num">{count(r.payouts)}</td>
                <td class="num">
                  {r.currency ? <Money amountMinor={r.totalMinor} currency={r.currency} /> : "—"}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p>
        <a href="/console/payouts">All payouts</a>
      </p>
    </section>
  );
}

function Charts({ overview }: { overview: Overview }) {
  return (
    <section aria-labelledby="charts-heading">
      <h2 id="charts-heading">Last {overview.windowDays} days, per day</h2>
      <div class="chart-grid">
        <DaySeriesChart
          id="chart-clicks"
          title="Clicks per day"
          valueLabel="Clicks"
          points={overview.daily.map((d) => ({ day: d.day, value: d.clicks }))}
        />
        <DaySeriesChart
          id="chart-conversions"
          title="Conversions per day"
          valueLabel="Conversions"
          kind="line"
          points={overview.daily.map((d) => ({ day: d.day, value: d.conversions }))}
        />
        {overview.cashbackPerDay.map((series) => (
          <DaySeriesChart
            id={`chart-cashback-${series.currency.toLowerCase()}`}
            title={`Cashback per day (${series.currency})`}
            valueLabel={`Cashback (${series.currency})`}
            format={(minor) => formatMoney(minor, series.currency)}
            points={series.days.map((d) => ({ day: d.day, value: d.cashbackMinor }))}
          />
        ))}
      </div>
    </section>
  );
}

const quiet = (o: Overview) =>
  o.last30Days.clicks === 0 && o.last30Days.conversions === 0 && o.last30Days.cashback.length === 0;

/** GET /console: today and the last 30 days at a glance, and the queues waiting for someone. */
export async function overviewPage(c: Context<ConsoleContext>) {
  const viewer = viewerOf(c);
  const result = await c.get("api").get<Overview>("/admin/v1/overview");
  if (!result.ok) {
    return c.html(
      <Page title="Overview" current="overview" viewer={viewer}>
        <ProblemNotice problem={result.problem} />
      </Page>,
      result.status === 403 ? 403 : 200,
    );
  }
  const overview = result.data;
  return c.html(
    <Page title="Overview" current="overview" viewer={viewer}>
      <Attention attention={overview.attention} />
      {quiet(overview) ? (
        <EmptyState>
          No clicks, conversions or payouts in the last {overview.windowDays} days yet. The figures
          and charts appear here as clicks and postbacks arrive.
        </EmptyState>
      ) : (
        <>
          <div class="periods">
            <PeriodFigures id="today" title="Today" period={overview.today} />
            <PeriodFigures
              id="last30"
              title={`Last ${overview.windowDays} days`}
              period={overview.last30Days}
            />
          </div>
          <Charts overview={overview} />
        </>
      )}
      <InFlight rows={overview.payoutsInFlight} />
      <p class="muted">
        Days are UTC calendar days. Figures come from the console's projections and may lag the
        wallets by a few seconds.
      </p>
    </Page>,
  );
}
