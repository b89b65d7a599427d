import type { Context } from "hono";
import { Hono } from "hono";
import type { Child } from "hono/jsx";
import type { ApiResult } from "../admin-api";
import type { ConsoleContext } from "../context";
import { csvDownload } from "../csv";
import { DaySeriesChart, PeriodBars, type PeriodStep } from "../views/chart";
import { EmptyState, ProblemNotice } from "../views/components";
import { Page } from "../views/layout";
import { CsvDownload, FilterBar, type FilterField } from "../views/report";
import { viewerOf } from "../views/viewer";
import { changeText } from "./analytics";

/**
 * The analytics section's other funnels (docs/analytics.md): points earn → redeem
 * (/console/analytics/points), fraud hold and false-positive rates (/console/analytics/risk-holds)
 * and the referral funnel per program (/console/analytics/referrals). Each: a GET filter form
 * (the range and its natural dimension), an SVG chart of the steps against the previous
 * period, per-day charts, tables, and a CSV download with the page's filters.
 */

const count = (n: number) => n.toLocaleString("en");

/** Pure: basis points as a percentage with one decimal; "—" for null. */
export function bpsText(bps: number | null): string {
  return bps === null ? "—" : `${(bps / 100).toFixed(1)}%`;
}

type Filters = Record<string, string>;

function filtersOf(c: Context<ConsoleContext>, keys: readonly string[]): Filters {
  const out: Filters = {};
  for (const key of keys) {
    const value = c.req.query(key)?.trim();
    if (value) out[key] = value;
  }
  return out;
}

const qs = (f: Filters) => {
  const s = new URLSearchParams(f).toString();
  return s ? `?${s}` : "";
};

interface Period {
  from: string;
  to: string;
  previous: { from: string; to: string };
}

/** The links between the analytics pages. */
function SectionNav({ current }: { current: string }) {
  const pages = [
    ["/console/analytics", "Cashback funnel"],
    ["/console/analytics/points", "Points"],
    ["/console/analytics/risk-holds", "Fraud holds"],
    ["/console/analytics/referrals", "Referrals per program"],
  ] as const;
  return (
    <nav aria-label="Analytics pages" class="subnav">
      <ul class="inline-list">
        {pages.map(([href, label]) => (
          <li>
            {href === current ? (
              <strong aria-current="page">{label}</strong>
            ) : (
              <a href={href}>{label}</a>
            )}
          </li>
        ))}
      </ul>
    </nav>
  );
}

function FilterForm(props: {
  action: string;
  values: Filters;
  dimension: { key: string; label: string; options?: readonly string[] };
}) {
  const { action, values, dimension } = props;
  const fields: FilterField[] = [
    { name: "from", label: "From (UTC day)", type: "date" },
    { name: "to", label: "To (UTC day, included)", type: "date" },
    { name: dimension.key, label: dimension.label, options: dimension.options },
  ];
  return <FilterBar action={action} idPrefix="f" fields={fields} values={values} />;
}

/** The steps' table: this period, the previous one, the change. */
function StepTable({ name, period, steps }: { name: string; period: Period; steps: PeriodStep[] }) {
  return (
    <table data-table={name}>
      <thead>
        <tr>
          <th scope="col">Step</th>
          <th scope="col" class="num">{`${period.from} – ${period.to}`}</th>
          <th scope="col" class="num">
            {`Previous (${period.previous.from} – ${period.previous.to})`}
          </th>
          <th scope="col" class="num">
            Change
          </th>
        </tr>
      </thead>
      <tbody>
        {steps.map((s) => (
          <tr>
            <th scope="row">{s.label}</th>
            <td class="num" data-figure={s.label}>
              {count(s.current)}
            </td>
            <td class="num">{count(s.previous)}</td>
            <td class="num">{changeText(s.current, s.previous)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function page(
  c: Context<ConsoleContext>,
  title: string,
  current: string,
  result: ApiResult<unknown>,
  body: () => Child,
  form: Child,
) {
  const status = result.ok ? 200 : result.status === 403 ? 403 : 400;
  return c.html(
    <Page title={title} current="analytics" viewer={viewerOf(c)}>
      <SectionNav current={current} />
      {form}
      {result.ok ? body() : <ProblemNotice problem={result.problem} />}
    </Page>,
    status,
  );
}

// ---------------------------------------------------------------- points

type PointsCounts = {
  earned: number;
  redeemed: number;
  expired: number;
  reversed: number;
  earningMembers: number;
  redeemingMembers: number;
};
interface PointsFunnel extends Period {
  totals: PointsCounts & {
    lots: number;
    redemptions: number;
    earnedAndRedeemedMembers: number;
    redeemedOfEarnedBps: number | null;
    expiredOfEarnedBps: number | null;
    redeemingOfEarningMembersBps: number | null;
  };
  previousTotals: PointsFunnel["totals"];
  perDay: Array<PointsCounts & { day: string }>;
  bySource: Array<PointsCounts & { sourceType: string; lots: number }>;
  byRedemption: Array<{ kind: string; points: number; redemptions: number; members: number }>;
}

const POINTS_FILTERS = ["from", "to", "sourceType"] as const;

async function pointsPage(c: Context<ConsoleContext>) {
  const filters = filtersOf(c, POINTS_FILTERS);
  const r = await c.get("api").get<PointsFunnel>("/admin/v1/analytics/points", filters);
  const form = (
    <FilterForm
      action="/console/analytics/points"
      values={filters}
      dimension={{ key: "sourceType", label: "Source of the points" }}
    />
  );
  return page(
    c,
    "Analytics: points",
    "/console/analytics/points",
    r,
    () => {
      if (!r.ok) return null;
      const f = r.data;
      const steps: PeriodStep[] = [
        { label: "Points earned", current: f.totals.earned, previous: f.previousTotals.earned },
        {
          label: "Points redeemed",
          current: f.totals.redeemed,
          previous: f.previousTotals.redeemed,
        },
        { label: "Points expired", current: f.totals.expired, previous: f.previousTotals.expired },
        {
          label: "Points reversed",
          current: f.totals.reversed,
          previous: f.previousTotals.reversed,
        },
        {
          label: "Members who earned",
          current: f.totals.earningMembers,
          previous: f.previousTotals.earningMembers,
        },
        {
          label: "Members who redeemed",
          current: f.totals.redeemingMembers,
          previous: f.previousTotals.redeemingMembers,
        },
      ];
      return (
        <section aria-labelledby="points-heading">
          <h2 id="points-heading">Points: earned → redeemed</h2>
          <p class="muted">
            By the day each wallet recorded the points (earned: lots credited; redeemed: spent on
            cashback or vouchers; expired; reversed by refunds).{" "}
            {bpsText(f.totals.redeemedOfEarnedBps)} of the points earned were redeemed,{" "}
            {bpsText(f.totals.expiredOfEarnedBps)} expired;{" "}
            {bpsText(f.totals.redeemingOfEarningMembersBps)} of the members who earned redeemed.
          </p>
          <PeriodBars
            id="points-chart"
            title={`Points ${f.from} to ${f.to} against ${f.previous.from} to ${f.previous.to}`}
            steps={steps}
          />
          <StepTable name="points-totals" period={f} steps={steps} />
          <div class="chart-grid">
            <DaySeriesChart
              id="chart-points-earned"
              title="Points earned per day"
              valueLabel="Earned"
              points={f.perDay.map((d) => ({ day: d.day, value: d.earned }))}
            />
            <DaySeriesChart
              id="chart-points-redeemed"
              title="Points redeemed per day"
              valueLabel="Redeemed"
              kind="line"
              points={f.perDay.map((d) => ({ day: d.day, value: d.redeemed }))}
            />
          </div>
          <h3>Per source</h3>
          <CsvDownload href={`/console/analytics/points.csv${qs(filters)}`} />
          {f.bySource.length === 0 ? (
            <EmptyState>No points moved in this range.</EmptyState>
          ) : (
            <table data-table="points-by-source">
              <thead>
                <tr>
                  <th scope="col">Source</th>
                  <th scope="col" class="num">
                    Lots
                  </th>
                  <th scope="col" class="num">
                    Earned
                  </th>
                  <th scope="col" class="num">
                    Redeemed
                  </th>
                  <th scope="col" class="num">
                    Expired
                  </th>
                  <th scope="col" class="num">
                    Members earning
                  </th>
                  <th scope="col" class="num">
                    Members redeeming
                  </th>
                </tr>
              </thead>
              <tbody>
                {f.bySource.map((s) => (
                  <tr>
                    <td>{s.sourceType}</td>
                    <td class="num">{count(s.lots)}</td>
                    <td class="num">{count(s.earned)}</td>
                    <td class="num">{count(s.redeemed)}</td>
                    <td class="num">{count(s.expired)}</td>
                    <td class="num">{count(s.earningMembers)}</td>
                    <td class="num">{count(s.redeemingMembers)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h3>Per kind of redemption</h3>
          {f.byRedemption.length === 0 ? (
            <EmptyState>No redemptions in this range.</EmptyState>
          ) : (
            <table data-table="points-by-redemption">
              <thead>
                <tr>
                  <th scope="col">Kind</th>
                  <th scope="col" class="num">
                    Points
                  </th>
                  <th scope="col" class="num">
                    Redemptions
                  </th>
                  <th scope="col" class="num">
                    Members
                  </th>
                </tr>
              </thead>
              <tbody>
                {f.byRedemption.map((k) => (
                  <tr>
                    <td>{k.kind}</td>
                    <td class="num">{count(k.points)}</td>
                    <td class="num">{count(k.redemptions)}</td>
                    <td class="num">{count(k.members)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      );
    },
    form,
  );
}

async function pointsCsv(c: Context<ConsoleContext>) {
  const r = await c
    .get("api")
    .get<PointsFunnel>("/admin/v1/analytics/points", filtersOf(c, POINTS_FILTERS));
  if (!r.ok) return pointsPage(c);
  const f = r.data;
  return csvDownload(`analytics-points_${f.from}_${f.to}.csv`, [
    ["day", "earned", "redeemed", "expired", "reversed", "members_earning", "members_redeeming"],
    ...f.perDay.map((d) => [
      d.day,
      d.earned,
      d.redeemed,
      d.expired,
      d.reversed,
      d.earningMembers,
      d.redeemingMembers,
    ]),
    [
      "total",
      f.totals.earned,
      f.totals.redeemed,
      f.totals.expired,
      f.totals.reversed,
      f.totals.earningMembers,
      f.totals.redeemingMembers,
    ],
    [
      "previous_period",
      f.previousTotals.earned,
      f.previousTotals.redeemed,
      f.previousTotals.expired,
      f.previousTotals.reversed,
      f.previousTotals.earningMembers,
      f.previousTotals.redeemingMembers,
    ],
  ]);
}

// ---------------------------------------------------------------- fraud holds

type HoldCounts = {
  placed: number;
  heldUsers: number;
  pending: number;
  released: number;
  steppedUp: number;
  confirmedFraud: number;
  decided: number;
  falsePositives: number;
  falsePositiveRateBps: number | null;
};
interface HoldRates extends Period {
  totals: HoldCounts & {
    scoredUsers: number;
    holdRateBps: number | null;
    labelledFraud: number;
    labelledNotFraud: number;
    labelledUnsure: number;
  };
  previousTotals: HoldRates["totals"];
  perDay: Array<HoldCounts & { day: string; scoredUsers: number; holdRateBps: number | null }>;
  byReason: Array<HoldCounts & { reason: string }>;
  byRule: Array<HoldCounts & { ruleId: string | null; source: string }>;
}

const HOLD_FILTERS = ["from", "to", "reason", "kind"] as const;

function HoldGroupTable({
  name,
  label,
  rows,
}: {
  name: string;
  label: string;
  rows: Array<HoldCounts & { name: string }>;
}) {
  return (
    <table data-table={name}>
      <thead>
        <tr>
          <th scope="col">{label}</th>
          <th scope="col" class="num">
            Placed
          </th>
          <th scope="col" class="num">
            Pending
          </th>
          <th scope="col" class="num">
            Released
          </th>
          <th scope="col" class="num">
            Step-up
          </th>
          <th scope="col" class="num">
            Confirmed fraud
          </th>
          <th scope="col" class="num">
            False-positive rate
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr>
            <td>{r.name}</td>
            <td class="num">{count(r.placed)}</td>
            <td class="num">{count(r.pending)}</td>
            <td class="num">{count(r.released)}</td>
            <td class="num">{count(r.steppedUp)}</td>
            <td class="num">{count(r.confirmedFraud)}</td>
            <td class="num">{bpsText(r.falsePositiveRateBps)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

async function holdsPage(c: Context<ConsoleContext>) {
  const filters = filtersOf(c, HOLD_FILTERS);
  const r = await c.get("api").get<HoldRates>("/admin/v1/analytics/risk-holds", filters);
  const form = (
    <>
      <FilterForm
        action="/console/analytics/risk-holds"
        values={filters}
        dimension={{ key: "reason", label: "Reason code" }}
      />
    </>
  );
  return page(
    c,
    "Analytics: fraud holds",
    "/console/analytics/risk-holds",
    r,
    () => {
      if (!r.ok) return null;
      const f = r.data;
      const t = f.totals;
      const p = f.previousTotals;
      const steps: PeriodStep[] = [
        { label: "Users scored", current: t.scoredUsers, previous: p.scoredUsers },
        { label: "Users held", current: t.heldUsers, previous: p.heldUsers },
        { label: "Holds placed", current: t.placed, previous: p.placed },
        { label: "Decided", current: t.decided, previous: p.decided },
        { label: "False positives", current: t.falsePositives, previous: p.falsePositives },
        { label: "Confirmed fraud", current: t.confirmedFraud, previous: p.confirmedFraud },
        { label: "Released by step-up", current: t.steppedUp, previous: p.steppedUp },
        { label: "Pending", current: t.pending, previous: p.pending },
      ];
      return (
        <section aria-labelledby="holds-heading">
          <h2 id="holds-heading">Fraud holds and false positives</h2>
          <dl class="facts">
            <dt>Hold rate</dt>
            <dd data-figure="hold-rate">
              {`${bpsText(t.holdRateBps)} (previous ${bpsText(p.holdRateBps)})`}
            </dd>
            <dt>False-positive rate</dt>
            <dd data-figure="false-positive-rate">
              {`${bpsText(t.falsePositiveRateBps)} (previous ${bpsText(p.falsePositiveRateBps)})`}
            </dd>
            <dt>Labels</dt>
            <dd>{`fraud ${count(t.labelledFraud)}, not fraud ${count(t.labelledNotFraud)}, unsure ${count(t.labelledUnsure)}`}</dd>
          </dl>
          <p class="muted">
            Holds by the day they were placed, with how they ended as of now. Hold rate: users held
            over users scored (their observations judged, a payout or a referral qualification
            assessed). False positive: a decided hold labelled not fraud, or released without a
            fraud label.
          </p>
          <PeriodBars
            id="holds-chart"
            title={`Holds ${f.from} to ${f.to} against ${f.previous.from} to ${f.previous.to}`}
            steps={steps}
          />
          <StepTable name="holds-totals" period={f} steps={steps} />
          <div class="chart-grid">
            <DaySeriesChart
              id="chart-holds-placed"
              title="Holds placed per day"
              valueLabel="Holds"
              points={f.perDay.map((d) => ({ day: d.day, value: d.placed }))}
            />
            <DaySeriesChart
              id="chart-scored"
              title="Users scored per day"
              valueLabel="Users"
              kind="line"
              points={f.perDay.map((d) => ({ day: d.day, value: d.scoredUsers }))}
            />
          </div>
          <h3>Per reason</h3>
          <CsvDownload href={`/console/analytics/risk-holds.csv${qs(filters)}`} />
          {f.byReason.length === 0 ? (
            <EmptyState>No holds placed in this range.</EmptyState>
          ) : (
            <HoldGroupTable
              name="holds-by-reason"
              label="Reason"
              rows={f.byReason.map((r) => ({ ...r, name: r.reason }))}
            />
          )}
          <h3>Per rule</h3>
          {f.byRule.length === 0 ? (
            <EmptyState>No holds placed in this range.</EmptyState>
          ) : (
            <HoldGroupTable
              name="holds-by-rule"
              label="Rule"
              rows={f.byRule.map((r) => ({ ...r, name: r.ruleId ?? r.source }))}
            />
          )}
        </section>
      );
    },
    form,
  );
}

async function holdsCsv(c: Context<ConsoleContext>) {
  const r = await c
    .get("api")
    .get<HoldRates>("/admin/v1/analytics/risk-holds", filtersOf(c, HOLD_FILTERS));
  if (!r.ok) return holdsPage(c);
  const f = r.data;
  const row = (scope: string, key: string, h: HoldCounts) => [
    scope,
    key,
    h.placed,
    h.pending,
    h.released,
    h.steppedUp,
    h.confirmedFraud,
    h.decided,
    h.falsePositives,
    h.falsePositiveRateBps === null ? "" : (h.falsePositiveRateBps / 100).toFixed(2),
  ];
  return csvDownload(`analytics-risk-holds_${f.from}_${f.to}.csv`, [
    [
      "scope",
      "key",
      "placed",
      "pending",
      "released",
      "stepped_up",
      "confirmed_fraud",
      "decided",
      "false_positives",
      "false_positive_rate_pct",
    ],
    row("total", "", f.totals),
    row("previous_period", "", f.previousTotals),
    ...f.byReason.map((r) => row("reason", r.reason, r)),
    ...f.byRule.map((r) => row("rule", r.ruleId ?? r.source, r)),
    ...f.perDay.map((d) => row("day", d.day, d)),
  ]);
}

// ---------------------------------------------------------------- referrals

type ReferralCounts = {
  codesIssued: number;
  sharers: number;
  clicks: number;
  signups: number;
  qualified: number;
  rewarded: number;
};
interface ReferralFunnel extends Period {
  totals: ReferralCounts & {
    signupOfClicksBps: number | null;
    qualifiedOfSignupsBps: number | null;
    rewardedOfSignupsBps: number | null;
  };
  previousTotals: ReferralFunnel["totals"];
  perDay: Array<ReferralCounts & { day: string }>;
  byProgram: Array<ReferralFunnel["totals"] & { programId: string }>;
}

const REFERRAL_FILTERS = ["from", "to", "programId"] as const;
const REFERRAL_STEPS: ReadonlyArray<[keyof ReferralCounts, string]> = [
  ["codesIssued", "Codes issued"],
  ["sharers", "Referrers clicked"],
  ["clicks", "Clicks"],
  ["signups", "Signups"],
  ["qualified", "Qualified"],
  ["rewarded", "Rewarded"],
];

async function referralsPage(c: Context<ConsoleContext>) {
  const filters = filtersOf(c, REFERRAL_FILTERS);
  const r = await c.get("api").get<ReferralFunnel>("/admin/v1/analytics/referrals", filters);
  const form = (
    <FilterForm
      action="/console/analytics/referrals"
      values={filters}
      dimension={{ key: "programId", label: "Program" }}
    />
  );
  return page(
    c,
    "Analytics: referrals",
    "/console/analytics/referrals",
    r,
    () => {
      if (!r.ok) return null;
      const f = r.data;
      const steps = REFERRAL_STEPS.map(([key, label]) => ({
        label,
        current: f.totals[key],
        previous: f.previousTotals[key],
      }));
      return (
        <section aria-labelledby="referrals-heading">
          <h2 id="referrals-heading">Referrals: share → click → signup → qualified → rewarded</h2>
          <p class="muted">
            Share: codes issued and referrers whose link was clicked; clicks by the day of the
            click; signups by the day attributed, with those that qualified and are rewarded now.
            Signups per click {bpsText(f.totals.signupOfClicksBps)}, qualified per signup{" "}
            {bpsText(f.totals.qualifiedOfSignupsBps)}, rewarded per signup{" "}
            {bpsText(f.totals.rewardedOfSignupsBps)}. Per campaign and referrer:{" "}
            <a href="/console/referrals/funnel">the referral funnel</a>.
          </p>
          <PeriodBars
            id="referrals-chart"
            title={`Referrals ${f.from} to ${f.to} against ${f.previous.from} to ${f.previous.to}`}
            steps={steps}
          />
          <StepTable name="referrals-totals" period={f} steps={steps} />
          <div class="chart-grid">
            <DaySeriesChart
              id="chart-ref-clicks"
              title="Referral clicks per day"
              valueLabel="Clicks"
              points={f.perDay.map((d) => ({ day: d.day, value: d.clicks }))}
            />
            <DaySeriesChart
              id="chart-ref-signups"
              title="Referral signups per day"
              valueLabel="Signups"
              kind="line"
              points={f.perDay.map((d) => ({ day: d.day, value: d.signups }))}
            />
          </div>
          <h3>Per program</h3>
          <CsvDownload href={`/console/analytics/referrals.csv${qs(filters)}`} />
          {f.byProgram.length === 0 ? (
            <EmptyState>No referral activity in this range.</EmptyState>
          ) : (
            <table data-table="referrals-by-program">
              <thead>
                <tr>
                  <th scope="col">Program</th>
                  {REFERRAL_STEPS.map(([, label]) => (
                    <th scope="col" class="num">
                      {label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {f.byProgram.map((p) => (
                  <tr>
                    <td>{p.programId}</td>
                    {REFERRAL_STEPS.map(([key]) => (
                      <td class="num">{count(p[key])}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      );
    },
    form,
  );
}

async function referralsCsv(c: Context<ConsoleContext>) {
  const r = await c
    .get("api")
    .get<ReferralFunnel>("/admin/v1/analytics/referrals", filtersOf(c, REFERRAL_FILTERS));
  if (!r.ok) return referralsPage(c);
  const f = r.data;
  const keys = REFERRAL_STEPS.map(([key]) => key);
  return csvDownload(`analytics-referrals_${f.from}_${f.to}.csv`, [
    [
      "scope",
      "key",
      "codes_issued",
      "referrers_clicked",
      "clicks",
      "signups",
      "qualified",
      "rewarded",
    ],
    ["total", "", ...keys.map((k) => f.totals[k])],
    ["previous_period", "", ...keys.map((k) => f.previousTotals[k])],
    ...f.byProgram.map((p) => ["program", p.programId, ...keys.map((k) => p[k])]),
    ...f.perDay.map((d) => ["day", d.day, ...keys.map((k) => d[k])]),
  ]);
}

/** /console/analytics/{points,risk-holds,referrals} and their CSV downloads. */
export const analyticsFunnelsRoutes = new Hono<ConsoleContext>()
  .get("/points", pointsPage)
  .get("/points.csv", pointsCsv)
  .get("/risk-holds", holdsPage)
  .get("/risk-holds.csv", holdsCsv)
  .get("/referrals", referralsPage)
  .get("/referrals.csv", referralsCsv);
