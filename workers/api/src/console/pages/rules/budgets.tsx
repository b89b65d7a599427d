import type { Context } from "hono";
import type { ApiResult } from "../../admin-api";
import type { ConsoleContext } from "../../context";
import { DateTime, EmptyState, Field, ProblemNotice } from "../../views/components";
import { Page } from "../../views/layout";
import { viewerOf } from "../../views/viewer";
import { errorAt, Select } from "../catalog/parts";
import { budgetsOf, type LookupInput, lookupKey } from "./budget-keys";
import { consoleProblem, RULES_BASE, RulesTabs } from "./parts";
import { budgetSummary, limitSummary, unitValue } from "./summary";
import { BUDGETS_API, type BudgetUsage, RULES_API, type RuleVersion } from "./types";

/**
 * /console/rules/budgets: the use of every budget of the live rules that does not depend on a
 * user (global, campaign) in its current period, and a look-up of any budget key (a user's,
 * or another period's), each read from its budget object through GET /admin/v1/budgets/{key}.
 */

type Usage = ApiResult<BudgetUsage>;

const readUsage = (c: Context<ConsoleContext>, key: string): Promise<Usage> =>
  c.get("api").get<BudgetUsage>(`${BUDGETS_API}/${encodeURIComponent(key)}`);

/** One budget's use in a row's cells: asked, granted, released, remaining, limit. */
function UsageCells({ usage }: { usage: Usage }) {
  if (!usage.ok) {
    return (
      <td colspan={5} class="muted">
        {usage.status === 404 ? "nothing drawn on it this period" : usage.problem.detail}
      </td>
    );
  }
  const u = usage.data;
  return (
    <>
      <td class="num">{unitValue(u.askedTotal, u.unit)}</td>
      <td class="num">{unitValue(u.grantedTotal, u.unit)}</td>
      <td class="num">{unitValue(u.releasedTotal, u.unit)}</td>
      <td class="num">{unitValue(u.remaining, u.unit)}</td>
      <td class="num">{unitValue(u.limit, u.unit)}</td>
    </>
  );
}

function UsageFacts({ u, timeZone }: { u: BudgetUsage; timeZone: string }) {
  return (
    <dl class="facts">
      <dt>Key</dt>
      <dd>
        <code>{u.budgetKey}</code>
      </dd>
      <dt>Rule</dt>
      <dd>
        <code>{u.ruleId}</code>
      </dd>
      <dt>Entity</dt>
      <dd>
        {u.entity}
        {u.entityId ? ` ${u.entityId}` : ""}
      </dd>
      <dt>Period</dt>
      <dd>{u.periodKey}</dd>
      <dt>Asked for</dt>
      <dd>
        {unitValue(u.askedTotal, u.unit)} by {u.reservations} rewards ({u.partialReservations}{" "}
        granted less than they asked)
      </dd>
      <dt>Granted</dt>
      <dd>{unitValue(u.grantedTotal, u.unit)}</dd>
      <dt>Released</dt>
      <dd>{unitValue(u.releasedTotal, u.unit)}</dd>
      <dt>Outstanding</dt>
      <dd>
        {unitValue(u.outstanding, u.unit)}
        {u.overLimit > 0 ? ` (${unitValue(u.overLimit, u.unit)} over a lowered limit)` : ""}
      </dd>
      <dt>Remaining</dt>
      <dd>{unitValue(u.remaining, u.unit)}</dd>
      <dt>Limit</dt>
      <dd>
        {unitValue(u.limit, u.unit)}
        {u.limitVersion > 0 ? ` (from rule version ${u.limitVersion})` : ""}
      </dd>
      <dt>Updated</dt>
      <dd>
        <DateTime at={u.updatedAt} timeZone={timeZone} />
      </dd>
    </dl>
  );
}

const ENTITIES = ["user", "campaign", "global"] as const;
const PERIODS = ["day", "week", "month", "lifetime"] as const;

function pick<T extends string>(value: string | undefined, options: readonly T[], fallback: T): T {
  return options.find((o) => o === value) ?? fallback;
}

/** GET /console/rules/budgets (with `key`, or the look-up form's fields, to look one up). */
export async function budgetsPage(c: Context<ConsoleContext>) {
  const viewer = viewerOf(c);
  const api = c.get("api");
  const nowMs = Date.now();
  const live = await api.get<RuleVersion>(`${RULES_API}/live`);
  const ruleSet = live.ok ? live.data.ruleSet : null;
  const known = ruleSet ? budgetsOf(ruleSet, nowMs) : [];
  const usages = await Promise.all(known.map(async (b) => (b.key ? readUsage(c, b.key) : null)));

  // The look-up: a key as given (from the simulator's links), or one built from the form.
  const q = (name: string) => c.req.query(name)?.trim() ?? "";
  const input: LookupInput = {
    ruleId: q("ruleId"),
    entity: pick(q("entity"), ENTITIES, "user"),
    entityId: q("entityId"),
    period: pick(q("period"), PERIODS, "month"),
    date: q("date"),
  };
  const asked = q("key") !== "" || q("ruleId") !== "" || c.req.query("lookup") !== undefined;
  let lookup: { key: string; usage: Usage } | null = null;
  let lookupProblem = undefined as ReturnType<typeof consoleProblem> | undefined;
  if (q("key") !== "") {
    lookup = { key: q("key"), usage: await readUsage(c, q("key")) };
  } else if (asked) {
    const built = lookupKey(input, ruleSet?.timeZone ?? "UTC", nowMs);
    if (built.ok) lookup = { key: built.key, usage: await readUsage(c, built.key) };
    else lookupProblem = consoleProblem(built.errors);
  }
  const lookupFailed =
    lookupProblem ??
    (lookup && !lookup.usage.ok && lookup.usage.status !== 404 ? lookup.usage.problem : undefined);
  const ruleOptions = [
    { value: "", label: "choose a rule" },
    ...(ruleSet?.rules ?? []).map((r) => ({ value: r.id, label: `${r.id} (${r.name})` })),
  ];

  return c.html(
    <Page title="Rules · Budgets" current="rules" viewer={viewer}>
      <RulesTabs current="budgets" />
      <p>
        Each budget is counted by its own budget object, one per rule, entity and period in the
        rules' time zone
        {ruleSet ? (
          <>
            {" "}
            (<code>{ruleSet.timeZone}</code>)
          </>
        ) : null}
        ; a new period starts at zero.
      </p>
      <h2>Budgets of the live rules, this period</h2>
      {!live.ok ? (
        live.status === 404 ? (
          <EmptyState>No rule set is live yet.</EmptyState>
        ) : (
          <ProblemNotice problem={live.problem} />
        )
      ) : known.length === 0 ? (
        <EmptyState>No live rule has a budget.</EmptyState>
      ) : (
        <table>
          <caption class="visually-hidden">Budgets of live version {live.data.version}</caption>
          <thead>
            <tr>
              <th scope="col">Rule</th>
              <th scope="col">Budget</th>
              <th scope="col">Period</th>
              <th scope="col" class="num">
                Asked
              </th>
              <th scope="col" class="num">
                Granted
              </th>
              <th scope="col" class="num">
                Released
              </th>
              <th scope="col" class="num">
                Remaining
              </th>
              <th scope="col" class="num">
                Limit
              </th>
            </tr>
          </thead>
          <tbody>
            {known.map((b, i) => {
              const usage = usages[i] ?? null;
              return (
                <tr>
                  <td>
                    <code>{b.ruleId}</code>
                    <div class="muted">{b.ruleName}</div>
                  </td>
                  <td>{budgetSummary(b.budget)}</td>
                  <td>
                    {b.key ? (
                      <a href={`${RULES_BASE}/budgets?key=${encodeURIComponent(b.key)}`}>
                        <code>{b.period}</code>
                      </a>
                    ) : (
                      <code>{b.period}</code>
                    )}
                  </td>
                  {usage ? (
                    <UsageCells usage={usage} />
                  ) : (
                    <td colspan={5} class="muted">
                      one budget per user, of {limitSummary(b.budget.limit)}: look one up below
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <section class="panel" aria-labelledby="lookup-heading">
        <h2 id="lookup-heading">Look up a budget</h2>
        <form method="get" action={`${RULES_BASE}/budgets`} class="filters">
          <input type="hidden" name="lookup" value="1" />
          <Select
            name="ruleId"
            label="Rule"
            options={ruleOptions}
            value={input.ruleId}
            error={errorAt(lookupProblem, "ruleId")}
          />
          <Select name="entity" label="Per" options={ENTITIES} value={input.entity} />
          <Field
            name="entityId"
            label="User or campaign id"
            value={input.entityId}
            error={errorAt(lookupProblem, "entityId")}
          />
          <Select name="period" label="Period" options={PERIODS} value={input.period} />
          <Field
            name="date"
            label="A day in the period"
            type="date"
            value={input.date}
            hint="empty: the current period"
            error={errorAt(lookupProblem, "date")}
          />
          <div class="field">
            <button type="submit">Look up</button>
          </div>
        </form>
        {lookupFailed && !lookupProblem ? <ProblemNotice problem={lookupFailed} /> : null}
        {lookup?.usage.ok ? (
          <UsageFacts u={lookup.usage.data} timeZone={viewer.timeZone} />
        ) : lookup && lookup.usage.status === 404 ? (
          <p>
            Nothing has drawn on <code>{lookup.key}</code> yet.
          </p>
        ) : null}
      </section>
    </Page>,
    lookupFailed ? (lookupFailed.status === 400 ? 400 : 200) : 200,
  );
}
