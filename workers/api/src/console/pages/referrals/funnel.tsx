import type { Context } from "hono";
import type { ConsoleContext } from "../../context";
import { EmptyState, ProblemNotice } from "../../views/components";
import { Page } from "../../views/layout";
import { viewerOf } from "../../views/viewer";
import { financeQuery } from "../finance";
import { problemStatus } from "../rules/parts";
import { RULES_API, type RuleVersion } from "../rules/types";
import { referralCampaignsOf } from "./campaigns";
import { formatDurationMs } from "./duration";
import { FunnelChart } from "./funnel-chart";
import {
  FUNNEL_API,
  type FunnelStages,
  type FunnelView,
  REFERRALS_BASE,
  ReferralsTabs,
} from "./parts";

/**
 * GET /console/referrals/funnel: the referral funnel (GET /admin/v1/referrals/funnel) for a
 * range of UTC days, optionally one campaign and one referrer: the stages as a chart, the
 * click → qualification times, and tables per campaign and per referrer.
 */

const count = (n: number | null) => (n === null ? "—" : n.toLocaleString("en"));

function StageCells({ row }: { row: FunnelStages }) {
  return (
    <>
      <td class="num">{count(row.signups)}</td>
      <td class="num">{count(row.qualified)}</td>
      <td class="num">{count(row.rewarded)}</td>
      <td class="num">{count(row.held)}</td>
      <td class="num">{count(row.rejected)}</td>
      <td class="num">{count(row.reversed)}</td>
      <td>{formatDurationMs(row.clickToQualification.medianMs)}</td>
      <td>{formatDurationMs(row.clickToQualification.p90Ms)}</td>
    </>
  );
}

const STAGE_HEADINGS = [
  "Signups",
  "Qualified",
  "Rewarded",
  "Held",
  "Rejected",
  "Reversed",
  "Median click → qualified",
  "90th percentile",
];

function StageHeadings() {
  return (
    <>
      {STAGE_HEADINGS.map((h, i) => (
        <th scope="col" class={i < 6 ? "num" : undefined}>
          {h}
        </th>
      ))}
    </>
  );
}

interface FilterValues {
  ruleId?: string;
  referrerId?: string;
  from?: string;
  to?: string;
}

function Filters(props: { values: FilterValues; campaigns: Array<{ id: string; name: string }> }) {
  const { values } = props;
  return (
    <form class="filters" method="get" action={`${REFERRALS_BASE}/funnel`}>
      <div class="field">
        <label for="f-ruleId">Campaign</label>
        <select id="f-ruleId" name="ruleId">
          <option value="">All campaigns</option>
          {props.campaigns.map((c) => (
            <option value={c.id} selected={c.id === values.ruleId}>
              {c.name} ({c.id})
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="f-referrerId">Referrer (user id)</label>
        <input id="f-referrerId" name="referrerId" value={values.referrerId ?? ""} />
      </div>
      <div class="field">
        <label for="f-from">Signed up from (UTC day)</label>
        <input id="f-from" name="from" type="date" value={values.from ?? ""} />
      </div>
      <div class="field">
        <label for="f-to">Signed up to (UTC day, included)</label>
        <input id="f-to" name="to" type="date" value={values.to ?? ""} />
      </div>
      <div class="field">
        <button type="submit">Show</button>
      </div>
    </form>
  );
}

/** GET /console/referrals/funnel */
export async function funnelPage(c: Context<ConsoleContext>) {
  const viewer = viewerOf(c);
  const api = c.get("api");
  const values: FilterValues = {
    ruleId: c.req.query("ruleId")?.trim() || undefined,
    referrerId: c.req.query("referrerId")?.trim() || undefined,
    from: c.req.query("from")?.trim() || undefined,
    to: c.req.query("to")?.trim() || undefined,
  };
  const [funnel, live] = await Promise.all([
    api.get<FunnelView>(FUNNEL_API, {
      ruleId: values.ruleId,
      referrerId: values.referrerId,
      ...financeQuery(values),
    }),
    api.get<RuleVersion>(`${RULES_API}/live`),
  ]);
  const campaigns = live.ok
    ? referralCampaignsOf(live.data.ruleSet.rules).map((r) => ({ id: r.ruleId, name: r.name }))
    : [];
  const nameOf = new Map(campaigns.map((r) => [r.id, r.name]));
  // A campaign filtered on that is no longer live still shows as chosen.
  if (values.ruleId && !nameOf.has(values.ruleId)) {
    campaigns.push({ id: values.ruleId, name: values.ruleId });
  }
  const f = funnel.ok ? funnel.data : null;
  const empty = f !== null && f.total.signups === 0 && !f.total.clicks;
  return c.html(
    <Page title="Referral funnel" current="referrals" viewer={viewer}>
      <ReferralsTabs current="funnel" />
      <Filters values={values} campaigns={campaigns} />
      {!funnel.ok ? <ProblemNotice problem={funnel.problem} /> : null}
      {f ? (
        <>
          <p class="muted">
            Referrals that signed up from {f.from.slice(0, 10)} to before {f.to.slice(0, 10)} (UTC),
            by the stage they reached and the state they are in now; link clicks in the same range.
            {f.ruleId
              ? " A campaign is chosen when a referral qualifies, so a click belongs to no campaign: no clicks are shown for one."
              : ""}{" "}
            From D1's projections: they may lag the wallets by seconds.
          </p>
          {empty ? (
            <EmptyState>No referral link clicks or signups in this range.</EmptyState>
          ) : (
            <>
              <FunnelChart
                id="funnel"
                title={`Referral funnel${f.ruleId ? ` of ${f.ruleId}` : ""}${f.referrerId ? ` for ${f.referrerId}` : ""}`}
                stages={[
                  { label: "Link clicks", value: f.total.clicks },
                  { label: "Signups", value: f.total.signups },
                  { label: "Qualified", value: f.total.qualified },
                  { label: "Rewarded", value: f.total.rewarded },
                  { label: "Held", value: f.total.held, outcome: true },
                  { label: "Rejected", value: f.total.rejected, outcome: true },
                  { label: "Reversed", value: f.total.reversed, outcome: true },
                ]}
              />
              <dl class="facts">
                <dt>Click → qualification, median</dt>
                <dd>{formatDurationMs(f.total.clickToQualification.medianMs)}</dd>
                <dt>90th percentile</dt>
                <dd>{formatDurationMs(f.total.clickToQualification.p90Ms)}</dd>
                <dt>Referrals timed</dt>
                <dd>
                  {count(f.total.clickToQualification.referrals)}{" "}
                  <span class="muted">(qualified, and attributed through a link click)</span>
                </dd>
              </dl>
              <h2>Per campaign</h2>
              <table>
                <caption class="visually-hidden">Funnel per campaign</caption>
                <thead>
                  <tr>
                    <th scope="col">Campaign</th>
                    <StageHeadings />
                  </tr>
                </thead>
                <tbody>
                  {f.byCampaign.map((row) => (
                    <tr>
                      <td>
                        {row.ruleId === null ? (
                          <span class="muted">not qualified yet</span>
                        ) : (
                          <a
                            href={`${REFERRALS_BASE}/funnel?ruleId=${encodeURIComponent(row.ruleId)}`}
                          >
                            {nameOf.get(row.ruleId) ?? row.ruleId}
                          </a>
                        )}
                      </td>
                      <StageCells row={row} />
                    </tr>
                  ))}
                </tbody>
              </table>
              <h2>Per referrer</h2>
              <p class="muted">The 50 referrers with the most signups in the range.</p>
              <table>
                <caption class="visually-hidden">Funnel per referrer</caption>
                <thead>
                  <tr>
                    <th scope="col">Referrer</th>
                    <th scope="col" class="num">
                      Link clicks
                    </th>
                    <StageHeadings />
                  </tr>
                </thead>
                <tbody>
                  {f.byReferrer.map((row) => (
                    <tr>
                      <td>
                        <a href={`/console/users/${encodeURIComponent(row.referrerId)}`}>
                          {row.referrerId}
                        </a>
                      </td>
                      <td class="num">{count(row.clicks)}</td>
                      <StageCells row={row} />
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </>
      ) : null}
    </Page>,
    funnel.ok ? 200 : problemStatus(funnel.status),
  );
}
