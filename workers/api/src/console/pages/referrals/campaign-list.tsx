import type { Context } from "hono";
import type { ConsoleContext } from "../../context";
import { Badge, EmptyState, ProblemNotice } from "../../views/components";
import { Page } from "../../views/layout";
import { viewerOf } from "../../views/viewer";
import { canWriteRules, problemStatus, RULES_BASE, ScheduleText } from "../rules/parts";
import { RULES_API, type RuleVersion } from "../rules/types";
import { referralCampaignsOf } from "./campaigns";
import { formatDurationMs } from "./duration";
import { FUNNEL_API, type FunnelView, REFERRALS_BASE, ReferralsTabs, Reward } from "./parts";

/**
 * GET /console/referrals: the referral campaigns — the live rules whose effect is
 * `referral_reward` — with what each pays the referrer and the referee, its other terms, its
 * schedule, and its last 30 days from the funnel; each links to its funnel and to the rule
 * editor (campaigns are changed there, as rules: docs/referrals.md).
 */
export async function campaignsPage(c: Context<ConsoleContext>) {
  const viewer = viewerOf(c);
  const api = c.get("api");
  const [live, funnel] = await Promise.all([
    api.get<RuleVersion>(`${RULES_API}/live`),
    api.get<FunnelView>(FUNNEL_API),
  ]);
  const campaigns = live.ok ? referralCampaignsOf(live.data.ruleSet.rules) : [];
  const figures = new Map(
    funnel.ok ? funnel.data.byCampaign.map((row) => [row.ruleId, row] as const) : [],
  );
  const canWrite = canWriteRules(api);
  return c.html(
    <Page title="Referrals" current="referrals" viewer={viewer}>
      <ReferralsTabs current="campaigns" />
      <p class="muted">
        A referral campaign is a rule whose effect is a referral reward: its event types and
        conditions say what qualifies, its effect what each party gets. Change campaigns in the{" "}
        <a href={`${RULES_BASE}/draft`}>rule editor</a> and publish; they take effect without a
        deploy. Figures are the referrals that signed up in the last 30 days.
      </p>
      {!live.ok && live.status !== 404 ? <ProblemNotice problem={live.problem} /> : null}
      {!funnel.ok ? <ProblemNotice problem={funnel.problem} /> : null}
      {campaigns.length === 0 ? (
        <EmptyState>
          No referral campaign is live. Add a rule with a <code>referral_reward</code> effect in the{" "}
          <a href={`${RULES_BASE}/draft`}>rule editor</a> and publish it.
        </EmptyState>
      ) : (
        <table>
          <caption>
            Live referral campaigns (rule set version {live.ok ? live.data.version : ""})
          </caption>
          <thead>
            <tr>
              <th scope="col">Campaign</th>
              <th scope="col">State</th>
              <th scope="col">Qualifying event</th>
              <th scope="col">Referrer gets</th>
              <th scope="col">Referee gets</th>
              <th scope="col">Terms</th>
              <th scope="col">Schedule</th>
              <th scope="col" class="num">
                Signups / qualified / rewarded (30 days)
              </th>
              <th scope="col">Median click → qualified</th>
              <th scope="col">Links</th>
            </tr>
          </thead>
          <tbody>
            {campaigns.map((campaign) => {
              const f = figures.get(campaign.ruleId);
              return (
                <tr id={`campaign-${campaign.ruleId}`}>
                  <td>
                    {campaign.name}
                    <div class="muted">
                      <code>{campaign.ruleId}</code>
                      {campaign.programId ? ` · program ${campaign.programId}` : ""}
                    </div>
                  </td>
                  <td>
                    <Badge status={campaign.active ? "active" : "inactive"} />
                  </td>
                  <td>{campaign.eventTypes.join(", ")}</td>
                  <td>
                    <Reward reward={campaign.referrer} />
                  </td>
                  <td>
                    <Reward reward={campaign.referee} />
                  </td>
                  <td>
                    {campaign.terms.length === 0 ? (
                      <span class="muted">—</span>
                    ) : (
                      <ul class="plain">
                        {campaign.terms.map((t) => (
                          <li>
                            <code>{t}</code>
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                  <td>
                    <ScheduleText schedule={campaign.schedule} timeZone={viewer.timeZone} />
                  </td>
                  <td class="num">
                    {f ? `${f.signups} / ${f.qualified} / ${f.rewarded}` : "0 / 0 / 0"}
                  </td>
                  <td>{formatDurationMs(f?.clickToQualification.medianMs ?? null)}</td>
                  <td>
                    <a
                      href={`${REFERRALS_BASE}/funnel?ruleId=${encodeURIComponent(campaign.ruleId)}`}
                    >
                      Funnel of {campaign.ruleId}
                    </a>
                    <br />
                    <a href={canWrite ? `${RULES_BASE}/draft` : RULES_BASE}>
                      {canWrite ? "Edit in the rule editor" : "See the rules"}
                    </a>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </Page>,
    live.ok || live.status === 404 ? 200 : problemStatus(live.status),
  );
}
