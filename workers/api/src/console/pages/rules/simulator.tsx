import type { Context } from "hono";
import type { ProblemBody } from "#shared/http/errors";
import type { ConsoleContext } from "../../context";
import { DateTime, Field, ProblemNotice } from "../../views/components";
import { Csrf, Page } from "../../views/layout";
import { viewerOf } from "../../views/viewer";
import { errorAt, Select } from "../catalog/parts";
import { consoleProblem, JsonEditor, problemStatus, RULES_BASE, RulesTabs } from "./parts";
import { AppliedTable, BudgetCapsTable, type BudgetsNow, FactsTable, TraceSection } from "./trace";
import { BUDGETS_API, type BudgetUsage, RULES_API, type Simulation } from "./types";

/**
 * /console/rules/simulate: an event (JSON, as a backend sends it), a user id, live or draft,
 * and what the wallet would know of the user; POST …/rules/simulate answers with the effects
 * and the trace, shown as tables. It writes nothing, so every role may use it.
 */

const FIELDS = [
  "event",
  "userId",
  "against",
  "tier",
  "segments",
  "accountAgeDays",
  "countOfKindThisMonth",
] as const;
type Values = Partial<Record<(typeof FIELDS)[number], string>>;

/** The prefilled event: a purchase of 2,500.00 now (its id and time are the operator's to change). */
export function sampleEvent(nowMs: number): string {
  const event = {
    id: "sim-purchase-1",
    type: "purchase.completed",
    userId: "sim-user",
    occurredAt: new Date(nowMs).toISOString(),
    data: {
      amountMinor: 250_000,
      currency: "INR",
      orderId: "sim-order-1",
      category: "electronics",
    },
  };
  return JSON.stringify(event, null, 2);
}

interface SimState {
  values: Values;
  problem?: ProblemBody;
  result?: Simulation;
  budgetsNow?: BudgetsNow;
  status?: 400 | 403 | 404 | 409 | 413 | 503;
}

function simulatorPage(c: Context<ConsoleContext>, state: SimState) {
  const viewer = viewerOf(c);
  const v = state.values;
  const p = state.problem;
  // Problems beside a field are shown there; the rest (no live version, a refusal) on top.
  const placed = ["event", "user", "context", "against"];
  const isPlaced = (path: string) => placed.some((f) => path === f || path.startsWith(`${f}.`));
  const rest = (p?.errors ?? []).filter((e) => !isPlaced(e.path));
  const unplaced = !p
    ? undefined
    : !p.errors?.length
      ? p
      : rest.length > 0
        ? { ...p, errors: rest }
        : undefined;
  const sim = state.result;
  return c.html(
    <Page title="Rules · Simulator" current="rules" viewer={viewer}>
      <RulesTabs current="simulate" />
      <p>
        Evaluates one event against the live rules or the draft and shows what each rule would do,
        and why. Nothing is written: no points, no budget, no audit entry.
      </p>
      <ProblemNotice problem={unplaced} />
      <form method="post" action={`${RULES_BASE}/simulate`} class="entity-form">
        <Csrf token={viewer.csrfToken} />
        <JsonEditor
          name="event"
          label="Event (JSON, as your backend sends it to POST /v1/events)"
          value={v.event ?? ""}
          rows={12}
          problem={p}
          pathPrefix="event"
        />
        <Field
          name="userId"
          label="User id"
          value={v.userId}
          hint="replaces the event's userId (user budgets are keyed by it); empty: the event's own"
          error={errorAt(p, "event.userId")}
        />
        <Select
          name="against"
          label="Evaluate against"
          options={[
            { value: "live", label: "the live version" },
            { value: "draft", label: "the draft" },
          ]}
          value={v.against ?? "live"}
          error={errorAt(p, "against")}
        />
        <fieldset>
          <legend>What the wallet would know (optional)</legend>
          <Field
            name="tier"
            label="Tier"
            value={v.tier}
            hint="e.g. gold"
            error={errorAt(p, "user.tier")}
          />
          <Field
            name="segments"
            label="Segments"
            value={v.segments}
            hint="comma-separated, e.g. students, new"
            error={errorAt(p, "user.segments")}
          />
          <Field
            name="accountAgeDays"
            label="Account age (days)"
            type="number"
            value={v.accountAgeDays}
            error={errorAt(p, "user.accountAgeDays")}
          />
          <Field
            name="countOfKindThisMonth"
            label="Events of this type earlier this month"
            type="number"
            value={v.countOfKindThisMonth}
            hint="0 makes it the first of its kind this month"
            error={errorAt(p, "context.countOfKindThisMonth")}
          />
        </fieldset>
        <button type="submit">Simulate</button>
      </form>
      {sim ? (
        <section class="panel" aria-labelledby="result-heading">
          <h2 id="result-heading">Result</h2>
          <p>
            Evaluated against {sim.against === "live" ? "live version" : "the draft, as version"}{" "}
            {sim.version}; schedules and budget periods judged at{" "}
            <DateTime at={sim.nowAt} timeZone={viewer.timeZone} />.
          </p>
          <AppliedTable applied={sim.applied} budgetsNow={state.budgetsNow ?? new Map()} />
          <BudgetCapsTable caps={sim.budgets} notPaid={sim.notPaid} />
        </section>
      ) : null}
      {sim ? <TraceSection sim={sim} /> : null}
      {sim ? (
        <details>
          <summary>Facts and raw answer</summary>
          <FactsTable facts={sim.facts} />
          <pre class="raw">{JSON.stringify(sim, null, 2)}</pre>
        </details>
      ) : null}
    </Page>,
    state.status ?? 200,
  );
}

/** GET /console/rules/simulate: the form, prefilled with a sample purchase. */
export function simulatorForm(c: Context<ConsoleContext>) {
  return simulatorPage(c, {
    values: {
      event: sampleEvent(Date.now()),
      userId: "sim-user",
      against: c.req.query("against") ?? "live",
    },
  });
}

/** At most this many budgets are read for one simulation (a rule has at most six). */
const MAX_BUDGETS_READ = 24;

/**
 * What remains now of each budget the applied effects would draw on, read from the budget
 * objects (GET /admin/v1/budgets/{key}): the simulator does not apply caps, so the operator
 * sees beside each key whether there is room.
 */
async function budgetsOfEffects(c: Context<ConsoleContext>, sim: Simulation): Promise<BudgetsNow> {
  const keys = [...new Set(sim.applied.flatMap((a) => a.budgetKeys))].slice(0, MAX_BUDGETS_READ);
  const api = c.get("api");
  const entries = await Promise.all(
    keys.map(async (key) => {
      const usage = await api.get<BudgetUsage>(`${BUDGETS_API}/${encodeURIComponent(key)}`);
      if (usage.ok) return [key, usage.data] as const;
      return usage.status === 404 ? ([key, null] as const) : null;
    }),
  );
  return new Map(entries.filter((e) => e !== null));
}

const str = (v: unknown) => (typeof v === "string" ? v : "");
const optionalInt = (text: string | undefined) =>
  text === undefined || text.trim() === "" ? undefined : Number(text.trim());

/** POST /console/rules/simulate: the API's simulation of the form's event, or its problems. */
export async function simulateFromForm(c: Context<ConsoleContext>) {
  const form = await c.req.parseBody();
  const values: Values = {};
  for (const f of FIELDS) values[f] = str(form[f]);
  let event: unknown;
  try {
    event = JSON.parse(values.event ?? "");
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const problem = consoleProblem([{ path: "event", message: `not JSON: ${message}` }]);
    return simulatorPage(c, { values, problem, status: 400 });
  }
  if (typeof event !== "object" || event === null || Array.isArray(event)) {
    const problem = consoleProblem([{ path: "event", message: "an event is one JSON object" }]);
    return simulatorPage(c, { values, problem, status: 400 });
  }
  const userId = values.userId?.trim();
  const segments = (values.segments ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const user = {
    ...(values.tier?.trim() ? { tier: values.tier.trim() } : {}),
    ...(segments.length > 0 ? { segments } : {}),
    ...(optionalInt(values.accountAgeDays) === undefined
      ? {}
      : { accountAgeDays: optionalInt(values.accountAgeDays) }),
  };
  const count = optionalInt(values.countOfKindThisMonth);
  const body = {
    event: userId ? { ...event, userId } : event,
    against: values.against === "draft" ? "draft" : "live",
    user,
    ...(count === undefined ? {} : { context: { countOfKindThisMonth: count } }),
  };
  const result = await c.get("api").send<Simulation>("POST", `${RULES_API}/simulate`, body);
  if (result.ok) {
    const budgetsNow = await budgetsOfEffects(c, result.data);
    return simulatorPage(c, { values, result: result.data, budgetsNow });
  }
  return simulatorPage(c, {
    values,
    problem: result.problem,
    status: problemStatus(result.status),
  });
}
