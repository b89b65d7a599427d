import type { Context } from "hono";
import { Hono } from "hono";
import type { ConsoleContext } from "../../context";
import { Badge, DateTime, EmptyState, Field, Notice, ProblemNotice } from "../../views/components";
import { Csrf, Page as Shell } from "../../views/layout";
import { viewerOf } from "../../views/viewer";
import { errorAt, type FormState, formText, type PageStatus, pageStatus } from "../catalog/parts";
import { str } from "../payouts/parts";
import {
  type AlertSettingsView,
  settingsBody,
  settingsValues,
  THRESHOLD_FIELDS,
} from "./settings-form";

/**
 * /console/alerts: operator alerts (docs/alerts.md) by state, each with acknowledge and
 * resolve (through the admin API, so its roles and audit log apply), and the alert settings
 * (contacts, thresholds, escalation delay): a form for the roles the API lets change them
 * (admin), every API error beside its field; text for the others. The webhook secret is
 * write-only: never shown, kept, replaced or removed.
 */

const ALERT_API = "/admin/v1/alerts";
const SETTINGS_API = "/admin/v1/alert-settings";
const STATES = ["open", "acknowledged", "resolved"] as const;
type State = (typeof STATES)[number];

interface AlertView {
  id: string;
  rule: string;
  subject: string;
  severity: string;
  state: State;
  summary: string;
  occurrences: number;
  openedAt: string;
  lastSeenAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
  note: string | null;
  deliveries: Array<{ stage: string; channel: string; status: string }>;
}

type Contact = AlertSettingsView["primary"];
type SettingsView = AlertSettingsView;

const stateOf = (value: string | undefined): State =>
  STATES.includes(value as State) ? (value as State) : "open";

function ContactLine({ contact }: { contact: Contact | null }) {
  if (!contact) return <span class="muted">none</span>;
  return (
    <span>
      {contact.name}
      {contact.email ? ` — ${contact.email}` : ""}
      {contact.webhookUrl ? ` — webhook ${new URL(contact.webhookUrl).host}` : ""}
    </span>
  );
}

const SETTINGS_PAGE = "/console/alerts/settings";

/** The editable settings; every field's API path is where its error is shown. */
function SettingsForm(props: { state: FormState; csrfToken: string; secretSet: boolean }) {
  const v = props.state.values ?? {};
  const p = props.state.problem;
  const contact = (which: "primary" | "secondary", legend: string, hint: string) => (
    <fieldset>
      <legend>{legend}</legend>
      <p class="hint">{hint}</p>
      {errorAt(p, which) &&
      !errorAt(p, `${which}.name`, `${which}.email`, `${which}.webhookUrl`) ? (
        <div class="error" id={`f-${which}-error`}>
          {errorAt(p, which)}
        </div>
      ) : null}
      <Field
        name={`${which}Name`}
        label={`${legend}: name`}
        value={v[`${which}Name`]}
        error={errorAt(p, `${which}.name`)}
      />
      <Field
        name={`${which}Email`}
        label={`${legend}: e-mail`}
        type="email"
        value={v[`${which}Email`]}
        error={errorAt(p, `${which}.email`)}
      />
      <Field
        name={`${which}WebhookUrl`}
        label={`${legend}: webhook URL`}
        type="url"
        value={v[`${which}WebhookUrl`]}
        hint="https; POSTed the signed alert"
        error={errorAt(p, `${which}.webhookUrl`)}
      />
    </fieldset>
  );
  const action = v.secretAction ?? "keep";
  const secretError = errorAt(p, "webhookSecret");
  return (
    <form method="post" action={SETTINGS_PAGE} class="entity-form" id="alert-settings-form">
      <Csrf token={props.csrfToken} />
      <ProblemNotice problem={p} />
      {contact("primary", "Primary contact", "every open alert goes here; empty: nobody is told")}
      {contact(
        "secondary",
        "Escalation contact",
        "an alert still open (not acknowledged) after the delay below goes here, once",
      )}
      <Field
        name="escalateAfterMinutes"
        label="Escalate after (minutes)"
        type="number"
        value={v.escalateAfterMinutes}
        hint="1–1440; empty: 30"
        error={errorAt(p, "escalateAfterMinutes")}
      />
      <fieldset aria-describedby={secretError ? "f-webhookSecret-error" : undefined}>
        <legend>Webhook signing secret ({props.secretSet ? "set" : "not set"})</legend>
        {(["keep", "set", "remove"] as const).map((a) => (
          <label class="inline">
            <input type="radio" name="secretAction" value={a} checked={action === a} />{" "}
            {a === "keep"
              ? "Keep the current secret"
              : a === "set"
                ? "Set a new secret"
                : "Remove the secret"}
          </label>
        ))}
        <Field
          name="webhookSecret"
          label="New secret"
          type="password"
          autocomplete="new-password"
          hint="32–256 characters; used only with “Set a new secret”, never shown again"
        />
        {secretError ? (
          <div class="error" id="f-webhookSecret-error">
            {secretError}
          </div>
        ) : null}
      </fieldset>
      <fieldset>
        <legend>Thresholds (empty: the default)</legend>
        {THRESHOLD_FIELDS.map(([name, label, hint]) => (
          <Field
            name={`t_${name}`}
            label={label}
            // A ratio is a decimal: "number" would refuse 0.45 at its default step.
            type={name === "networkDropRatio" ? "text" : "number"}
            value={v[`t_${name}`]}
            hint={hint}
            error={errorAt(p, `thresholds.${name}`)}
          />
        ))}
      </fieldset>
      <button type="submit">Save alert settings</button>
    </form>
  );
}

async function alertsPage(
  c: Context<ConsoleContext>,
  form: FormState = {},
  status: PageStatus = 200,
) {
  const viewer = viewerOf(c);
  const api = c.get("api");
  const state = stateOf(c.req.query("state"));
  const [list, settings] = await Promise.all([
    api.get<{ items: AlertView[] }>(ALERT_API, { state, limit: 100 }),
    api.get<SettingsView>(SETTINGS_API),
  ]);
  const canAct = api.can("POST", `${ALERT_API}/x/acknowledgement`);
  const canWrite = api.can("PUT", SETTINGS_API);
  return c.html(
    <Shell title="Alerts" current="alerts" viewer={viewer}>
      <Notice text={c.req.query("notice")} />
      <nav class="tabs" aria-label="Alert states">
        <ul>
          {STATES.map((s) => (
            <li>
              <a
                href={`/console/alerts?state=${s}`}
                aria-current={s === state ? "page" : undefined}
              >
                {s[0]?.toUpperCase()}
                {s.slice(1)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {list.ok ? null : <ProblemNotice problem={list.problem} />}
      {list.ok && list.data.items.length === 0 ? <EmptyState>No {state} alerts.</EmptyState> : null}
      {list.ok && list.data.items.length > 0 ? (
        <table>
          <caption class="visually-hidden">{state} alerts</caption>
          <thead>
            <tr>
              <th scope="col">Alert</th>
              <th scope="col">Severity</th>
              <th scope="col">Seen</th>
              <th scope="col">Opened</th>
              <th scope="col">State</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((a) => (
              <tr data-alert-id={a.id}>
                <td>
                  {a.summary}
                  <div class="muted">
                    {a.rule} · {a.subject}
                  </div>
                </td>
                <td>
                  <Badge status={a.severity} />
                </td>
                <td class="num">{a.occurrences}</td>
                <td>
                  <DateTime at={a.openedAt} timeZone={viewer.timeZone} />
                </td>
                <td>
                  <Badge status={a.state} />
                  {a.acknowledgedBy ? (
                    <div class="muted">acknowledged by {a.acknowledgedBy}</div>
                  ) : null}
                  {a.resolvedBy ? <div class="muted">resolved by {a.resolvedBy}</div> : null}
                  {a.note ? <div class="muted">{a.note}</div> : null}
                </td>
                <td>
                  {canAct && a.state === "open" ? (
                    <form method="post" action={`/console/alerts/${a.id}/acknowledgement`}>
                      <Csrf token={viewer.csrfToken} />
                      <button type="submit">Acknowledge</button>
                    </form>
                  ) : null}
                  {canAct && a.state !== "resolved" ? (
                    <form method="post" action={`/console/alerts/${a.id}/resolution`}>
                      <Csrf token={viewer.csrfToken} />
                      <button type="submit" class="secondary">
                        Resolve
                      </button>
                    </form>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <section class="panel" aria-labelledby="alert-settings">
        <h2 id="alert-settings">Settings</h2>
        {!settings.ok ? (
          <ProblemNotice problem={settings.problem} />
        ) : canWrite ? (
          <SettingsForm
            state={{
              problem: form.problem,
              values: form.values ?? settingsValues(settings.data),
            }}
            csrfToken={viewer.csrfToken}
            secretSet={settings.data.webhookSecretSet}
          />
        ) : (
          <>
            <dl class="facts">
              <dt>Primary contact</dt>
              <dd>
                <ContactLine contact={settings.data.primary} />
              </dd>
              <dt>Escalation contact</dt>
              <dd>
                <ContactLine contact={settings.data.secondary} />
              </dd>
              <dt>Escalate after</dt>
              <dd>{settings.data.escalateAfterMinutes} minutes unacknowledged</dd>
              <dt>Webhook signing secret</dt>
              <dd>{settings.data.webhookSecretSet ? "set" : "not set"}</dd>
              {THRESHOLD_FIELDS.map(([name, label]) => (
                <>
                  <dt>{label}</dt>
                  <dd>{settings.data.thresholds[name] ?? "default"}</dd>
                </>
              ))}
            </dl>
            <p class="muted">Your role reads the settings; changing them needs the admin role.</p>
          </>
        )}
      </section>
    </Shell>,
    status,
  );
}

async function saveSettings(c: Context<ConsoleContext>) {
  const values = formText(await c.req.parseBody());
  const result = await c.get("api").send("PUT", SETTINGS_API, settingsBody(values));
  if (result.ok) {
    return c.redirect(`/console/alerts?notice=${encodeURIComponent("Alert settings saved.")}`, 303);
  }
  // What was typed comes back with every error beside its field; the secret is never echoed.
  const { webhookSecret: _secret, ...kept } = values;
  return alertsPage(c, { problem: result.problem, values: kept }, pageStatus(result.status));
}

async function alertAction(c: Context<ConsoleContext>) {
  const id = c.req.param("id") ?? "";
  const action = c.req.param("action") === "resolution" ? "resolution" : "acknowledgement";
  const form = await c.req.parseBody();
  const note = str(form.note).trim();
  const result = await c
    .get("api")
    .send("POST", `${ALERT_API}/${encodeURIComponent(id)}/${action}`, note ? { note } : {});
  const done = action === "resolution" ? "resolved" : "acknowledged";
  const notice = result.ok ? `Alert ${done}.` : `Alert not ${done}: ${result.problem.detail}`;
  const back = action === "resolution" ? "resolved" : "acknowledged";
  return c.redirect(
    `/console/alerts?state=${result.ok ? back : "open"}&notice=${encodeURIComponent(notice)}`,
    303,
  );
}

export const alertsRoutes = new Hono<ConsoleContext>()
  .get("/", (c) => alertsPage(c))
  .post("/settings", (c) => saveSettings(c))
  .post("/:id/:action{acknowledgement|resolution}", (c) => alertAction(c));
