import type { Context } from "hono";
import { Hono } from "hono";
import type { ConsoleContext } from "../../context";
import { Badge, DateTime, EmptyState, Notice, ProblemNotice } from "../../views/components";
import { Csrf, Page as Shell } from "../../views/layout";
import { viewerOf } from "../../views/viewer";
import { str } from "../payouts/parts";

/**
 * /console/alerts: operator alerts (docs/alerts.md) by state, each with acknowledge and
 * resolve (through the admin API, so its roles and audit log apply), and the alert settings
 * (contacts, thresholds, escalation delay; the webhook secret is never shown).
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

interface Contact {
  name: string;
  email: string | null;
  webhookUrl: string | null;
}

interface SettingsView {
  primary: Contact | null;
  secondary: Contact | null;
  escalateAfterMinutes: number;
  thresholds: Record<string, number>;
  webhookSecretSet: boolean;
}

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

async function alertsPage(c: Context<ConsoleContext>) {
  const viewer = viewerOf(c);
  const api = c.get("api");
  const state = stateOf(c.req.query("state"));
  const [list, settings] = await Promise.all([
    api.get<{ items: AlertView[] }>(ALERT_API, { state, limit: 100 }),
    api.get<SettingsView>(SETTINGS_API),
  ]);
  const canAct = api.can("POST", `${ALERT_API}/x/acknowledgement`);
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
        {settings.ok ? (
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
            {Object.entries(settings.data.thresholds).map(([name, value]) => (
              <>
                <dt>{name}</dt>
                <dd>{value}</dd>
              </>
            ))}
          </dl>
        ) : (
          <ProblemNotice problem={settings.problem} />
        )}
        <p class="muted">Changed through PUT {SETTINGS_API} (admin).</p>
      </section>
    </Shell>,
  );
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
  .post("/:id/:action{acknowledgement|resolution}", (c) => alertAction(c));
