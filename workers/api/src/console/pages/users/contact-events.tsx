import type { ProblemBody } from "#shared/http/errors";
import { Badge, DateTime, EmptyState, ProblemNotice } from "../../views/components";
import { Csrf } from "../../views/layout";
import type { MaskedContact, RevealedContact, UserEvent } from "./types";

/**
 * The user's contact details (from their backend's `user.signed_up`, docs/events.md): masked,
 * with the recent reveals; a reveal form for those who may reveal (support, admin), whose
 * answer is shown once, on the page that answers the form, and nowhere else.
 */
export function ContactPanel(props: {
  contact: MaskedContact | null;
  revealed: RevealedContact | null;
  revealAction: string | null;
  csrfToken: string;
  timeZone: string;
  problem?: ProblemBody | undefined;
}) {
  const { contact, revealed, revealAction, csrfToken, timeZone } = props;
  if (!contact) {
    return <EmptyState>The user's backend sent no e-mail or phone for this user.</EmptyState>;
  }
  const shown = revealed ?? contact.masked;
  return (
    <section class="panel" aria-labelledby="contact-heading">
      <h3 id="contact-heading">
        {revealed ? "Contact details (revealed)" : "Contact details (masked)"}
      </h3>
      <dl class="facts">
        <dt>E-mail</dt>
        <dd>
          <code>{shown.email ?? "—"}</code>
        </dd>
        <dt>Phone</dt>
        <dd>
          <code>{shown.phone ?? "—"}</code>
        </dd>
        <dt>Updated</dt>
        <dd>
          <DateTime at={contact.updatedAt} timeZone={timeZone} />
        </dd>
      </dl>
      {revealAction && !revealed ? (
        <form class="filters" method="post" action={revealAction}>
          <Csrf token={csrfToken} />
          <div class="field">
            <label for="f-reveal-reason">Reason for revealing (recorded)</label>
            <input
              id="f-reveal-reason"
              name="reason"
              type="text"
              required
              minlength={3}
              maxlength={500}
            />
          </div>
          <button type="submit" class="secondary">
            Reveal
          </button>
        </form>
      ) : null}
      <ProblemNotice problem={props.problem} />
      {contact.reveals.length > 0 ? (
        <table>
          <caption>Recent reveals</caption>
          <thead>
            <tr>
              <th scope="col">Who</th>
              <th scope="col">Why</th>
              <th scope="col">When</th>
            </tr>
          </thead>
          <tbody>
            {contact.reveals.map((r) => (
              <tr>
                <td>{r.revealedBy}</td>
                <td>{r.reason}</td>
                <td>
                  <DateTime at={r.at} timeZone={timeZone} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

/** The user's most recent first-party events with their processing state. */
export function EventsTable({ items, timeZone }: { items: UserEvent[]; timeZone: string }) {
  if (items.length === 0) return <EmptyState>No events from the user's backend.</EmptyState>;
  return (
    <table>
      <caption class="visually-hidden">Recent events</caption>
      <thead>
        <tr>
          <th scope="col">Event</th>
          <th scope="col">Type</th>
          <th scope="col">Occurred</th>
          <th scope="col">Status</th>
          <th scope="col">Sent with key</th>
        </tr>
      </thead>
      <tbody>
        {items.map((e) => (
          <tr>
            <td>
              <code>{e.eventId}</code>
            </td>
            <td>{e.type}</td>
            <td>
              <DateTime at={e.occurredAt} timeZone={timeZone} />
            </td>
            <td>
              <Badge status={e.outcome?.result ?? e.status} />
              {e.outcome?.detail ? <span class="muted"> {e.outcome.detail}</span> : null}
            </td>
            <td>{e.keyName}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
