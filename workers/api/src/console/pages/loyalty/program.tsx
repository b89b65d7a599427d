import type { Context } from "hono";
import { Hono } from "hono";
import type { ProblemBody } from "#shared/http/errors";
import type { ProgramSettings } from "#shared/loyalty/program-settings";
import type { ConsoleContext } from "../../context";
import { formatMoney } from "../../format/money";
import { Badge, DateTime, EmptyState, Field, Notice, ProblemNotice } from "../../views/components";
import { Csrf, Page } from "../../views/layout";
import { viewerOf } from "../../views/viewer";
import {
  Checkbox,
  errorAt,
  type FormState,
  formProblem,
  formText,
  type PageStatus,
  pageStatus,
  Select,
  TextArea,
} from "../catalog/parts";
import {
  benefitsText,
  codesOf,
  EMPTY_TIER_ROWS,
  MAX_TIER_ROWS,
  programBody,
  programValues,
  tierRowsIn,
} from "./program-form";

/**
 * /console/loyalty (docs/console.md, Loyalty program): the program's settings as a form saved
 * through `PUT /admin/v1/loyalty/program` (errors beside their fields, a lost update refused),
 * the version history, and the voucher pools with their counts and a code upload. Everything
 * goes through the admin API as the signed-in operator; catalog and admin may change it.
 */

export const LOYALTY_BASE = "/console/loyalty";
const PROGRAM_API = "/admin/v1/loyalty/program";
const POOLS_API = "/admin/v1/loyalty/voucher-pools";

interface Program {
  version: number;
  settings: ProgramSettings;
  savedAt: string | null;
  savedBy: string | null;
  note: string | null;
}

interface Version {
  version: number;
  savedAt: string;
  savedBy: string;
  note: string | null;
  current: boolean;
  settings: ProgramSettings;
}

interface Pool {
  id: string;
  name: string;
  pointsCost: number;
  active: boolean;
  createdAt: string;
  codes: { total: number; issued: number; left: number };
}

/** Which of the page's forms came back with a problem, and what was typed in it. */
interface PageState {
  settings?: FormState;
  pool?: FormState;
  codes?: { poolId: string } & FormState;
}

const ROUND_UP = [
  { value: "", label: "no rounding" },
  { value: "month", label: "end of the month" },
  { value: "quarter", label: "end of the quarter" },
  { value: "half_year", label: "end of the half-year" },
  { value: "year", label: "end of the year" },
] as const;

const FROM = [
  { value: "earn", label: "the earn" },
  { value: "activation", label: "activation (after the pending period)" },
] as const;

const S = "settings";

/** The messages at exactly these paths (not inside them): problems of the tiers as a whole. */
function exactError(problem: ProblemBody | null | undefined, ...paths: string[]) {
  const messages = (problem?.errors ?? [])
    .filter((e) => paths.includes(e.path))
    .map((e) => e.message);
  return messages.length > 0 ? messages.join("; ") : undefined;
}

function TierRows({ values, problem }: { values: Record<string, string>; problem?: ProblemBody }) {
  const rows = Math.min(MAX_TIER_ROWS, Math.max(tierRowsIn(values), 1) + EMPTY_TIER_ROWS);
  let apiIndex = 0;
  return (
    <table class="tiers">
      <caption>Tiers, lowest first (clear a name to remove a tier)</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Qualifying spend from</th>
          <th scope="col">Benefits</th>
        </tr>
      </thead>
      <tbody>
        {Array.from({ length: rows }, (_, i) => {
          // The API numbers the tiers sent: rows with a name, in order.
          const named = (values[`tier-${i}-name`] ?? "").trim() !== "";
          const error = named ? errorAt(problem, `${S}.tiers.tiers.${apiIndex++}`) : undefined;
          return (
            <tr>
              <td>
                <label class="visually-hidden" for={`f-tier-${i}-name`}>
                  Tier {i + 1} name
                </label>
                <input
                  id={`f-tier-${i}-name`}
                  name={`tier-${i}-name`}
                  value={values[`tier-${i}-name`] ?? ""}
                  aria-invalid={error ? "true" : undefined}
                  aria-describedby={error ? `f-tier-${i}-error` : undefined}
                />
              </td>
              <td>
                <label class="visually-hidden" for={`f-tier-${i}-threshold`}>
                  Tier {i + 1} qualifying spend
                </label>
                <input
                  id={`f-tier-${i}-threshold`}
                  name={`tier-${i}-threshold`}
                  inputmode="decimal"
                  value={values[`tier-${i}-threshold`] ?? ""}
                  aria-invalid={error ? "true" : undefined}
                  aria-describedby={error ? `f-tier-${i}-error` : undefined}
                />
              </td>
              <td>
                <label class="visually-hidden" for={`f-tier-${i}-benefits`}>
                  Tier {i + 1} benefits
                </label>
                <input
                  id={`f-tier-${i}-benefits`}
                  name={`tier-${i}-benefits`}
                  value={values[`tier-${i}-benefits`] ?? ""}
                  placeholder="pointsMultiplierBps=12500; lounge=true"
                />
                {error ? (
                  <div class="error" id={`f-tier-${i}-error`}>
                    {error}
                  </div>
                ) : null}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function SettingsForm(props: { state: FormState; csrfToken: string }) {
  const v = props.state.values ?? {};
  const p = props.state.problem;
  return (
    <form method="post" action={LOYALTY_BASE} class="entity-form" id="program-form">
      <Csrf token={props.csrfToken} />
      <input type="hidden" name="expectedVersion" value={v.expectedVersion ?? ""} />
      <ProblemNotice problem={p} />
      <fieldset>
        <legend>Calendar and currency</legend>
        <Field
          name="timeZone"
          label="Time zone"
          required
          value={v.timeZone}
          hint="IANA, such as Asia/Kolkata: validity days and tier windows are local"
          error={errorAt(p, `${S}.timeZone`)}
        />
        <Field
          name="currency"
          label="Currency"
          required
          value={v.currency}
          hint="ISO 4217, such as INR: qualifying spend and points-bought cashback"
          error={errorAt(p, `${S}.currency`)}
        />
      </fieldset>
      <fieldset>
        <legend>Points</legend>
        <Field
          name="validityPeriod"
          label="Validity period"
          required
          value={v.validityPeriod}
          hint="how long earned points last: 12M, 90D or 1Y"
          error={errorAt(p, `${S}.points.validity.period`)}
        />
        <Select
          name="validityRoundUpTo"
          label="Round the last day up to"
          options={ROUND_UP}
          value={v.validityRoundUpTo}
          error={errorAt(p, `${S}.points.validity.roundUpTo`)}
        />
        <Select
          name="validityFrom"
          label="Count validity from"
          options={FROM}
          value={v.validityFrom}
          error={errorAt(p, `${S}.points.validity.from`)}
        />
        <Field
          name="pendingDays"
          label="Pending days"
          type="number"
          value={v.pendingDays}
          hint="days earned points stay pending (the return window); 0: spendable at once"
          error={errorAt(p, `${S}.points.pendingDays`)}
        />
      </fieldset>
      <fieldset>
        <legend>Redemption</legend>
        <Checkbox
          name="cashbackEnabled"
          label="Members may convert points into cashback"
          checked={v.cashbackEnabled === "on"}
          error={errorAt(p, `${S}.points.redemption.cashback`)}
        />
        <Field
          name="cashbackPoints"
          label="Points"
          type="number"
          value={v.cashbackPoints}
          hint="this many points …"
          error={errorAt(p, `${S}.points.redemption.cashback.points`)}
        />
        <Field
          name="cashbackAmount"
          label="Buy this much cashback"
          value={v.cashbackAmount}
          hint="in the program's currency, such as 0.50"
          error={errorAt(p, `${S}.points.redemption.cashback.amountMinor`)}
        />
        <Field
          name="minPoints"
          label="Minimum points per redemption"
          type="number"
          value={v.minPoints}
          error={errorAt(p, `${S}.points.redemption.minPoints`)}
        />
      </fieldset>
      <fieldset>
        <legend>Tiers</legend>
        <Checkbox
          name="tiersEnabled"
          label="Tiers are on"
          checked={v.tiersEnabled === "on"}
          error={errorAt(p, `${S}.tiers.enabled`)}
        />
        <TierRows values={v} problem={p ?? undefined} />
        {exactError(p, `${S}.tiers.tiers`, `${S}.tiers`) ? (
          <div class="error">{exactError(p, `${S}.tiers.tiers`, `${S}.tiers`)}</div>
        ) : null}
        <Field
          name="windowMonths"
          label="Rolling window (months)"
          type="number"
          value={v.windowMonths}
          error={errorAt(p, `${S}.tiers.windowMonths`)}
        />
        <Field
          name="graceDays"
          label="Downgrade grace (days)"
          type="number"
          value={v.graceDays}
          error={errorAt(p, `${S}.tiers.graceDays`)}
        />
        <Checkbox
          name="upgradeImmediately"
          label="Upgrade as soon as spend crosses a threshold"
          checked={v.upgradeImmediately === "on"}
          hint="off: upgrades wait for the nightly review"
          error={errorAt(p, `${S}.tiers.upgradeImmediately`)}
        />
      </fieldset>
      <Field name="note" label="Note" value={v.note} hint="why: shown in the version history" />
      <button type="submit">Save settings</button>
    </form>
  );
}

/** The settings as text, for roles that only read. */
function SettingsFacts({ settings }: { settings: ProgramSettings }) {
  const { points, tiers, currency } = settings;
  const rate = points.redemption.cashback;
  return (
    <dl class="facts">
      <dt>Time zone</dt>
      <dd>{settings.timeZone}</dd>
      <dt>Currency</dt>
      <dd>{currency}</dd>
      <dt>Validity</dt>
      <dd>
        {points.validity.period}
        {points.validity.roundUpTo ? `, rounded up to the ${points.validity.roundUpTo}` : ""}
      </dd>
      <dt>Pending days</dt>
      <dd>{points.pendingDays}</dd>
      <dt>Cashback</dt>
      <dd>
        {rate
          ? `${rate.points} points buy ${formatMoney(rate.amountMinor, currency)}, from ${points.redemption.minPoints} points`
          : "not offered"}
      </dd>
      <dt>Tiers</dt>
      <dd>
        {tiers.enabled
          ? tiers.tiers
              .map(
                (t) =>
                  `${t.name} from ${formatMoney(t.thresholdMinor, currency)}${t.benefits ? ` (${benefitsText(t.benefits)})` : ""}`,
              )
              .join(" · ")
          : "off"}
      </dd>
      <dt>Window and grace</dt>
      <dd>
        {tiers.windowMonths} months, {tiers.graceDays} days grace,{" "}
        {tiers.upgradeImmediately ? "upgrades at once" : "upgrades nightly"}
      </dd>
    </dl>
  );
}

function Versions({ versions, timeZone }: { versions: Version[]; timeZone: string }) {
  if (versions.length === 0) {
    return <EmptyState>Never saved: the program runs on the defaults.</EmptyState>;
  }
  return (
    <table>
      <caption class="visually-hidden">Saved versions, newest first</caption>
      <thead>
        <tr>
          <th scope="col" class="num">
            Version
          </th>
          <th scope="col">Saved</th>
          <th scope="col">By</th>
          <th scope="col">Note</th>
        </tr>
      </thead>
      <tbody>
        {versions.map((v) => (
          <tr>
            <td class="num">
              {v.version} {v.current ? <Badge status="active" /> : null}
            </td>
            <td>
              <DateTime at={v.savedAt} timeZone={timeZone} />
            </td>
            <td>{v.savedBy}</td>
            <td>{v.note ?? <span class="muted">—</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function CodesForm(props: { pool: Pool; state: PageState["codes"]; csrfToken: string }) {
  const mine = props.state?.poolId === props.pool.id ? props.state : undefined;
  const id = `codes-${props.pool.id}`;
  return (
    <form
      method="post"
      action={`${LOYALTY_BASE}/voucher-pools/${encodeURIComponent(props.pool.id)}/codes`}
      class="entity-form"
      aria-label={`Upload codes to ${props.pool.name}`}
    >
      <Csrf token={props.csrfToken} />
      <ProblemNotice problem={mine?.problem} />
      <TextArea
        name={id}
        label={`Codes for ${props.pool.name}, one per line`}
        rows={4}
        code
        value={mine?.values?.[id]}
        hint="up to 1,000 a time; codes the pool already has are skipped"
        error={errorAt(mine?.problem, "codes")}
      />
      <button type="submit">Upload codes</button>
    </form>
  );
}

function PoolForm(props: { state: FormState | undefined; csrfToken: string }) {
  const v = props.state?.values ?? { active: "on" };
  const p = props.state?.problem;
  return (
    <form method="post" action={`${LOYALTY_BASE}/voucher-pools`} class="entity-form">
      <Csrf token={props.csrfToken} />
      <ProblemNotice problem={p} />
      <Field
        name="id"
        label="Pool id"
        required
        value={v.id}
        hint="lowercase letters, digits, - and _, such as amazon-500"
        error={errorAt(p, "id")}
      />
      <Field name="name" label="Pool name" required value={v.name} error={errorAt(p, "name")} />
      <Field
        name="pointsCost"
        label="Points per code"
        type="number"
        required
        value={v.pointsCost}
        error={errorAt(p, "pointsCost")}
      />
      <Checkbox name="active" label="Open for redemption" checked={v.active === "on"} />
      <button type="submit">Create pool</button>
    </form>
  );
}

async function programPage(
  c: Context<ConsoleContext>,
  state: PageState = {},
  status: PageStatus = 200,
) {
  const viewer = viewerOf(c);
  const api = c.get("api");
  const [program, versions, pools] = await Promise.all([
    api.get<Program>(PROGRAM_API),
    api.get<{ items: Version[] }>(`${PROGRAM_API}/versions`, { limit: 20 }),
    api.get<{ items: Pool[] }>(POOLS_API),
  ]);
  const canWrite = api.can("PUT", PROGRAM_API);
  const canWritePools = api.can("POST", POOLS_API);
  return c.html(
    <Page title="Loyalty program" current="loyalty" viewer={viewer}>
      <Notice text={c.req.query("notice")} />
      <section class="panel" aria-labelledby="settings-h">
        <h2 id="settings-h">Settings</h2>
        {!program.ok ? (
          <ProblemNotice problem={program.problem} />
        ) : (
          <>
            <p class="muted">
              {program.data.version === 0 ? (
                "Version 0: the defaults (never saved)."
              ) : (
                <>
                  Version {program.data.version}, saved by {program.data.savedBy}{" "}
                  <DateTime at={program.data.savedAt} timeZone={viewer.timeZone} />.
                </>
              )}{" "}
              Wallets pick up a saved version within about 90 seconds.
            </p>
            {canWrite ? (
              <SettingsForm
                state={{
                  problem: state.settings?.problem,
                  values:
                    state.settings?.values ??
                    programValues(program.data.settings, program.data.version),
                }}
                csrfToken={viewer.csrfToken}
              />
            ) : (
              <>
                <ProblemNotice problem={state.settings?.problem} />
                <SettingsFacts settings={program.data.settings} />
                <p class="muted">
                  Your role reads the program; changing it needs the catalog or admin role.
                </p>
              </>
            )}
          </>
        )}
      </section>
      <section class="panel" aria-labelledby="versions-h">
        <h2 id="versions-h">Version history</h2>
        {versions.ok ? (
          <Versions versions={versions.data.items} timeZone={viewer.timeZone} />
        ) : (
          <ProblemNotice problem={versions.problem} />
        )}
      </section>
      <section class="panel" aria-labelledby="pools-h">
        <h2 id="pools-h">Voucher pools</h2>
        {!pools.ok ? (
          <ProblemNotice problem={pools.problem} />
        ) : pools.data.items.length === 0 ? (
          <EmptyState>No voucher pools yet.</EmptyState>
        ) : (
          <table id="voucher-pools">
            <caption class="visually-hidden">Voucher pools with their code counts</caption>
            <thead>
              <tr>
                <th scope="col">Pool</th>
                <th scope="col" class="num">
                  Points
                </th>
                <th scope="col">State</th>
                <th scope="col" class="num">
                  Codes
                </th>
                <th scope="col" class="num">
                  Issued
                </th>
                <th scope="col" class="num">
                  Left
                </th>
                {canWritePools ? <th scope="col">Action</th> : null}
              </tr>
            </thead>
            <tbody>
              {pools.data.items.map((pool) => (
                <tr id={`pool-${pool.id}`}>
                  <td>
                    {pool.name}
                    <div class="muted">
                      <code>{pool.id}</code>
                    </div>
                  </td>
                  <td class="num">{pool.pointsCost}</td>
                  <td>
                    <Badge status={pool.active ? "active" : "inactive"} />
                  </td>
                  <td class="num">{pool.codes.total}</td>
                  <td class="num">{pool.codes.issued}</td>
                  <td class="num">{pool.codes.left}</td>
                  {canWritePools ? (
                    <td>
                      <form
                        method="post"
                        action={`${LOYALTY_BASE}/voucher-pools/${encodeURIComponent(pool.id)}/state`}
                      >
                        <Csrf token={viewer.csrfToken} />
                        <input type="hidden" name="active" value={pool.active ? "" : "on"} />
                        <button type="submit" class="secondary">
                          {pool.active ? `Close ${pool.name}` : `Open ${pool.name}`}
                        </button>
                      </form>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {canWritePools ? (
          <>
            {pools.ok
              ? pools.data.items.map((pool) => (
                  <CodesForm pool={pool} state={state.codes} csrfToken={viewer.csrfToken} />
                ))
              : null}
            <h3>New pool</h3>
            <PoolForm state={state.pool} csrfToken={viewer.csrfToken} />
          </>
        ) : null}
      </section>
    </Page>,
    status,
  );
}

async function saveSettings(c: Context<ConsoleContext>) {
  const values = formText(await c.req.parseBody());
  const built = programBody(values);
  const api = c.get("api");
  if (built.errors.length > 0 && api.can("PUT", PROGRAM_API)) {
    return programPage(c, { settings: { problem: formProblem(built.errors), values } }, 400);
  }
  const result = await api.send<{ version: number }>("PUT", PROGRAM_API, built.body);
  if (result.ok) {
    const notice = `Settings saved: version ${result.data.version} is current.`;
    return c.redirect(`${LOYALTY_BASE}?notice=${encodeURIComponent(notice)}`, 303);
  }
  // A lost update: show what is current now, with the refusal, rather than the stale form.
  const keep = result.status === 409 ? undefined : values;
  return programPage(
    c,
    { settings: { problem: result.problem, values: keep } },
    pageStatus(result.status),
  );
}

async function createPool(c: Context<ConsoleContext>) {
  const values = formText(await c.req.parseBody());
  const cost = (values.pointsCost ?? "").trim();
  const body = {
    id: (values.id ?? "").trim(),
    name: (values.name ?? "").trim(),
    pointsCost: /^\d{1,10}$/.test(cost) ? Number(cost) : cost,
    active: values.active === "on",
  };
  const result = await c.get("api").send<{ id: string }>("POST", POOLS_API, body);
  if (result.ok) {
    const notice = `Voucher pool ${result.data.id} created.`;
    return c.redirect(`${LOYALTY_BASE}?notice=${encodeURIComponent(notice)}#pools-h`, 303);
  }
  return programPage(c, { pool: { problem: result.problem, values } }, pageStatus(result.status));
}

async function uploadCodes(c: Context<ConsoleContext>) {
  const poolId = c.req.param("poolId") ?? "";
  const values = formText(await c.req.parseBody());
  const codes = codesOf(values[`codes-${poolId}`] ?? "");
  const result = await c
    .get("api")
    .send<{ added: number; duplicates: number }>(
      "POST",
      `${POOLS_API}/${encodeURIComponent(poolId)}/codes`,
      { codes },
    );
  if (result.ok) {
    const { added, duplicates } = result.data;
    const notice = `${added} code${added === 1 ? "" : "s"} added to ${poolId}${duplicates > 0 ? `; ${duplicates} already there or repeated` : ""}.`;
    return c.redirect(`${LOYALTY_BASE}?notice=${encodeURIComponent(notice)}#pools-h`, 303);
  }
  return programPage(
    c,
    { codes: { poolId, problem: result.problem, values } },
    pageStatus(result.status),
  );
}

/** Opens or closes a pool: its PUT with the name and cost it has. */
async function setPoolState(c: Context<ConsoleContext>) {
  const poolId = c.req.param("poolId") ?? "";
  const values = formText(await c.req.parseBody());
  const api = c.get("api");
  const path = `${POOLS_API}/${encodeURIComponent(poolId)}`;
  const pool = await api.get<Pool>(path);
  if (!pool.ok) return programPage(c, { pool: { problem: pool.problem } }, pageStatus(pool.status));
  const active = values.active === "on";
  const result = await api.send<Pool>("PUT", path, {
    name: pool.data.name,
    pointsCost: pool.data.pointsCost,
    active,
  });
  if (result.ok) {
    const notice = `Voucher pool ${poolId} ${active ? "opened" : "closed"}.`;
    return c.redirect(`${LOYALTY_BASE}?notice=${encodeURIComponent(notice)}#pools-h`, 303);
  }
  return programPage(c, { pool: { problem: result.problem } }, pageStatus(result.status));
}

/** /console/loyalty: the program's settings, version history and voucher pools. */
export const loyaltyRoutes = new Hono<ConsoleContext>()
  .get("/", (c) => programPage(c))
  .post("/", saveSettings)
  .post("/voucher-pools", createPool)
  .post("/voucher-pools/:poolId/codes", uploadCodes)
  .post("/voucher-pools/:poolId/state", setPoolState);
