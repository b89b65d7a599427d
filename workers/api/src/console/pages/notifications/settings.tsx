import type { Context } from "hono";
import { Hono } from "hono";
import type { ProblemBody } from "#shared/http/errors";
import { NOTIFICATION_TYPE_NAMES, NOTIFICATION_TYPES } from "#shared/notify/catalog";
import type { ConsoleContext } from "../../context";
import { Notice, ProblemNotice } from "../../views/components";
import { Csrf, Page } from "../../views/layout";
import { viewerOf } from "../../views/viewer";

/**
 * /console/notification-settings: the operator's notification settings (promotional send
 * window, caps per category per local day and ISO week, digests, the default zone and locale)
 * through GET/PUT /admin/v1/notification-settings. Every role reads; catalog and admin save.
 */

const API = "/admin/v1/notification-settings";
const PAGE = "/console/notification-settings";
const DIGESTIBLE = NOTIFICATION_TYPE_NAMES.filter(
  (t) => NOTIFICATION_TYPES[t].category !== "critical",
);

interface Cap {
  perDay: number | null;
  perWeek: number | null;
}
interface Settings {
  sendWindow: { start: string; end: string } | null;
  caps: { transactional: Cap; promotional: Cap };
  digest: { windowSeconds: number; types: string[] };
  defaultTimeZone: string;
  defaultLocale: string;
  emailTracking: { opens: boolean; clicks: boolean };
  escalateUnopenedPushAfterHours: number | null;
  updatedAt: string | null;
}

const num = (v: number | null) => (v === null ? "" : String(v));

async function settingsPage(c: Context<ConsoleContext>, problem?: ProblemBody, status = 200) {
  const viewer = viewerOf(c);
  const api = c.get("api");
  const got = await api.get<Settings>(API);
  const canSave = api.can("PUT", API);
  const disabled = !canSave;
  return c.html(
    <Page title="Notification settings" current="notification-settings" viewer={viewer}>
      <Notice text={c.req.query("notice")} />
      <ProblemNotice problem={problem} />
      {got.ok ? (
        <form method="post" action={PAGE} aria-label="Notification settings">
          <Csrf token={viewer.csrfToken} />
          <p class="muted">
            {got.data.updatedAt ? `Saved ${got.data.updatedAt}.` : "Never saved: the defaults."}{" "}
            Times are read in each recipient's own zone. Critical messages are never held, capped or
            digested; transactional ones are never held.
          </p>
          <fieldset>
            <legend>Promotional send window (empty: any time)</legend>
            <label for="ns-window-start">From</label>
            <input
              id="ns-window-start"
              name="windowStart"
              type="time"
              value={got.data.sendWindow?.start ?? ""}
              disabled={disabled}
            />
            <label for="ns-window-end">until</label>
            <input
              id="ns-window-end"
              name="windowEnd"
              type="time"
              value={got.data.sendWindow?.end ?? ""}
              disabled={disabled}
            />
          </fieldset>
          {(["promotional", "transactional"] as const).map((cat) => (
            <fieldset>
              <legend>Cap on {cat} messages per user (empty: none)</legend>
              <label for={`ns-${cat}-day`}>Per day</label>
              <input
                id={`ns-${cat}-day`}
                name={`${cat}PerDay`}
                type="number"
                min="1"
                value={num(got.data.caps[cat].perDay)}
                disabled={disabled}
              />
              <label for={`ns-${cat}-week`}>Per week</label>
              <input
                id={`ns-${cat}-week`}
                name={`${cat}PerWeek`}
                type="number"
                min="1"
                value={num(got.data.caps[cat].perWeek)}
                disabled={disabled}
              />
            </fieldset>
          ))}
          <fieldset>
            <legend>Digests</legend>
            <label for="ns-digest-window">Burst window (seconds)</label>
            <input
              id="ns-digest-window"
              name="digestWindowSeconds"
              type="number"
              min="10"
              max="3600"
              value={String(got.data.digest.windowSeconds)}
              disabled={disabled}
            />
            {DIGESTIBLE.map((type) => (
              <label>
                <input
                  type="checkbox"
                  name={`digest.${type}`}
                  checked={got.data.digest.types.includes(type)}
                  disabled={disabled}
                />{" "}
                {type}
              </label>
            ))}
          </fieldset>
          <div class="field">
            <label for="ns-zone">Default time zone</label>
            <input
              id="ns-zone"
              name="defaultTimeZone"
              type="text"
              value={got.data.defaultTimeZone}
              disabled={disabled}
            />
          </div>
          <div class="field">
            <label for="ns-locale">Default locale</label>
            <input
              id="ns-locale"
              name="defaultLocale"
              type="text"
              value={got.data.defaultLocale}
              disabled={disabled}
            />
          </div>
          <fieldset>
            <legend>E-mail tracking (off by default)</legend>
            <label>
              <input
                type="checkbox"
                name="trackOpens"
                checked={got.data.emailTracking.opens}
                disabled={disabled}
              />{" "}
              Record opens (a signed 1×1 image in each e-mail)
            </label>
            <label>
              <input
                type="checkbox"
                name="trackClicks"
                checked={got.data.emailTracking.clicks}
                disabled={disabled}
              />{" "}
              Record clicks (links go through a signed redirect)
            </label>
          </fieldset>
          <div class="field">
            <label for="ns-escalate">
              Send a transactional push by e-mail when not opened within (hours; empty: off)
            </label>
            <input
              id="ns-escalate"
              name="escalateUnopenedPushAfterHours"
              type="number"
              min="1"
              max="72"
              value={num(got.data.escalateUnopenedPushAfterHours)}
              disabled={disabled}
            />
          </div>
          {canSave ? <button type="submit">Save notification settings</button> : null}
        </form>
      ) : (
        <ProblemNotice problem={got.problem} />
      )}
    </Page>,
    status as 200,
  );
}

/** Pure: the form's fields as the API's body (an empty number is null, a bad one is sent as text for the API to refuse). */
export function settingsBodyOf(form: Record<string, unknown>): Record<string, unknown> {
  const str = (v: unknown) => (typeof v === "string" ? v.trim() : "");
  const n = (v: unknown) =>
    str(v) === "" ? null : Number.isFinite(Number(str(v))) ? Number(str(v)) : str(v);
  const start = str(form.windowStart);
  const end = str(form.windowEnd);
  return {
    sendWindow: start === "" && end === "" ? null : { start, end },
    caps: {
      promotional: { perDay: n(form.promotionalPerDay), perWeek: n(form.promotionalPerWeek) },
      transactional: { perDay: n(form.transactionalPerDay), perWeek: n(form.transactionalPerWeek) },
    },
    digest: {
      windowSeconds: n(form.digestWindowSeconds),
      types: DIGESTIBLE.filter((t) => form[`digest.${t}`] !== undefined),
    },
    defaultTimeZone: str(form.defaultTimeZone),
    defaultLocale: str(form.defaultLocale),
    emailTracking: {
      opens: form.trackOpens !== undefined,
      clicks: form.trackClicks !== undefined,
    },
    escalateUnopenedPushAfterHours: n(form.escalateUnopenedPushAfterHours),
  };
}

export const notificationSettingsRoutes = new Hono<ConsoleContext>()
  .get("/", (c) => settingsPage(c))
  .post("/", async (c) => {
    const form = await c.req.parseBody();
    const result = await c.get("api").send("PUT", API, settingsBodyOf(form));
    if (result.ok) {
      return c.redirect(
        `${PAGE}?notice=${encodeURIComponent("Notification settings saved.")}`,
        303,
      );
    }
    return settingsPage(c, result.problem, result.status === 403 ? 403 : 400);
  });
