import type { Context } from "hono";
import type { ConsoleContext } from "../../context";
import {
  Badge,
  DateTime,
  EmptyState,
  Field,
  Notice,
  Pager,
  ProblemNotice,
} from "../../views/components";
import { Csrf, Page } from "../../views/layout";
import { viewerOf } from "../../views/viewer";
import { Select } from "../catalog/parts";
import { problemStatus } from "../payouts/parts";
import {
  decisionFormOf,
  holdKey,
  type QueueFilters,
  queueFiltersOf,
  queueQuery,
  selectedHolds,
} from "./forms";
import { DecisionFields, type FailedDecision, LABEL_TEXTS, ReasonList, RiskTabs } from "./parts";
import {
  BULK_DECISIONS_API,
  type BulkDecisionAnswer,
  type BulkOutcome,
  HOLD_KINDS,
  HOLD_SOURCES,
  HOLD_STATUSES,
  HOLDS_API,
  LABELS,
  RISK_BASE,
  type RiskHoldRow,
  riskUserHref,
} from "./types";
import { HoldOutcome, HoldSubject } from "./user";

/**
 * /console/risk/holds: the review queue of every risk hold (GET /admin/v1/risk/holds, every
 * role reads), filtered by status, kind, source, reason code, user, label and placed days;
 * active holds oldest first. Finance and admin tick holds and decide them at once (POST
 * /admin/v1/risk/holds/decisions: release or uphold, a required reason, an optional label);
 * each ticked hold comes back with its own outcome, shown above the queue and on its row.
 */

const PAGE_ROWS = 50;
const BULK_KEY = "bulk";

const OUTCOME_TEXTS: Record<BulkOutcome, string> = {
  decided: "decided",
  already: "already decided this way",
  conflict: "refused: decided the other way before",
  not_found: "not found",
  failed: "failed: the wallet did not answer, try again",
};

interface QueueState {
  failed?: FailedDecision | null;
  results?: BulkDecisionAnswer["results"];
  /** Holds ticked in a refused bulk form, ticked again. */
  ticked?: Set<string>;
}

const queryString = (c: Context<ConsoleContext>) => new URL(c.req.url).search;

/** GET /console/risk/holds (and the answer to a bulk decision, with its outcomes). */
export async function holdsPage(c: Context<ConsoleContext>, state: QueueState = {}) {
  const viewer = viewerOf(c);
  const api = c.get("api");
  const filters = queueFiltersOf(c.req.query());
  const cursor = c.req.query("cursor") || undefined;
  const list = await api.get<{ holds: RiskHoldRow[]; nextCursor: string | null }>(HOLDS_API, {
    ...queueQuery(filters, viewer.timeZone),
    limit: PAGE_ROWS,
    cursor,
  });
  const canDecide = api.can("POST", BULK_DECISIONS_API) && filters.status === "active";
  const outcomes = new Map((state.results ?? []).map((r) => [holdKey(r.userId, r.holdId), r]));
  const failed = state.failed ?? null;
  const inline = failed?.problem.errors?.some((e) => e.path === "reason" || e.path === "decision");
  const rows = list.ok ? list.data.holds : [];
  const status = failed
    ? problemStatus(failed.problem.status)
    : list.ok
      ? 200
      : problemStatus(list.status);
  return c.html(
    <Page title="Risk review queue" current="risk" viewer={viewer}>
      <RiskTabs current="holds" />
      <Notice text={c.req.query("notice")} />
      {failed && !inline ? <ProblemNotice problem={failed.problem} /> : null}
      <p class="muted">
        Fraud rules and an unavailable scoring service hold what they must not let through: a user's
        payouts, a transaction, a referral. Nothing moves until a person decides. Releasing lets it
        go on at once (a held payout is dispatched); upholding keeps it held. Every decision needs a
        reason; the label trains the next rules.{" "}
        {api.can("POST", BULK_DECISIONS_API)
          ? ""
          : "Your role reads the queue; deciding needs the finance or admin role."}
      </p>
      <FindUser />
      <Filters f={filters} />
      {state.results ? <Outcomes results={state.results} /> : null}
      {!list.ok ? (
        <ProblemNotice problem={list.problem} />
      ) : rows.length === 0 ? (
        <EmptyState>
          {filters.status === "active" ? "No hold is waiting for review." : "No hold matches."}
        </EmptyState>
      ) : canDecide ? (
        <form method="post" action={`${RISK_BASE}/holds/decisions${queryString(c)}`}>
          <Csrf token={viewer.csrfToken} />
          <HoldsTable
            rows={rows}
            timeZone={viewer.timeZone}
            selectable
            ticked={state.ticked}
            outcomes={outcomes}
          />
          <fieldset class="panel">
            <legend>Decide the selected holds</legend>
            <DecisionFields idPrefix="bulk" failed={failed} />
            <button type="submit">Decide selected</button>
          </fieldset>
        </form>
      ) : (
        <HoldsTable rows={rows} timeZone={viewer.timeZone} selectable={false} outcomes={outcomes} />
      )}
      {list.ok ? (
        <Pager
          basePath={`${RISK_BASE}/holds`}
          query={{ ...filters }}
          nextCursor={list.data.nextCursor}
        />
      ) : null}
    </Page>,
    status,
  );
}

function FindUser() {
  return (
    <form class="filters" method="get" action={`${RISK_BASE}/users`}>
      <div class="field">
        <label for="f-risk-user">A user's risk (user id)</label>
        <input id="f-risk-user" name="id" type="search" required />
      </div>
      <button type="submit" class="secondary">
        Open
      </button>
    </form>
  );
}

/** A filter's choices with "any" (no filter) first. */
const orAny = (options: readonly string[]) => [{ value: "", label: "any" }, ...options];

function Filters({ f }: { f: QueueFilters }) {
  return (
    <form class="filters" method="get" action={`${RISK_BASE}/holds`}>
      <Select name="status" label="Status" options={HOLD_STATUSES} value={f.status} />
      <Select name="kind" label="Kind" options={orAny(HOLD_KINDS)} value={f.kind} />
      <Select name="source" label="Source" options={orAny(HOLD_SOURCES)} value={f.source} />
      <Field name="reason" label="Reason code" value={f.reason} />
      <Field name="userId" label="User id" value={f.userId} />
      <Select name="label" label="Label" options={orAny(LABELS)} value={f.label} />
      <Field name="from" label="Placed from" type="date" value={f.from} />
      <Field name="to" label="Placed to" type="date" value={f.to} />
      <div class="field">
        <button type="submit">Filter</button>
      </div>
    </form>
  );
}

function OutcomeBadge({ outcome }: { outcome: BulkOutcome }) {
  const tone = outcome === "decided" ? "ok" : outcome === "already" ? "" : "bad";
  return <span class={tone ? `badge ${tone}` : "badge"}>{OUTCOME_TEXTS[outcome]}</span>;
}

/** Each ticked hold's outcome, as the bulk decision answered it. */
function Outcomes({ results }: { results: BulkDecisionAnswer["results"] }) {
  const decided = results.filter((r) => r.outcome === "decided").length;
  return (
    <section class="panel" aria-label="Decision outcomes">
      <h2>Outcome</h2>
      <p role="status">
        {decided} of {results.length} {results.length === 1 ? "hold" : "holds"} decided.
      </p>
      <table>
        <caption class="visually-hidden">Outcome per hold</caption>
        <thead>
          <tr>
            <th scope="col">User</th>
            <th scope="col">Hold</th>
            <th scope="col">Outcome</th>
            <th scope="col">Status now</th>
          </tr>
        </thead>
        <tbody>
          {results.map((r) => (
            <tr>
              <td>
                <a href={riskUserHref(r.userId)}>{r.userId}</a>
              </td>
              <td>
                <code>{r.holdId}</code>
              </td>
              <td>
                <OutcomeBadge outcome={r.outcome} />
              </td>
              <td>{r.hold ? <Badge status={r.hold.status} /> : "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function HoldsTable(props: {
  rows: RiskHoldRow[];
  timeZone: string;
  selectable: boolean;
  ticked?: Set<string>;
  outcomes: Map<string, BulkDecisionAnswer["results"][number]>;
}) {
  const tz = props.timeZone;
  return (
    <table>
      <caption class="visually-hidden">Risk holds</caption>
      <thead>
        <tr>
          {props.selectable ? (
            <th scope="col">
              <span class="visually-hidden">Select</span>
            </th>
          ) : null}
          <th scope="col">User</th>
          <th scope="col">Holds</th>
          <th scope="col">Reasons</th>
          <th scope="col">Placed</th>
          <th scope="col">Ends by itself</th>
          <th scope="col">Status</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map((row) => {
          const key = holdKey(row.userId, row.holdId);
          const outcome = props.outcomes.get(key);
          // The queue is a projection that follows the wallet a moment later: a hold just
          // decided is shown as its wallet answered, not as the queue still lists it.
          const h = outcome?.hold ? { ...row, ...outcome.hold } : row;
          const boxId = `pick-${key.replace(/[^A-Za-z0-9_-]/g, "-")}`;
          return (
            <tr>
              {props.selectable ? (
                <td>
                  {h.status === "active" ? (
                    <>
                      <input
                        type="checkbox"
                        id={boxId}
                        name="hold"
                        value={key}
                        checked={props.ticked?.has(key)}
                      />
                      <label for={boxId} class="visually-hidden">
                        Select hold {h.holdId} of {h.userId}
                      </label>
                    </>
                  ) : null}
                </td>
              ) : null}
              <td>
                <a href={riskUserHref(h.userId)}>{h.userId}</a>
              </td>
              <td>
                <HoldSubject hold={h} />
                <div class="muted">
                  <code>{h.holdId}</code>
                  <br />
                  {h.source}
                  {h.ruleId ? ` · ${h.ruleId}${h.ruleVersion ? ` v${h.ruleVersion}` : ""}` : ""}
                </div>
              </td>
              <td>
                <ReasonList reasons={h.reasons} />
              </td>
              <td>
                <DateTime at={h.placedAtMs} timeZone={tz} />
              </td>
              <td>
                <DateTime at={h.autoReleaseAtMs} timeZone={tz} />
              </td>
              <td>
                <Badge status={h.status} />
                {outcome ? (
                  <div>
                    <OutcomeBadge outcome={outcome.outcome} />
                  </div>
                ) : null}
                {h.status !== "active" ? <HoldOutcome hold={h} timeZone={tz} /> : null}
                {h.status === "active" && h.label ? (
                  <span class="badge">{LABEL_TEXTS[h.label]}</span>
                ) : null}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** POST /console/risk/holds/decisions: the ticked holds decided at once through the API. */
export async function decideBulk(c: Context<ConsoleContext>) {
  const body = await c.req.parseBody({ all: true });
  const holds = selectedHolds(body.hold);
  const form = decisionFormOf(
    Object.fromEntries(Object.entries(body).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v])),
  );
  const result = await c.get("api").send<BulkDecisionAnswer>("POST", BULK_DECISIONS_API, {
    holds,
    decision: form.decision,
    reason: form.reason,
    ...(form.label ? { label: form.label } : {}),
  });
  if (result.ok) return holdsPage(c, { results: result.data.results });
  return holdsPage(c, {
    failed: { key: BULK_KEY, problem: result.problem, form },
    ticked: new Set(holds.map((h) => holdKey(h.userId, h.holdId))),
  });
}
