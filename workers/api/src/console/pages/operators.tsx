import type { Context } from "hono";
import { Hono } from "hono";
import type { ProblemBody } from "#shared/http/errors";
import { OPERATOR_ROLES } from "../../auth/roles";
import type { ConsoleContext } from "../context";
import { Page } from "../views/layout";
import { viewerOf } from "../views/viewer";
import {
  Badge,
  Csrf,
  DateTimeCell,
  Field,
  fieldError,
  Notice,
  ProblemNotice,
} from "./operators-parts";

interface Operator {
  id: string;
  email: string;
  displayName: string;
  role: string;
  timeZone: string;
  disabled: boolean;
  lockedUntil: string | null;
  liveSessions: number;
  createdAt: string;
}

const API = "/admin/v1/operators";

async function listPage(
  c: Context<ConsoleContext>,
  form: { problem?: ProblemBody; values?: Record<string, string> } = {},
  status: 200 | 400 | 403 | 409 = 200,
) {
  const viewer = viewerOf(c);
  const api = c.get("api");
  const list = await api.get<{ items: Operator[] }>(API);
  const canWrite = api.can("POST", API);
  const values = form.values ?? {};
  return c.html(
    <Page title="Operators" current="operators" viewer={viewer}>
      <Notice text={c.req.query("notice")} />
      {list.ok ? null : <ProblemNotice problem={list.problem} />}
      {list.ok && list.data.items.length === 0 ? <p class="empty">No operators yet.</p> : null}
      {list.ok && list.data.items.length > 0 ? (
        <table>
          <caption class="visually-hidden">Console operators</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">State</th>
              <th scope="col" class="num">
                Sessions
              </th>
              <th scope="col">Created</th>
              {canWrite ? <th scope="col">Actions</th> : null}
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((o) => (
              <tr>
                <td>{o.displayName}</td>
                <td>{o.email}</td>
                <td>{o.role}</td>
                <td>
                  {o.disabled ? (
                    <Badge status="disabled" />
                  ) : o.lockedUntil ? (
                    <Badge status="locked" />
                  ) : (
                    <Badge status="active" />
                  )}
                </td>
                <td class="num">{o.liveSessions}</td>
                <td>
                  <DateTimeCell at={o.createdAt} timeZone={viewer.timeZone} />
                </td>
                {canWrite ? (
                  <td>
                    <div class="actions">
                      <form method="post" action={`/console/operators/${o.id}/role`}>
                        <Csrf token={viewer.csrfToken} />
                        <label class="visually-hidden" for={`role-${o.id}`}>
                          Role of {o.email}
                        </label>
                        <select id={`role-${o.id}`} name="role">
                          {OPERATOR_ROLES.map((r) => (
                            <option value={r} selected={r === o.role}>
                              {r}
                            </option>
                          ))}
                        </select>
                        <button type="submit" class="secondary">
                          Set role
                        </button>
                      </form>
                      {o.lockedUntil ? (
                        <ActionButton
                          id={o.id}
                          action="unlock"
                          label="Unlock"
                          token={viewer.csrfToken}
                        />
                      ) : null}
                      <ActionButton
                        id={o.id}
                        action="sign-out"
                        label="Sign out everywhere"
                        token={viewer.csrfToken}
                      />
                      <ActionButton
                        id={o.id}
                        action={o.disabled ? "enable" : "disable"}
                        label={o.disabled ? "Enable" : "Disable"}
                        token={viewer.csrfToken}
                      />
                    </div>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {canWrite ? (
        <section class="panel">
          <h2>New operator</h2>
          <ProblemNotice problem={form.problem} />
          <form method="post" action="/console/operators">
            <Csrf token={viewer.csrfToken} />
            <Field
              name="email"
              label="Email"
              type="email"
              required
              value={values.email}
              error={fieldError(form.problem, "email")}
            />
            <Field
              name="displayName"
              label="Display name"
              required
              value={values.displayName}
              error={fieldError(form.problem, "displayName")}
            />
            <div class="field">
              <label for="f-role">Role</label>
              <select id="f-role" name="role">
                {OPERATOR_ROLES.map((r) => (
                  <option value={r} selected={r === (values.role ?? "viewer")}>
                    {r}
                  </option>
                ))}
              </select>
            </div>
            <Field
              name="password"
              label="Initial password"
              type="password"
              required
              autocomplete="new-password"
              hint="At least 12 characters. Give it to the operator through a safe channel."
              error={fieldError(form.problem, "password")}
            />
            <button type="submit">Create operator</button>
          </form>
        </section>
      ) : null}
    </Page>,
    status,
  );
}

function ActionButton(props: { id: string; action: string; label: string; token: string }) {
  return (
    <form method="post" action={`/console/operators/${props.id}/${props.action}`}>
      <Csrf token={props.token} />
      <button type="submit" class="secondary">
        {props.label}
      </button>
    </form>
  );
}

const str = (v: unknown) => (typeof v === "string" ? v : "");

/** Runs one admin API call for a form and answers: back to the list with a notice, or the problem. */
async function act(
  c: Context<ConsoleContext>,
  call: Promise<{ ok: boolean; status: number; problem?: ProblemBody }>,
  notice: string,
  values?: Record<string, string>,
) {
  const result = await call;
  if (result.ok) return c.redirect(`/console/operators?notice=${encodeURIComponent(notice)}`, 303);
  const status = ([400, 403, 409].includes(result.status) ? result.status : 400) as 400 | 403 | 409;
  return listPage(c, { problem: result.problem, values }, status);
}

/** /console/operators: the list, creating operators, and per-operator actions (admin role). */
export const operatorsRoutes = new Hono<ConsoleContext>()
  .get("/", (c) => listPage(c))
  .post("/", async (c) => {
    const form = await c.req.parseBody();
    const values = {
      email: str(form.email),
      displayName: str(form.displayName),
      role: str(form.role),
    };
    const call = c.get("api").send("POST", API, { ...values, password: str(form.password) });
    return act(c, call, `Operator ${values.email} created.`, values);
  })
  .post("/:id/role", async (c) => {
    const form = await c.req.parseBody();
    const call = c
      .get("api")
      .send("PATCH", `${API}/${encodeURIComponent(c.req.param("id"))}`, { role: str(form.role) });
    return act(c, call, "Role changed; the operator's sessions ended.");
  })
  .post("/:id/:action{unlock|sign-out|enable|disable}", async (c) => {
    const id = encodeURIComponent(c.req.param("id"));
    const api = c.get("api");
    const action = c.req.param("action");
    const call =
      action === "unlock"
        ? api.send("POST", `${API}/${id}/unlock`)
        : action === "sign-out"
          ? api.send("DELETE", `${API}/${id}/sessions`)
          : api.send("PATCH", `${API}/${id}`, { disabled: action === "disable" });
    return act(c, call, `Done: ${action}.`);
  });
