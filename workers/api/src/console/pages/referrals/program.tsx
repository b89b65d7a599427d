import type { Context } from "hono";
import type { ProblemBody } from "#shared/http/errors";
import {
  DEFAULT_REFERRAL_PROGRAM,
  type ReferralProgramSettings,
} from "#shared/referrals/program-settings";
import {
  DEFAULT_FRAUD_SETTINGS,
  DEFAULT_SIGNAL_WEIGHTS,
  RISK_SIGNAL_CODES,
  type RiskSignalCode,
} from "#shared/referrals/risk-signals";
import type { ConsoleContext } from "../../context";
import { Badge, DateTime, EmptyState, Field, Notice, ProblemNotice } from "../../views/components";
import { Csrf, Page, type Viewer } from "../../views/layout";
import { viewerOf } from "../../views/viewer";
import {
  errorAt,
  type FormState,
  formText,
  type PageStatus,
  pageStatus,
  Select,
} from "../catalog/parts";
import { REFERRALS_BASE, ReferralsTabs } from "./parts";
import { programBody, programValues, settingsChanges, weightField } from "./program-form";

/**
 * /console/referrals/program (docs/console.md, Referrals): the referral program's settings —
 * attribution, qualification window, destinations, fraud holds — as a form saved through
 * `PUT /admin/v1/referrals/program` with the version it was loaded from (a save over a newer
 * version is refused and the page shows that version), every API error beside its field, and
 * the version history with what each version changed. Every role reads; the form is shown to
 * the roles the API lets save (catalog, admin), the others see the settings as text.
 */

export const PROGRAM_PAGE = `${REFERRALS_BASE}/program`;
const PROGRAM_API = "/admin/v1/referrals/program";
const VERSIONS_SHOWN = 20;

interface Program {
  version: number;
  settings: ReferralProgramSettings;
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
  settings: ReferralProgramSettings;
}

/** When a signal fires (docs/referrals.md "Fraud holds"), for the weights table. */
const SIGNAL_TEXT: Record<RiskSignalCode, string> = {
  shared_device: "the friend signed up on a device the referrer used",
  shared_ip_prefix: "the friend signed up from the referrer's network (/24 or /64)",
  shared_payment_instrument: "the friend pays with a payment instrument the referrer used",
  shared_email: "the friend's e-mail is the referrer's, spelled differently",
  referrer_velocity: "the referrer had more referrals in 24 hours than the limit below",
  disposable_email_domain: "the friend's e-mail domain is on the disposable-domains list",
  datacenter_ip: "the friend signed up from an IP on the datacenter ranges list",
  referral_ring: "the friend is up the referrer's chain of referrers, or shares an identifier",
  probabilistic_attribution: "the referral was matched on IP + user agent only",
};

const TOUCH = [
  { value: "first", label: "first touch (the earliest click in the window wins)" },
  { value: "last", label: "last touch (the latest click wins)" },
] as const;

const S = "settings";

/** The messages at exactly these paths (not inside them). */
function exactError(problem: ProblemBody | null | undefined, ...paths: string[]) {
  const messages = (problem?.errors ?? [])
    .filter((e) => paths.includes(e.path))
    .map((e) => e.message);
  return messages.length > 0 ? messages.join("; ") : undefined;
}

function WeightsTable({
  values,
  problem,
}: {
  values: Record<string, string>;
  problem?: ProblemBody;
}) {
  return (
    <table class="weights">
      <caption>
        Signal weights, 0–100 (empty: the default; 0 shows the signal and holds nothing)
      </caption>
      <thead>
        <tr>
          <th scope="col">Signal</th>
          <th scope="col">Fires when</th>
          <th scope="col">Weight</th>
          <th scope="col" class="num">
            Default
          </th>
        </tr>
      </thead>
      <tbody>
        {RISK_SIGNAL_CODES.map((code) => {
          const name = weightField(code);
          const id = `f-${name}`;
          const error = errorAt(problem, `${S}.fraud.weights.${code}`);
          return (
            <tr>
              <td>
                <code>{code}</code>
              </td>
              <td>{SIGNAL_TEXT[code]}</td>
              <td>
                <label class="visually-hidden" for={id}>
                  Weight of {code}
                </label>
                <input
                  id={id}
                  name={name}
                  type="number"
                  value={values[name] ?? ""}
                  placeholder={String(DEFAULT_SIGNAL_WEIGHTS[code])}
                  aria-invalid={error ? "true" : undefined}
                  aria-describedby={error ? `${id}-error` : undefined}
                />
                {error ? (
                  <div class="error" id={`${id}-error`}>
                    {error}
                  </div>
                ) : null}
              </td>
              <td class="num">{DEFAULT_SIGNAL_WEIGHTS[code]}</td>
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
    <form method="post" action={PROGRAM_PAGE} class="entity-form" id="referral-program-form">
      <Csrf token={props.csrfToken} />
      <input type="hidden" name="expectedVersion" value={v.expectedVersion ?? ""} />
      <input type="hidden" name="qualificationSaved" value={v.qualificationSaved ?? ""} />
      <input type="hidden" name="fraudSaved" value={v.fraudSaved ?? ""} />
      <ProblemNotice problem={p} />
      <fieldset>
        <legend>Attribution</legend>
        <Select
          name="touch"
          label="Which click wins"
          options={TOUCH}
          value={v.touch}
          hint="when a friend clicked several referral links within the window"
          error={errorAt(p, `${S}.attribution.touch`)}
        />
        <Field
          name="windowDays"
          label="Attribution window (days)"
          type="number"
          required
          value={v.windowDays}
          hint="how long after a click a signup is still attributed to it: 1–365"
          error={errorAt(p, `${S}.attribution.windowDays`)}
        />
        <Field
          name="probabilisticWindowHours"
          label="Probabilistic window (hours)"
          type="number"
          required
          value={v.probabilisticWindowHours}
          hint="a signup with no code or token is matched on IP + user agent within this: 1–72"
          error={errorAt(p, `${S}.attribution.probabilisticWindowHours`)}
        />
      </fieldset>
      <fieldset>
        <legend>Qualification</legend>
        <Field
          name="qualificationWindowDays"
          label="Qualification window (days)"
          type="number"
          value={v.qualificationWindowDays}
          hint="the friend must qualify within this many days of signing up, or the referral expires: 1–365; empty: no limit"
          error={errorAt(p, `${S}.qualification.windowDays`)}
        />
      </fieldset>
      <fieldset>
        <legend>Destinations</legend>
        <Field
          name="webSignupUrl"
          label="Web signup page"
          type="url"
          required
          value={v.webSignupUrl}
          hint="https; ref_token and ref_code are added to its query"
          error={errorAt(p, `${S}.destinations.webSignupUrl`)}
        />
        <Field
          name="iosAppStoreUrl"
          label="App Store page (iOS)"
          type="url"
          value={v.iosAppStoreUrl}
          hint="https; empty: iOS visitors go to the web signup"
          error={errorAt(p, `${S}.destinations.iosAppStoreUrl`)}
        />
        <Field
          name="androidPlayStoreUrl"
          label="Play Store page (Android)"
          type="url"
          value={v.androidPlayStoreUrl}
          hint="https, given the install referrer; empty: Android visitors go to the web signup"
          error={errorAt(p, `${S}.destinations.androidPlayStoreUrl`)}
        />
      </fieldset>
      <fieldset>
        <legend>Fraud holds</legend>
        <Field
          name="holdThreshold"
          label="Hold threshold"
          type="number"
          required
          value={v.holdThreshold}
          hint={`a referral whose signals' weights add up to this is held for review: 1–1000 (default ${DEFAULT_FRAUD_SETTINGS.holdThreshold})`}
          error={errorAt(p, `${S}.fraud.holdThreshold`)}
        />
        <WeightsTable values={v} problem={p ?? undefined} />
        {exactError(p, `${S}.fraud.weights`) ? (
          <div class="error">{exactError(p, `${S}.fraud.weights`)}</div>
        ) : null}
        <Field
          name="maxReferralsPerReferrerPerDay"
          label="Referrals per referrer per day"
          type="number"
          required
          value={v.maxReferralsPerReferrerPerDay}
          hint={`more than this within 24 hours fires referrer_velocity: 1–10000 (default ${DEFAULT_FRAUD_SETTINGS.maxReferralsPerReferrerPerDay})`}
          error={errorAt(p, `${S}.fraud.maxReferralsPerReferrerPerDay`)}
        />
        <Field
          name="autoApproveAfterHours"
          label="Auto-approve after (hours)"
          type="number"
          value={v.autoApproveAfterHours}
          hint="a held referral is approved by itself after this: 1–2160; empty: never"
          error={errorAt(p, `${S}.fraud.autoApproveAfterHours`)}
        />
      </fieldset>
      <Field name="note" label="Note" value={v.note} hint="why: shown in the version history" />
      <button type="submit">Save settings</button>
    </form>
  );
}

/** The settings as text, for roles that only read. */
function SettingsFacts({ settings }: { settings: ReferralProgramSettings }) {
  const { attribution, destinations } = settings;
  const fraud = settings.fraud ?? DEFAULT_FRAUD_SETTINGS;
  const windowDays = settings.qualification?.windowDays ?? null;
  const weights = RISK_SIGNAL_CODES.map(
    (code) => `${code} ${fraud.weights[code] ?? DEFAULT_SIGNAL_WEIGHTS[code]}`,
  ).join(" · ");
  return (
    <dl class="facts">
      <dt>Attribution</dt>
      <dd>
        {attribution.touch} touch, {attribution.windowDays} days; probabilistic matches within{" "}
        {attribution.probabilisticWindowHours} hours
      </dd>
      <dt>Qualification window</dt>
      <dd>{windowDays === null ? "none" : `${windowDays} days`}</dd>
      <dt>Web signup</dt>
      <dd>
        <code>{destinations.webSignupUrl}</code>
      </dd>
      <dt>iOS</dt>
      <dd>
        {destinations.iosAppStoreUrl ? (
          <code>{destinations.iosAppStoreUrl}</code>
        ) : (
          "the web signup"
        )}
      </dd>
      <dt>Android</dt>
      <dd>
        {destinations.androidPlayStoreUrl ? (
          <code>{destinations.androidPlayStoreUrl}</code>
        ) : (
          "the web signup"
        )}
      </dd>
      <dt>Hold threshold</dt>
      <dd>{fraud.holdThreshold}</dd>
      <dt>Signal weights</dt>
      <dd>{weights}</dd>
      <dt>Velocity limit</dt>
      <dd>{fraud.maxReferralsPerReferrerPerDay} referrals per referrer per day</dd>
      <dt>Auto-approve</dt>
      <dd>
        {fraud.autoApproveAfterHours === null
          ? "never"
          : `after ${fraud.autoApproveAfterHours} hours`}
      </dd>
    </dl>
  );
}

function Versions({ versions, timeZone }: { versions: Version[]; timeZone: string }) {
  if (versions.length === 0) {
    return <EmptyState>Never saved: the program runs on the defaults.</EmptyState>;
  }
  return (
    <table id="referral-program-versions">
      <caption class="visually-hidden">Saved versions, newest first</caption>
      <thead>
        <tr>
          <th scope="col" class="num">
            Version
          </th>
          <th scope="col">Saved</th>
          <th scope="col">By</th>
          <th scope="col">Note</th>
          <th scope="col">Changed</th>
        </tr>
      </thead>
      <tbody>
        {versions.map((v, i) => {
          // The version before is the next row; version 1 changed the defaults; the oldest
          // row of a longer history compares with nothing shown here.
          const before =
            versions[i + 1]?.settings ?? (v.version === 1 ? DEFAULT_REFERRAL_PROGRAM : undefined);
          const changes = before ? settingsChanges(before, v.settings) : undefined;
          return (
            <tr id={`version-${v.version}`}>
              <td class="num">
                {v.version} {v.current ? <Badge status="active" /> : null}
              </td>
              <td>
                <DateTime at={v.savedAt} timeZone={timeZone} />
              </td>
              <td>{v.savedBy}</td>
              <td>{v.note ?? <span class="muted">—</span>}</td>
              <td>
                {changes === undefined ? (
                  <span class="muted">—</span>
                ) : changes.length === 0 ? (
                  <span class="muted">no change</span>
                ) : (
                  <ul class="plain">
                    {changes.map((line) => (
                      <li>
                        <code>{line}</code>
                      </li>
                    ))}
                  </ul>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Says whose version won a lost update, over the form that now shows it. */
function ConflictNotice({ program, viewer }: { program: Program; viewer: Viewer }) {
  return (
    <div class="notice bad" role="alert">
      <strong>Someone saved first.</strong> Version {program.version} was saved by{" "}
      {program.savedBy ?? "another operator"}{" "}
      <DateTime at={program.savedAt} timeZone={viewer.timeZone} /> after you opened the form, so
      nothing of yours was saved. The form now shows their version: apply your change again.
    </div>
  );
}

/** Which problem the page came back with, and what was typed (undefined: the API's values). */
interface PageState {
  settings?: FormState;
  conflict?: boolean;
}

async function programPage(
  c: Context<ConsoleContext>,
  state: PageState = {},
  status: PageStatus = 200,
) {
  const viewer = viewerOf(c);
  const api = c.get("api");
  const [program, versions] = await Promise.all([
    api.get<Program>(PROGRAM_API),
    api.get<{ items: Version[] }>(`${PROGRAM_API}/versions`, { limit: VERSIONS_SHOWN }),
  ]);
  const canWrite = api.can("PUT", PROGRAM_API);
  return c.html(
    <Page title="Referral program settings" current="referrals" viewer={viewer}>
      <ReferralsTabs current="program" />
      <Notice text={c.req.query("notice")} />
      <section class="panel" aria-labelledby="settings-h">
        <h2 id="settings-h">Settings</h2>
        {!program.ok ? (
          <ProblemNotice problem={program.problem} />
        ) : (
          <>
            <p class="muted">
              {program.data.version === 0 ? (
                "Version 0: the defaults (never saved; share links show visitors a holding page until the program is saved)."
              ) : (
                <>
                  Version {program.data.version}, saved by {program.data.savedBy}{" "}
                  <DateTime at={program.data.savedAt} timeZone={viewer.timeZone} />.
                </>
              )}{" "}
              Share links and signups pick up a saved version within about 90 seconds; a referral
              keeps the fraud settings in force at its signup.
            </p>
            {state.conflict ? <ConflictNotice program={program.data} viewer={viewer} /> : null}
            {canWrite ? (
              <SettingsForm
                state={{
                  problem: state.conflict ? undefined : state.settings?.problem,
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
    </Page>,
    status,
  );
}

async function saveSettings(c: Context<ConsoleContext>) {
  const values = formText(await c.req.parseBody());
  const result = await c
    .get("api")
    .send<{ version: number }>("PUT", PROGRAM_API, programBody(values));
  if (result.ok) {
    const notice = `Settings saved: version ${result.data.version} is current.`;
    return c.redirect(`${PROGRAM_PAGE}?notice=${encodeURIComponent(notice)}`, 303);
  }
  // A lost update: the current version with who saved it, rather than the stale form.
  if (result.status === 409) {
    return programPage(c, { conflict: true, settings: { problem: result.problem } }, 409);
  }
  return programPage(
    c,
    { settings: { problem: result.problem, values } },
    pageStatus(result.status),
  );
}

/** GET shows the page, POST saves; mounted under /console/referrals above `/:referralId`. */
export const programRoutes = {
  show: (c: Context<ConsoleContext>) => programPage(c),
  save: saveSettings,
};
