import type { Context } from "hono";
import type { ConsoleContext } from "../../context";
import { Badge, DateTime, EmptyState, Notice, Pager, ProblemNotice } from "../../views/components";
import { Page } from "../../views/layout";
import { viewerOf } from "../../views/viewer";
import { type FailedAction, problemStatus, ReasonForm, str } from "../payouts/parts";
import {
  type AdminReferral,
  type AdminReferralDetail,
  decisionPath,
  REFERRALS_API,
  REFERRALS_BASE,
  ReferralsTabs,
  SignalList,
} from "./parts";

/**
 * /console/referrals/review: the referral review queue — referrals held by their fraud signals
 * (GET /admin/v1/referrals?state=held), oldest decisions first as the API pages them, each with
 * every signal that fired (weight and reason, from the referral's detail), and Approve / Reject
 * with a required reason (POST /admin/v1/referrals/{id}/decision: finance and admin; the API
 * credits an approved referral exactly once and records the decision in the audit log).
 * Other states can be listed with the filter, read-only.
 */

const PAGE_ROWS = 20;
const STATES = [
  "held",
  "signed_up",
  "qualified",
  "rewarded",
  "rejected",
  "reversed",
  "expired",
] as const;

export const DECISIONS = { approve: "Approve", reject: "Reject" } as const;
export type Decision = keyof typeof DECISIONS;

/** The two decision forms of a held referral, each with its reason; `back` is where to return. */
export function DecisionForms(props: {
  referralId: string;
  token: string;
  failed: FailedAction | null;
  back: string;
}) {
  return (
    <div class="actions">
      {(Object.keys(DECISIONS) as Decision[]).map((d) => (
        <ReasonForm
          action={`${REFERRALS_BASE}/${encodeURIComponent(props.referralId)}/${d}`}
          formKey={`${props.referralId}:${d}`}
          label={DECISIONS[d]}
          token={props.token}
          failed={props.failed}
          hidden={{ back: props.back }}
          danger={d === "reject"}
        />
      ))}
    </div>
  );
}

/** GET /console/referrals/review (and a refused decision, re-rendered with its problem). */
export async function reviewPage(c: Context<ConsoleContext>, failed: FailedAction | null = null) {
  const viewer = viewerOf(c);
  const api = c.get("api");
  const state = STATES.find((s) => s === c.req.query("state")) ?? "held";
  const referrerId = c.req.query("referrerId")?.trim() || undefined;
  const cursor = c.req.query("cursor") || undefined;
  const list = await api.get<{ items: AdminReferral[]; nextCursor: string | null }>(REFERRALS_API, {
    state,
    referrerId,
    cursor,
    limit: PAGE_ROWS,
  });
  // Every signal with its weight and reason is in each referral's detail (its wallet holds it).
  const details = list.ok
    ? await Promise.all(
        list.data.items.map((r) =>
          api.get<AdminReferralDetail>(`${REFERRALS_API}/${encodeURIComponent(r.referralId)}`),
        ),
      )
    : [];
  const canDecide = api.can("POST", decisionPath("ref_x"));
  const back = c.req.url.replace(new URL(c.req.url).origin, "");
  return c.html(
    <Page title="Referral review queue" current="referrals" viewer={viewer}>
      <ReferralsTabs current="review" />
      <Notice text={c.req.query("notice")} />
      {failed ? <ProblemNotice problem={failed.problem} /> : null}
      <p class="muted">
        A referral whose fraud signals reach the program's hold threshold is held at qualification:
        nothing is credited until it is approved here (then each party is credited once) or
        rejected. Every decision needs a reason, kept in the referral's history and the audit log.{" "}
        {canDecide ? "" : "Your role reads the queue; deciding needs the finance or admin role."}
      </p>
      <form class="filters" method="get" action={`${REFERRALS_BASE}/review`}>
        <div class="field">
          <label for="f-state">State</label>
          <select id="f-state" name="state">
            {STATES.map((s) => (
              <option value={s} selected={s === state}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="f-referrerId">Referrer (user id)</label>
          <input id="f-referrerId" name="referrerId" value={referrerId ?? ""} />
        </div>
        <div class="field">
          <button type="submit">Show</button>
        </div>
      </form>
      {!list.ok ? (
        <ProblemNotice problem={list.problem} />
      ) : list.data.items.length === 0 ? (
        <EmptyState>
          {state === "held" ? "No referral is waiting for review." : `No referral is ${state}.`}
        </EmptyState>
      ) : (
        <table>
          <caption class="visually-hidden">Referrals {state}</caption>
          <thead>
            <tr>
              <th scope="col">Referral</th>
              <th scope="col">Referrer → referee</th>
              <th scope="col">Signed up</th>
              <th scope="col">Signals</th>
              <th scope="col">{state === "held" && canDecide ? "Decision" : "State"}</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((r, i) => {
              const detail = details[i];
              return (
                <tr id={`referral-${r.referralId}`}>
                  <td>
                    <a href={`${REFERRALS_BASE}/${encodeURIComponent(r.referralId)}`}>
                      {r.referralId}
                    </a>
                    <div class="muted">
                      {r.method} · {r.programId}
                    </div>
                  </td>
                  <td>
                    <a href={`/console/users/${encodeURIComponent(r.referrerId)}`}>
                      {r.referrerId}
                    </a>{" "}
                    →{" "}
                    <a href={`/console/users/${encodeURIComponent(r.refereeId)}`}>{r.refereeId}</a>
                  </td>
                  <td>
                    <DateTime at={r.attributedAtMs} timeZone={viewer.timeZone} />
                  </td>
                  <td>
                    {detail?.ok ? (
                      <SignalList signals={detail.data.signals} score={detail.data.riskScore} />
                    ) : (
                      <span>
                        {r.holdReasons.map((code) => (
                          <code>{code} </code>
                        ))}
                        <span class="muted">score {r.riskScore}</span>
                      </span>
                    )}
                  </td>
                  <td>
                    {r.state === "held" && canDecide ? (
                      <DecisionForms
                        referralId={r.referralId}
                        token={viewer.csrfToken}
                        failed={failed}
                        back={back}
                      />
                    ) : (
                      <Badge status={r.state} />
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {list.ok ? (
        <Pager
          basePath={`${REFERRALS_BASE}/review`}
          query={{ state, referrerId }}
          nextCursor={list.data.nextCursor}
        />
      ) : null}
    </Page>,
    failed ? problemStatus(failed.problem.status) : list.ok ? 200 : problemStatus(list.status),
  );
}

/** Where a decision form may send the operator back to: only a page of this section. */
export function backTo(value: string): string {
  return value.startsWith(`${REFERRALS_BASE}/`) && !value.startsWith("//")
    ? value
    : `${REFERRALS_BASE}/review`;
}

/**
 * POST /console/referrals/:referralId/:decision{approve|reject}: the API decides; back to the
 * page the form was on with a notice, or that page again with the problem beside the form.
 */
export async function decide(
  c: Context<ConsoleContext>,
  rerender: (c: Context<ConsoleContext>, failed: FailedAction, back: string) => Promise<Response>,
) {
  const referralId = c.req.param("referralId") ?? "";
  const decision = c.req.param("decision") as Decision;
  const form = await c.req.parseBody();
  const reason = str(form.reason).trim();
  const back = backTo(str(form.back));
  const result = await c
    .get("api")
    .send<{ referral: AdminReferral }>("POST", decisionPath(referralId), { decision, reason });
  if (result.ok) {
    const notice = `Referral ${referralId} ${decision === "approve" ? "approved" : "rejected"}: now ${result.data.referral.state}.`;
    const url = new URL(back, "https://console.invalid");
    url.searchParams.delete("notice");
    url.searchParams.set("notice", notice);
    return c.redirect(`${url.pathname}${url.search}`, 303);
  }
  return rerender(c, { key: `${referralId}:${decision}`, problem: result.problem, reason }, back);
}
