import type { Context } from "hono";
import { Hono } from "hono";
import type { ConsoleContext } from "../../context";
import { Badge, DateTime, EmptyState, Notice, ProblemNotice } from "../../views/components";
import { Csrf, Page } from "../../views/layout";
import { viewerOf } from "../../views/viewer";

export const DEAD_LETTERS_BASE = "/console/notifications/dead-letters";
const API = "/admin/v1/notifications/dead-letters";

interface DeadLetter {
  id: string;
  eventId: string;
  userId: string;
  type: string;
  channel: string;
  error: string;
  attempts: number;
  status: "open" | "replayed";
  createdAt: string;
  replayedAt: string | null;
  replayedBy: string | null;
}

/** GET /console/notifications/dead-letters: deliveries that will not go out by themselves. */
async function listPage(
  c: Context<ConsoleContext>,
  problem?: Parameters<typeof ProblemNotice>[0]["problem"],
) {
  const viewer = viewerOf(c);
  const api = c.get("api");
  const status = c.req.query("status") === "replayed" ? "replayed" : "open";
  const list = await api.get<{ items: DeadLetter[] }>(API, { status, limit: 100 });
  const canReplay = api.can("POST", `${API}/x/retry`);
  return c.html(
    <Page title="Notification dead letters" current="notifications" viewer={viewer}>
      <Notice text={c.req.query("notice")} />
      <ProblemNotice problem={problem} />
      <p class="muted">
        Deliveries a channel refused, or that ran out of retries. A replay queues the notification
        once more; the delivery id keeps the channel from sending it twice.{" "}
        <a href={`${DEAD_LETTERS_BASE}?status=${status === "open" ? "replayed" : "open"}`}>
          {status === "open" ? "Show replayed" : "Show open"}
        </a>
      </p>
      {!list.ok ? (
        <ProblemNotice problem={list.problem} />
      ) : list.data.items.length === 0 ? (
        <EmptyState>No {status} dead letters.</EmptyState>
      ) : (
        <table id="dead-letters">
          <caption class="visually-hidden">Dead letters</caption>
          <thead>
            <tr>
              <th scope="col">Type</th>
              <th scope="col">Channel</th>
              <th scope="col">User</th>
              <th scope="col">Error</th>
              <th scope="col">Attempts</th>
              <th scope="col">Since</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((d) => (
              <tr>
                <td>
                  {d.type}
                  <br />
                  <code>{d.eventId}</code>
                </td>
                <td>{d.channel}</td>
                <td>
                  <a href={`/console/users/${encodeURIComponent(d.userId)}`}>{d.userId}</a>
                </td>
                <td>{d.error}</td>
                <td>{d.attempts}</td>
                <td>
                  <DateTime at={d.createdAt} timeZone={viewer.timeZone} />
                </td>
                <td>
                  {d.status === "open" && canReplay ? (
                    <form
                      method="post"
                      action={`${DEAD_LETTERS_BASE}/${encodeURIComponent(d.id)}/retry`}
                    >
                      <Csrf token={viewer.csrfToken} />
                      <button type="submit">Replay</button>
                    </form>
                  ) : (
                    <Badge status={d.status} />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>,
  );
}

/** POST …/:id/retry: replay one dead letter (once; a second replay is refused by the API). */
async function replay(c: Context<ConsoleContext>) {
  const id = c.req.param("id") ?? "";
  const result = await c.get("api").send("POST", `${API}/${encodeURIComponent(id)}/retry`);
  if (result.ok) {
    const notice = "Replayed: the notification is queued for delivery.";
    return c.redirect(`${DEAD_LETTERS_BASE}?notice=${encodeURIComponent(notice)}`, 303);
  }
  return listPage(c, result.problem);
}

/** /console/notifications/dead-letters: the list and the replay button. */
export const deadLettersRoutes = new Hono<ConsoleContext>()
  .get("/", (c) => listPage(c))
  .post("/:id/retry", replay);
