import { Csrf } from "../../views/layout";

const CATEGORIES = ["critical", "transactional", "promotional"] as const;
const CHANNELS = ["webhook", "email", "push", "sms"] as const;

/** GET /admin/v1/users/{id}/notification-preferences, as the console reads it. */
export interface NotificationPrefs {
  timeZone: string;
  locale: string;
  channels: Record<string, Record<string, boolean>>;
  promotionalOptIn: boolean;
  quietHours: { start: string; end: string } | null;
  updatedAt: string | null;
}

/**
 * A member's notification preferences in the user view: every category × channel switch, the
 * promotional opt-in, quiet hours and their zone. Finance and admin change them (support
 * reads); the change goes through PUT /admin/v1/users/{id}/notification-preferences and is
 * audited like every console change.
 */
export function NotificationPreferencesPanel({
  prefs,
  action,
  csrfToken,
}: {
  prefs: NotificationPrefs;
  /** Where the form posts; null when the operator may not change them. */
  action: string | null;
  csrfToken: string;
}) {
  const disabled = action === null;
  const table = (
    <table>
      <caption class="visually-hidden">Channels per category</caption>
      <thead>
        <tr>
          <th scope="col">Category</th>
          {CHANNELS.map((ch) => (
            <th scope="col">{ch}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {CATEGORIES.map((cat) => (
          <tr>
            <th scope="row">{cat}</th>
            {CHANNELS.map((ch) => (
              <td>
                <input
                  type="checkbox"
                  id={`np-${cat}-${ch}`}
                  name={`ch.${cat}.${ch}`}
                  aria-label={`${cat} by ${ch}`}
                  checked={prefs.channels[cat]?.[ch] === true}
                  disabled={disabled}
                />
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
  const fields = (
    <>
      {table}
      <div class="field">
        <label>
          <input
            type="checkbox"
            name="promotionalOptIn"
            checked={prefs.promotionalOptIn}
            disabled={disabled}
          />{" "}
          Opted in to promotional messages
        </label>
      </div>
      <div class="field">
        <label for="np-zone">Time zone (IANA)</label>
        <input
          id="np-zone"
          name="timeZone"
          type="text"
          value={prefs.timeZone}
          disabled={disabled}
        />
      </div>
      <div class="field">
        <label for="np-locale">Locale</label>
        <input id="np-locale" name="locale" type="text" value={prefs.locale} disabled={disabled} />
      </div>
      <div class="field">
        <label for="np-quiet-start">Quiet hours from</label>
        <input
          id="np-quiet-start"
          name="quietStart"
          type="time"
          value={prefs.quietHours?.start ?? ""}
          disabled={disabled}
        />
      </div>
      <div class="field">
        <label for="np-quiet-end">until</label>
        <input
          id="np-quiet-end"
          name="quietEnd"
          type="time"
          value={prefs.quietHours?.end ?? ""}
          disabled={disabled}
        />
      </div>
    </>
  );
  return (
    <section class="panel" aria-label="Notification preferences">
      <p class="muted">
        {prefs.updatedAt ? `Last changed ${prefs.updatedAt}.` : "Never changed: the defaults."}{" "}
        Critical and transactional messages keep at least one channel; quiet hours (empty: none)
        hold promotional messages only.
      </p>
      {action ? (
        <form method="post" action={action}>
          <Csrf token={csrfToken} />
          {fields}
          <button type="submit" class="secondary">
            Save notification preferences
          </button>
        </form>
      ) : (
        fields
      )}
    </section>
  );
}

/** Pure: the console form's fields as the API's change (every switch sent, unchecked = off). */
export function preferencesChangeOf(form: Record<string, unknown>): Record<string, unknown> {
  const str = (v: unknown) => (typeof v === "string" ? v.trim() : "");
  const channels = Object.fromEntries(
    CATEGORIES.map((cat) => [
      cat,
      Object.fromEntries(CHANNELS.map((ch) => [ch, form[`ch.${cat}.${ch}`] !== undefined])),
    ]),
  );
  const start = str(form.quietStart);
  const end = str(form.quietEnd);
  return {
    channels,
    promotionalOptIn: form.promotionalOptIn !== undefined,
    timeZone: str(form.timeZone),
    locale: str(form.locale),
    quietHours: start === "" && end === "" ? null : { start, end },
  };
}
