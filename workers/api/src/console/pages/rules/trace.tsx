import { Money } from "../../views/components";
import { ResultBadge, RULES_BASE } from "./parts";
import { conditionRows, effectSummary, formatFactorBps, unitValue } from "./summary";
import type { AppliedEffectView, BudgetCapView, BudgetUsage, Simulation } from "./types";

/** The simulator's answer as tables: what applied, then every rule's trace (docs/rules.md). */

const count = (n: number) => new Intl.NumberFormat("en").format(n);

function EffectValue({ a }: { a: AppliedEffectView }) {
  if (a.pointsAsked !== undefined) return <span>{count(a.pointsAsked)} points</span>;
  if (a.cashbackAskedMinor !== undefined && a.currency) {
    return <Money amountMinor={a.cashbackAskedMinor} currency={a.currency} />;
  }
  return <span class="muted">—</span>;
}

/**
 * What each budget key holds now (read from its object when the page was made): null when
 * nothing has drawn on it yet, undefined when it was not read.
 */
export type BudgetsNow = ReadonlyMap<string, BudgetUsage | null>;

/** A budget key, linked to its use on the budgets page, with what remains of it now. */
function BudgetKeyLink({ budgetKey, now }: { budgetKey: string; now: BudgetsNow }) {
  const usage = now.get(budgetKey);
  return (
    <>
      <a href={`${RULES_BASE}/budgets?key=${encodeURIComponent(budgetKey)}`}>
        <code>{budgetKey}</code>
      </a>
      {usage === undefined ? null : (
        <div class="muted">
          {usage === null
            ? "nothing drawn on it yet"
            : `${unitValue(usage.remaining, usage.unit)} of ${unitValue(usage.limit, usage.unit)} remaining now`}
        </div>
      )}
    </>
  );
}

export function AppliedTable({
  applied,
  budgetsNow,
}: {
  applied: AppliedEffectView[];
  budgetsNow: BudgetsNow;
}) {
  if (applied.length === 0) {
    return <p class="empty">No effect: no rule applied to this event.</p>;
  }
  const points = applied.reduce((sum, a) => sum + (a.pointsAsked ?? 0), 0);
  return (
    <>
      <table>
        <caption>Effects</caption>
        <thead>
          <tr>
            <th scope="col">Rule</th>
            <th scope="col">Group</th>
            <th scope="col">Effect</th>
            <th scope="col" class="num">
              Value
            </th>
            <th scope="col">Budgets it would draw on</th>
          </tr>
        </thead>
        <tbody>
          {applied.map((a) => (
            <tr>
              <td>
                <code>{a.ruleId}</code> <span class="muted">v{a.ruleVersion}</span>
              </td>
              <td>{a.group}</td>
              <td>{effectSummary(a.effect)}</td>
              <td class="num">
                <EffectValue a={a} />
              </td>
              <td>
                {a.budgetKeys.length === 0 ? (
                  <span class="muted">none</span>
                ) : (
                  <ul class="plain">
                    {a.budgetKeys.map((k) => (
                      <li>
                        <BudgetKeyLink budgetKey={k} now={budgetsNow} />
                      </li>
                    ))}
                  </ul>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {points > 0 ? (
        <p>
          In all: <strong>{count(points)} points</strong>.
        </p>
      ) : null}
    </>
  );
}

function ConditionsTable({ rule }: { rule: Simulation["trace"]["rules"][number] }) {
  const rows = conditionRows(rule.conditions as Parameters<typeof conditionRows>[0]);
  if (rows.length === 0) {
    return <p class="muted">Conditions not evaluated: the rule is out of its schedule.</p>;
  }
  return (
    <table class="trace">
      <caption class="visually-hidden">Conditions of {rule.ruleId}</caption>
      <thead>
        <tr>
          <th scope="col">Condition</th>
          <th scope="col">Expected</th>
          <th scope="col">Actual</th>
          <th scope="col">Result</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr>
            <td class={`depth-${Math.min(r.depth, 6)}`}>
              <code>{r.test}</code>
            </td>
            <td>
              <code>{r.expected}</code>
            </td>
            <td>
              <code>{r.actual}</code>
            </td>
            <td>
              <ResultBadge result={r.result} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const SCHEDULE_TEXT: Record<string, string> = {
  in: "in schedule",
  not_started: "not started yet",
  ended: "ended",
};

export function TraceSection({ sim }: { sim: Simulation }) {
  const t = sim.trace;
  return (
    <section class="panel" aria-labelledby="trace-heading">
      <h2 id="trace-heading">Trace</h2>
      <p>
        Version {t.version} in <code>{t.timeZone}</code>, event type{" "}
        <code>{t.eventType ?? "—"}</code>
        {t.local ? (
          <>
            ; the event's local time: {t.local.date} ({t.local.dayOfWeek}) {t.local.time}
          </>
        ) : null}
        . Budget caps are not simulated: each effect names the budgets it would draw on, with what
        remains of them now.
      </p>
      {t.rules.length === 0 ? (
        <p class="empty">No rule listens to this event type.</p>
      ) : (
        t.rules.map((r) => (
          <article class="trace-rule" aria-labelledby={`rule-${r.ruleId}`}>
            <h3 id={`rule-${r.ruleId}`}>
              <code>{r.ruleId}</code> {r.name} <ResultBadge result={r.outcome} />
            </h3>
            <dl class="facts">
              <dt>Group</dt>
              <dd>
                {r.group} ({r.mode}), priority {r.priority}
              </dd>
              <dt>Schedule</dt>
              <dd>{SCHEDULE_TEXT[r.schedule.status] ?? r.schedule.status}</dd>
              <dt>Effects</dt>
              <dd>{r.effects.map(effectSummary).join("; ")}</dd>
              {r.outrankedBy ? (
                <>
                  <dt>Dropped by stacking</dt>
                  <dd>
                    outranked by <code>{r.outrankedBy}</code> in {r.mode} group {r.group}
                  </dd>
                </>
              ) : null}
              {r.rankValue !== undefined ? (
                <>
                  <dt>Rank value</dt>
                  <dd>{count(r.rankValue)}</dd>
                </>
              ) : null}
            </dl>
            <ConditionsTable rule={r} />
          </article>
        ))
      )}
      {t.multipliers.length > 0 ? (
        <table>
          <caption>Multipliers</caption>
          <thead>
            <tr>
              <th scope="col">Applies to</th>
              <th scope="col" class="num">
                Base
              </th>
              <th scope="col">Factors</th>
              <th scope="col" class="num">
                Total
              </th>
              <th scope="col" class="num">
                Bonus
              </th>
            </tr>
          </thead>
          <tbody>
            {t.multipliers.map((m) => (
              <tr>
                <td>
                  {m.appliesTo}
                  {m.currency ? ` (${m.currency})` : ""}
                </td>
                <td class="num">{count(m.base)}</td>
                <td>{m.factorsBps.map(formatFactorBps).join(" ")}</td>
                <td class="num">{count(m.total)}</td>
                <td class="num">{count(m.bonus)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

/** The facts the rules saw, as a two-column table. */
export function FactsTable({ facts }: { facts: Record<string, unknown> }) {
  return (
    <table>
      <caption>Facts the rules saw</caption>
      <thead>
        <tr>
          <th scope="col">Attribute</th>
          <th scope="col">Value</th>
        </tr>
      </thead>
      <tbody>
        {Object.entries(facts)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([k, v]) => (
            <tr>
              <td>
                <code>{k}</code>
              </td>
              <td>
                <code>{JSON.stringify(v)}</code>
              </td>
            </tr>
          ))}
      </tbody>
    </table>
  );
}

function UnitValue({ unit, value }: { unit: string; value: number }) {
  return unit === "points" ? (
    <span>{count(value)} points</span>
  ) : (
    <Money amountMinor={value} currency={unit} />
  );
}

/**
 * What the wallet would be granted for each budgeted reward now (the API's own answer: the
 * budgets' use read, nothing reserved), with why a reward would be capped, and the effects
 * the wallet would not pay at all.
 */
export function BudgetCapsTable({
  caps,
  notPaid,
}: {
  caps: readonly BudgetCapView[];
  notPaid: Simulation["notPaid"];
}) {
  if (caps.length === 0 && notPaid.length === 0) return null;
  return (
    <>
      {caps.length > 0 ? (
        <table>
          <caption>Budgets: what would be granted now</caption>
          <thead>
            <tr>
              <th scope="col">Rule</th>
              <th scope="col" class="num">
                Asked
              </th>
              <th scope="col" class="num">
                Would be granted
              </th>
              <th scope="col">Why less</th>
            </tr>
          </thead>
          <tbody>
            {caps.map((cap) => (
              <tr>
                <td>
                  <code>{cap.ruleId}</code>
                </td>
                <td class="num">
                  <UnitValue unit={cap.unit} value={cap.asked} />
                </td>
                <td class="num">
                  <UnitValue unit={cap.unit} value={cap.wouldGrant} />
                </td>
                <td>{cap.reason ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {notPaid.length > 0 ? (
        <ul>
          {notPaid.map((n) => (
            <li>
              <code>{n.ruleId}</code> would not be paid: {n.detail}
            </li>
          ))}
        </ul>
      ) : null}
    </>
  );
}
