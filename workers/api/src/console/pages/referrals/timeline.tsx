import type { Context } from "hono";
import type { ConsoleContext } from "../../context";
import { Badge, DateTime, Notice, ProblemNotice } from "../../views/components";
import { Page } from "../../views/layout";
import { viewerOf } from "../../views/viewer";
import { type FailedAction, problemStatus } from "../payouts/parts";
import { BanPanel, banBoxOf, referrerHref } from "./ban";
import {
  type AdminReferralDetail,
  decisionPath,
  REFERRALS_API,
  REFERRALS_BASE,
  ReferralsTabs,
  Reward,
  SignalList,
} from "./parts";
import { DecisionForms } from "./review";

/**
 * GET /console/referrals/:referralId: one referral's timeline (GET /admin/v1/referrals/{id},
 * read from the referee's wallet, the referral's source of truth): who referred whom and how,
 * its state and risk, every fraud signal, what each party is owed or got, and every state move
 * oldest first with its reason, the event that caused it and, for an operator's decision, who
 * and why. A held referral carries the decision forms for the roles that may decide.
 */
export async function timelinePage(c: Context<ConsoleContext>, failed: FailedAction | null = null) {
  const viewer = viewerOf(c);
  const api = c.get("api");
  const referralId = c.req.param("referralId") ?? "";
  const found = await api.get<AdminReferralDetail>(
    `${REFERRALS_API}/${encodeURIComponent(referralId)}`,
  );
  if (!found.ok) {
    return c.html(
      <Page title={`Referral ${referralId}`} current="referrals" viewer={viewer}>
        <ReferralsTabs current="review" />
        <ProblemNotice problem={found.problem} />
        <p>
          <a href={`${REFERRALS_BASE}/review`}>Back to the review queue</a>
        </p>
      </Page>,
      problemStatus(found.status),
    );
  }
  const { referral: r, history, rewards, signals, riskScore } = found.data;
  const canDecide = r.state === "held" && api.can("POST", decisionPath(r.referralId));
  const here = `${REFERRALS_BASE}/${encodeURIComponent(r.referralId)}`;
  const referrerBan = await banBoxOf(c, r.referrerId);
  return c.html(
    <Page title={`Referral ${r.referralId}`} current="referrals" viewer={viewer}>
      <ReferralsTabs current="review" />
      <Notice text={c.req.query("notice")} />
      {failed ? <ProblemNotice problem={failed.problem} /> : null}
      <dl class="facts">
        <dt>State</dt>
        <dd>
          <Badge status={r.state} /> <code>{r.reason}</code>
        </dd>
        <dt>Referrer</dt>
        <dd>
          <a href={`/console/users/${encodeURIComponent(r.referrerId)}`}>{r.referrerId}</a>{" "}
          <a
            class="muted"
            href={`${REFERRALS_BASE}/funnel?referrerId=${encodeURIComponent(r.referrerId)}`}
          >
            (their funnel)
          </a>
        </dd>
        <dt>Referee</dt>
        <dd>
          <a href={`/console/users/${encodeURIComponent(r.refereeId)}`}>{r.refereeId}</a>
        </dd>
        <dt>Attributed by</dt>
        <dd>
          {r.method} · program {r.programId}
        </dd>
        <dt>Signed up</dt>
        <dd>
          <DateTime at={r.attributedAtMs} timeZone={viewer.timeZone} />
        </dd>
        <dt>Last change</dt>
        <dd>
          <DateTime at={r.updatedAtMs} timeZone={viewer.timeZone} />
        </dd>
        <dt>Fraud signals</dt>
        <dd>
          <SignalList signals={signals} score={riskScore} />
        </dd>
      </dl>
      {canDecide ? (
        <section class="panel" aria-labelledby="decide-heading">
          <h2 id="decide-heading">Decide</h2>
          <DecisionForms
            referralId={r.referralId}
            token={viewer.csrfToken}
            failed={failed}
            back={here}
          />
        </section>
      ) : null}
      <section class="panel" aria-labelledby="referrer-ban-heading">
        <h2 id="referrer-ban-heading">
          The referrer, <a href={referrerHref(r.referrerId)}>{r.referrerId}</a>
        </h2>
        <BanPanel
          userId={r.referrerId}
          {...referrerBan}
          token={viewer.csrfToken}
          timeZone={viewer.timeZone}
          failed={null}
          back={here}
        />
      </section>
      <h2>Rewards</h2>
      {rewards.length === 0 ? (
        <p class="muted">Nothing owed yet: the referral has not qualified.</p>
      ) : (
        <table>
          <caption class="visually-hidden">Rewards of {r.referralId}</caption>
          <thead>
            <tr>
              <th scope="col">Party</th>
              <th scope="col">Reward</th>
              <th scope="col">Status</th>
              <th scope="col">Campaign</th>
              <th scope="col">Qualifying event</th>
            </tr>
          </thead>
          <tbody>
            {rewards.map((w) => (
              <tr>
                <td>{w.party}</td>
                <td>
                  <Reward reward={w.reward} />
                </td>
                <td>
                  <Badge status={w.status} />
                </td>
                <td>
                  <code>{w.ruleId}</code> v{w.ruleVersion}
                </td>
                <td>
                  <code>{w.eventId}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Timeline</h2>
      <ol class="timeline">
        {history.map((h) => (
          <li>
            <DateTime at={h.atMs} timeZone={viewer.timeZone} />{" "}
            <strong>{h.fromState ? `${h.fromState} → ${h.state}` : h.state}</strong>{" "}
            <code>{h.reason}</code>: {h.reasonText}
            {h.eventId ? (
              <>
                {" "}
                <span class="muted">
                  (event <code>{h.eventId}</code>)
                </span>
              </>
            ) : null}
            {h.actor ? (
              <div>
                by {h.actor}
                {h.note ? `: ${h.note}` : ""}
              </div>
            ) : null}
          </li>
        ))}
      </ol>
      <p>
        <a href={`${REFERRALS_BASE}/review`}>Back to the review queue</a>
      </p>
    </Page>,
    failed ? problemStatus(failed.problem.status) : 200,
  );
}
