import type { Context } from "hono";
import type { ConsoleContext } from "../../context";
import { Badge, DateTime, EmptyState, Notice, ProblemNotice } from "../../views/components";
import { Page } from "../../views/layout";
import { viewerOf } from "../../views/viewer";
import { problemStatus } from "../payouts/parts";
import { decisionFormOf, holdKey } from "./forms";
import { type FailedDecision, HoldDecisionForm, LABEL_TEXTS, ReasonList, RiskTabs } from "./parts";
import {
  holdDecisionPath,
  RISK_API,
  RISK_BASE,
  type RiskHold,
  riskUserHref,
  type UserRisk,
} from "./types";

/**
 * /console/risk/users/{id}: one user's risk for review (GET /admin/v1/risk/users/{id}, every
 * role): the score with the reasons in force and its history, velocity, every hold with a
 * decision form for each active one (finance and admin: POST …/risk/holds/{userId}/{holdId}/
 * decision, with a required reason and an optional label), and the accounts linked to the user
 * through shared identifiers (the kinds they share, never the identifiers).
 */

const WINDOWS = ["1h", "24h", "7d"] as const;

/** GET /console/risk/users/:id (and a refused decision, re-rendered beside its form). */
export async function userRiskPage(
  c: Context<ConsoleContext>,
  failed: FailedDecision | null = null,
) {
  const id = c.req.param("id") ?? "";
  const viewer = viewerOf(c);
  const api = c.get("api");
  const read = await api.get<UserRisk>(`${RISK_API}/users/${encodeURIComponent(id)}`);
  const title = `Risk of ${id}`;
  if (!read.ok) {
    return c.html(
      <Page title={title} current="risk" viewer={viewer}>
        <RiskTabs current="user" userId={id} />
        <ProblemNotice problem={read.problem} />
      </Page>,
      problemStatus(read.status),
    );
  }
  const { risk, holds, linkedAccounts } = read.data;
  const tz = viewer.timeZone;
  const canDecide = api.can("POST", holdDecisionPath(id, "x"));
  const active = holds.filter((h) => h.status === "active").length;
  const reasonProblem = failed && fieldErrorShownInline(failed) ? null : failed?.problem;
  return c.html(
    <Page title={title} current="risk" viewer={viewer}>
      <RiskTabs current="user" userId={id} />
      <Notice text={c.req.query("notice")} />
      <ProblemNotice problem={reasonProblem} />
      <p>
        <a href={`/console/users/${encodeURIComponent(id)}`}>Member page of {id}</a> ·{" "}
        <a href={`${RISK_BASE}/holds?userId=${encodeURIComponent(id)}`}>
          their holds in the review queue
        </a>
      </p>

      <h2>Score</h2>
      {risk ? (
        <section class="panel" aria-label="Score">
          <ul class="cards">
            <li class="card">
              <div class="label">Score (0–100)</div>
              <div class="value">{risk.score}</div>
            </li>
            <li class="card">
              <div class="label">Active holds</div>
              <div class="value">{active}</div>
            </li>
          </ul>
          {risk.asOfMs ? (
            <p class="muted">
              As of <DateTime at={risk.asOfMs} timeZone={tz} />
            </p>
          ) : null}
          <h3>Reasons in force</h3>
          <ReasonList reasons={risk.reasons} />
        </section>
      ) : (
        <div class="notice bad" role="status">
          Scoring cannot answer right now: the score is not shown. The holds and linked accounts
          below are read without it.
        </div>
      )}

      {risk?.velocity ? (
        <>
          <h3>Activity</h3>
          <table>
            <caption class="visually-hidden">Activity per kind and window</caption>
            <thead>
              <tr>
                <th scope="col">Kind</th>
                {WINDOWS.map((w) => (
                  <th scope="col" class="num">
                    {w}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {Object.entries(risk.velocity).map(([kind, counts]) => (
                <tr>
                  <th scope="row">{kind}</th>
                  {WINDOWS.map((w) => (
                    <td class="num">{counts[w] ?? 0}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}

      {risk ? (
        <>
          <h3>Score history</h3>
          {risk.history.length === 0 ? (
            <EmptyState>The score has not changed yet.</EmptyState>
          ) : (
            <table>
              <caption class="visually-hidden">Score history, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col" class="num">
                    Score
                  </th>
                  <th scope="col">Reasons</th>
                  <th scope="col">Rule set</th>
                </tr>
              </thead>
              <tbody>
                {risk.history.map((h) => (
                  <tr>
                    <td>
                      <DateTime at={h.atMs ?? null} timeZone={tz} />
                    </td>
                    <td class="num">{h.score}</td>
                    <td>
                      <ReasonList reasons={h.reasons} />
                    </td>
                    <td>{h.ruleVersion ? `v${h.ruleVersion}` : "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      ) : null}

      <h2>Holds</h2>
      {canDecide ? null : (
        <p class="muted">Your role reads the holds; deciding needs the finance or admin role.</p>
      )}
      {holds.length === 0 ? (
        <EmptyState>No risk hold was ever placed on this user.</EmptyState>
      ) : (
        <table>
          <caption class="visually-hidden">Risk holds, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Hold</th>
              <th scope="col">Holds</th>
              <th scope="col">Reasons</th>
              <th scope="col">Placed</th>
              <th scope="col">Status</th>
              <th scope="col">{canDecide ? "Decision" : "Decided"}</th>
            </tr>
          </thead>
          <tbody>
            {holds.map((h) => (
              <tr id={`hold-${h.holdId.replace(/[^A-Za-z0-9_-]/g, "-")}`}>
                <td>
                  <code>{h.holdId}</code>
                  <div class="muted">
                    {h.source}
                    {h.ruleId ? ` · ${h.ruleId}${h.ruleVersion ? ` v${h.ruleVersion}` : ""}` : ""}
                  </div>
                </td>
                <td>
                  <HoldSubject hold={h} />
                </td>
                <td>
                  <ReasonList reasons={h.reasons} />
                </td>
                <td>
                  <DateTime at={h.placedAtMs} timeZone={tz} />
                  {h.autoReleaseAtMs ? (
                    <div class="muted">
                      ends by itself <DateTime at={h.autoReleaseAtMs} timeZone={tz} />
                    </div>
                  ) : null}
                </td>
                <td>
                  <Badge status={h.status} />
                </td>
                <td>
                  {h.status === "active" && canDecide ? (
                    <HoldDecisionForm
                      userId={id}
                      holdId={h.holdId}
                      token={viewer.csrfToken}
                      failed={failed}
                    />
                  ) : (
                    <HoldOutcome hold={h} timeZone={tz} />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Linked accounts</h2>
      <LinkedAccounts userId={id} links={linkedAccounts} />
    </Page>,
    failed ? problemStatus(failed.problem.status) : 200,
  );
}

/** Whether the problem is about a field the form shows inline (so not repeated on top). */
function fieldErrorShownInline(failed: FailedDecision): boolean {
  return Boolean(failed.problem.errors?.some((e) => e.path === "reason" || e.path === "decision"));
}

/** What a hold holds: the payout/transaction/referral it names, or all of the kind. */
export function HoldSubject({ hold }: { hold: Pick<RiskHold, "kind" | "subjectRef"> }) {
  const ref = hold.subjectRef;
  if (!ref) {
    return <span>{hold.kind === "step_up" ? "step-up on redemptions" : `all ${hold.kind}`}</span>;
  }
  const href =
    hold.kind === "transaction"
      ? `/console/transactions/${encodeURIComponent(ref)}`
      : hold.kind === "payouts"
        ? `/console/payouts/${encodeURIComponent(ref)}`
        : hold.kind === "referral"
          ? `/console/referrals/${encodeURIComponent(ref)}`
          : null;
  return (
    <span>
      {hold.kind}: {href ? <a href={href}>{ref}</a> : <code>{ref}</code>}
    </span>
  );
}

/** An ended hold: how, by whom, why and its label. */
export function HoldOutcome({ hold, timeZone }: { hold: RiskHold; timeZone: string }) {
  if (hold.status === "active") return <span class="muted">waiting</span>;
  return (
    <div>
      <span>{hold.endedHow === "operator" ? (hold.decidedBy ?? "operator") : hold.endedHow}</span>{" "}
      <DateTime at={hold.endedAtMs} timeZone={timeZone} />
      {hold.decisionNote ? <p>{hold.decisionNote}</p> : null}
      {hold.label ? <span class="badge">{LABEL_TEXTS[hold.label]}</span> : null}
    </div>
  );
}

/**
 * The accounts linked to the user, as a bounded graph: each account with its depth (1 shares
 * an identifier with the user, 2 with one of those) and each edge with the kind both hold.
 */
function LinkedAccounts({ userId, links }: { userId: string; links: UserRisk["linkedAccounts"] }) {
  if (links.accounts.length === 0) {
    return <EmptyState>No other account shares an identifier with this user.</EmptyState>;
  }
  const kindsOf = (account: string) => [
    ...new Set(
      links.edges
        .filter((e) => e.fromUserId === account || e.toUserId === account)
        .map((e) => e.kind),
    ),
  ];
  return (
    <>
      <table>
        <caption class="visually-hidden">Linked accounts</caption>
        <thead>
          <tr>
            <th scope="col">Account</th>
            <th scope="col" class="num">
              Depth
            </th>
            <th scope="col">Shares</th>
          </tr>
        </thead>
        <tbody>
          {links.accounts.map((a) => (
            <tr>
              <td>
                <a href={riskUserHref(a.userId)}>{a.userId}</a>
              </td>
              <td class="num">{a.depth}</td>
              <td>{kindsOf(a.userId).join(", ") || "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Links</h3>
      <ul class="plain" aria-label="Links between accounts">
        {links.edges.map((e) => (
          <li>
            <code>{e.fromUserId === userId ? "this user" : e.fromUserId}</code> —{" "}
            <span class="badge">{e.kind}</span> —{" "}
            <code>{e.toUserId === userId ? "this user" : e.toUserId}</code>
          </li>
        ))}
      </ul>
      {links.truncated ? (
        <p class="muted">More accounts are linked: the walk stops at depth 2 and 25 accounts.</p>
      ) : null}
    </>
  );
}

/** POST /console/risk/users/:id/holds/decision: one hold decided through the API. */
export async function decideOne(c: Context<ConsoleContext>) {
  const userId = c.req.param("id") ?? "";
  const body = await c.req.parseBody();
  const holdId = typeof body.holdId === "string" ? body.holdId : "";
  const form = decisionFormOf(body);
  const result = await c
    .get("api")
    .send<{ hold: RiskHold }>("POST", holdDecisionPath(userId, holdId), {
      decision: form.decision,
      reason: form.reason,
      label: form.label,
    });
  if (result.ok) {
    const notice = `Hold ${holdId} ${result.data.hold.status}.`;
    return c.redirect(`${riskUserHref(userId)}?notice=${encodeURIComponent(notice)}`, 303);
  }
  return userRiskPage(c, { key: holdKey(userId, holdId), problem: result.problem, form });
}
