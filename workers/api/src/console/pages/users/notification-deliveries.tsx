import { Badge, DateTime, EmptyState } from "../../views/components";

/** One delivery as `GET /admin/v1/users/{id}/notification-deliveries` gives it. */
export interface NotificationDelivery {
  id: string;
  eventId: string;
  type: string;
  channel: string;
  state: string;
  attempts: number;
  reason: string | null;
  createdAt: string;
  sentAt: string | null;
  deliveredAt?: string | null;
  openedAt?: string | null;
  receiptFailure?: string | null;
  escalatedAt?: string | null;
}

/**
 * The user's recent notification deliveries (docs/notifications.md): one row per event and
 * channel, with its state and why it was skipped, deferred or failed, and its receipts:
 * delivered, opened, the provider's bad news, and an escalation of an unopened push to e-mail.
 */
export function NotificationDeliveriesTable({
  items,
  timeZone,
}: {
  items: NotificationDelivery[];
  timeZone: string;
}) {
  if (items.length === 0) return <EmptyState>No notifications for this user yet.</EmptyState>;
  return (
    <table>
      <caption class="visually-hidden">Recent notification deliveries</caption>
      <thead>
        <tr>
          <th scope="col">Type</th>
          <th scope="col">Channel</th>
          <th scope="col">State</th>
          <th scope="col">Attempts</th>
          <th scope="col">Receipts</th>
          <th scope="col">Created</th>
          <th scope="col">Event</th>
        </tr>
      </thead>
      <tbody>
        {items.map((d) => (
          <tr>
            <td>{d.type}</td>
            <td>{d.channel}</td>
            <td>
              <Badge status={d.state} />
              {d.reason ? <span class="muted"> {d.reason}</span> : null}
            </td>
            <td>{d.attempts}</td>
            <td>
              <Receipts delivery={d} timeZone={timeZone} />
            </td>
            <td>
              <DateTime at={d.createdAt} timeZone={timeZone} />
            </td>
            <td>
              <code>{d.eventId}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Delivered / opened / escalated, each with its time; the provider's bad news; or a dash. */
function Receipts({ delivery: d, timeZone }: { delivery: NotificationDelivery; timeZone: string }) {
  const marks: Array<[string, string]> = [];
  if (d.deliveredAt) marks.push(["Delivered", d.deliveredAt]);
  if (d.openedAt) marks.push(["Opened", d.openedAt]);
  if (d.escalatedAt) marks.push(["Escalated to e-mail", d.escalatedAt]);
  if (marks.length === 0 && !d.receiptFailure) return <span class="muted">—</span>;
  return (
    <ul class="plain">
      {marks.map(([label, at]) => (
        <li>
          {label} <DateTime at={at} timeZone={timeZone} />
        </li>
      ))}
      {d.receiptFailure ? (
        <li>
          <Badge status={d.receiptFailure} />
        </li>
      ) : null}
    </ul>
  );
}
