import type { Context } from "hono";
import { Hono } from "hono";
import type { ProblemBody } from "#shared/http/errors";
import { renderTemplate } from "#shared/notify/render";
import { DEFAULT_TEMPLATES } from "#shared/notify/templates";
import type { ConsoleContext } from "../../context";
import {
  Badge,
  DateTime,
  EmptyState,
  Field,
  fieldError,
  Notice,
  ProblemNotice,
} from "../../views/components";
import { Csrf, Page } from "../../views/layout";
import { viewerOf } from "../../views/viewer";
import { Select, TextArea } from "../catalog/parts";

/**
 * /console/notifications/promotions (docs/notifications.md "Promotional sends"): create a send
 * to a segment (previewed through the built-in `promotion` template first), the sends with
 * their progress (refreshed every 2 s while one is going), and cancel. Everything goes through
 * the admin API as the signed-in operator; catalog and admin may send and cancel.
 */

export const PROMOTIONS_BASE = "/console/notifications/promotions";
const API = "/admin/v1/notifications/promotions";
const SEGMENTS_API = "/admin/v1/notifications/segments";

interface Send {
  id: string;
  segment: string;
  headline: string;
  body: string;
  url: string;
  status: string;
  sendAt: string;
  audience: number;
  enqueued: number;
  skipped: number;
  createdBy: string;
  createdAt: string;
  endedAt: string | null;
}

interface Draft {
  segment: string;
  headline: string;
  body: string;
  url: string;
  sendAt: string;
}

const EMPTY: Draft = { segment: "*", headline: "", body: "", url: "", sendAt: "" };
const text = (v: unknown) => (typeof v === "string" ? v.trim() : "");

async function renderPage(
  c: Context<ConsoleContext>,
  state: { draft?: Draft; problem?: ProblemBody; preview?: boolean } = {},
  status: 200 | 400 | 409 = 200,
) {
  const api = c.get("api");
  const viewer = viewerOf(c);
  const [sends, segments] = await Promise.all([
    api.get<{ sends: Send[] }>(API, { limit: 50 }),
    api.get<{ segments: Array<{ segment: string; members: number }>; allMembers: number }>(
      SEGMENTS_API,
    ),
  ]);
  const draft = state.draft ?? EMPTY;
  const canSend = api.can("POST", API);
  const list = sends.ok ? sends.data.sends : [];
  const options = [
    {
      value: "*",
      label: `All members (${segments.ok ? segments.data.allMembers : "?"})`,
    },
    ...(segments.ok ? segments.data.segments : []).map((s) => ({
      value: s.segment,
      label: `${s.segment} (${s.members})`,
    })),
  ];
  const rendered = state.preview
    ? renderTemplate(
        "promotion",
        DEFAULT_TEMPLATES.promotion,
        { headline: draft.headline, body: draft.body, url: draft.url },
        "en",
        viewer.timeZone,
      )
    : null;
  return c.html(
    <Page title="Promotions" current="notifications" viewer={viewer}>
      <Notice text={c.req.query("notice")} />
      <p>
        <a href="/console/notifications/templates">Notification templates</a>
      </p>
      {sends.ok ? null : <ProblemNotice problem={sends.problem} />}
      {canSend ? (
        <form
          method="post"
          action={PROMOTIONS_BASE}
          class="panel"
          aria-label="New promotional send"
        >
          <h2>New promotional send</h2>
          <Csrf token={viewer.csrfToken} />
          <ProblemNotice problem={state.problem} />
          <Select
            name="segment"
            label="Segment"
            options={options}
            value={draft.segment}
            hint="Only members who opted in to promotional messages get it."
            error={fieldError(state.problem, "segment")}
          />
          <Field
            name="headline"
            label="Headline"
            value={draft.headline}
            required
            error={fieldError(state.problem, "headline")}
          />
          <TextArea
            name="body"
            label="Message"
            value={draft.body}
            rows={3}
            error={fieldError(state.problem, "body")}
          />
          <Field
            name="url"
            label="Link"
            type="url"
            value={draft.url}
            required
            error={fieldError(state.problem, "url")}
          />
          <Field
            name="sendAt"
            label="Send at (UTC, optional)"
            type="datetime-local"
            value={draft.sendAt}
            hint="Empty: now."
            error={fieldError(state.problem, "sendAtMs")}
          />
          {rendered ? (
            <section class="panel" aria-label="Preview">
              <h3>Preview (built-in template)</h3>
              <p>
                <strong>{rendered.title}</strong>
              </p>
              <p>{rendered.body}</p>
              {rendered.url ? <p>{rendered.url}</p> : null}
            </section>
          ) : null}
          <button type="submit" name="intent" value="preview">
            Preview
          </button>{" "}
          {rendered ? (
            <button type="submit" name="intent" value="send">
              Send
            </button>
          ) : null}
        </form>
      ) : null}
      <SendsTable
        sends={list}
        canCancel={api.can("POST", `${API}/x/cancel`)}
        csrf={viewer.csrfToken}
        timeZone={viewer.timeZone}
      />
    </Page>,
    status,
  );
}

function SendsTable(props: { sends: Send[]; canCancel: boolean; csrf: string; timeZone: string }) {
  const going = props.sends.some((s) => s.status === "scheduled" || s.status === "sending");
  const poll = going
    ? {
        "hx-get": PROMOTIONS_BASE,
        "hx-trigger": "every 2s",
        "hx-select": "#promo-sends",
        "hx-target": "#promo-sends",
        "hx-swap": "outerHTML",
      }
    : {};
  if (props.sends.length === 0) {
    return (
      <section id="promo-sends">
        <EmptyState>No promotional sends yet.</EmptyState>
      </section>
    );
  }
  return (
    <section id="promo-sends" {...poll}>
      <h2>Sends</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Headline</th>
            <th scope="col">Segment</th>
            <th scope="col">Status</th>
            <th scope="col">Progress</th>
            <th scope="col">Send at</th>
            <th scope="col">By</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.sends.map((s) => (
            <tr data-send={s.id}>
              <td>{s.headline}</td>
              <td>{s.segment === "*" ? "all members" : s.segment}</td>
              <td>
                <Badge status={s.status} />
              </td>
              <td data-progress>{`${s.enqueued} sent, ${s.skipped} skipped of ${s.audience}`}</td>
              <td>
                <DateTime at={s.sendAt} timeZone={props.timeZone} />
              </td>
              <td>{s.createdBy}</td>
              <td>
                {props.canCancel && (s.status === "scheduled" || s.status === "sending") ? (
                  <form method="post" action={`${PROMOTIONS_BASE}/${s.id}/cancel`}>
                    <Csrf token={props.csrf} />
                    <button type="submit">Cancel</button>
                  </form>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function draftOf(form: Record<string, unknown>): Draft {
  return {
    segment: text(form.segment) || "*",
    headline: text(form.headline),
    body: text(form.body),
    url: text(form.url),
    sendAt: text(form.sendAt),
  };
}

export const promotionsRoutes = new Hono<ConsoleContext>()
  .get("/", (c) => renderPage(c))
  .post("/", async (c) => {
    const draft = draftOf(await c.req.parseBody());
    const intent = text((await c.req.parseBody()).intent);
    if (intent !== "send") return renderPage(c, { draft, preview: true });
    const sendAtMs = draft.sendAt ? Date.parse(`${draft.sendAt}Z`) : undefined;
    const result = await c.get("api").send<Send>("POST", API, {
      segment: draft.segment,
      headline: draft.headline,
      body: draft.body,
      url: draft.url,
      ...(sendAtMs !== undefined && Number.isFinite(sendAtMs) ? { sendAtMs } : {}),
    });
    if (!result.ok) return renderPage(c, { draft, problem: result.problem, preview: true }, 400);
    return c.redirect(`${PROMOTIONS_BASE}?notice=${encodeURIComponent("Send created.")}`, 303);
  })
  .post("/:id/cancel", async (c) => {
    const result = await c.get("api").send<Send>("POST", `${API}/${c.req.param("id")}/cancel`);
    if (!result.ok) return renderPage(c, { problem: result.problem }, 409);
    return c.redirect(`${PROMOTIONS_BASE}?notice=${encodeURIComponent("Send cancelled.")}`, 303);
  });
