import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { Hono } from "hono";
import { operators } from "#shared/db/schema";
import { hashPassword, verifyPassword } from "../../features/operators/password";
import { PasswordSchema, TimeZoneSchema } from "../../features/operators/schemas";
import { setOperatorPassword } from "../../features/operators/store";
import type { ConsoleContext } from "../context";
import { clearSessionCookie } from "../http/session";
import { Field, Notice, ProblemNotice } from "../views/components";
import { Csrf, Page } from "../views/layout";
import { viewerOf } from "../views/viewer";

/** /console/account: who you are signed in as, and your time zone for every page. */
export const accountRoutes = new Hono<ConsoleContext>()
  .get("/", (c) => {
    const viewer = viewerOf(c);
    const { operator } = c.get("session");
    return c.html(
      <Page title="Account" current="account" viewer={viewer}>
        <Notice text={c.req.query("notice")} />
        <dl class="facts panel">
          <dt>Name</dt>
          <dd>{operator.displayName}</dd>
          <dt>Email</dt>
          <dd>{operator.email}</dd>
          <dt>Role</dt>
          <dd>{operator.role}</dd>
        </dl>
        <form method="post" action="/console/account/time-zone" class="panel">
          <Csrf token={viewer.csrfToken} />
          <Field
            name="timeZone"
            label="Time zone"
            value={operator.timeZone}
            hint="An IANA zone such as Europe/Berlin; every time in the console is shown in it."
          />
          <button type="submit">Save</button>
        </form>
        <form method="post" action="/console/account/password" class="panel">
          <h2>Change password</h2>
          <Csrf token={viewer.csrfToken} />
          <Field
            name="current"
            label="Current password"
            type="password"
            required
            autocomplete="current-password"
          />
          <Field
            name="next"
            label="New password"
            type="password"
            required
            autocomplete="new-password"
            hint="At least 12 characters. Every session of yours ends; sign in again with the new one."
          />
          <button type="submit">Change password</button>
        </form>
      </Page>,
    );
  })
  .post("/time-zone", async (c) => {
    const form = await c.req.parseBody();
    const parsed = TimeZoneSchema.safeParse(form.timeZone);
    if (!parsed.success) {
      const viewer = viewerOf(c);
      return c.html(
        <Page title="Account" current="account" viewer={viewer}>
          <ProblemNotice
            problem={{
              type: "about:blank",
              title: "Not saved",
              status: 400,
              code: "validation_failed",
              detail: "the time zone is not one this runtime knows",
              errors: [
                { path: "timeZone", message: "an IANA time zone such as Europe/Berlin or UTC" },
              ],
            }}
          />
          <p>
            <a href="/console/account">Back</a>
          </p>
        </Page>,
        400,
      );
    }
    // The operator's own setting, not an admin action: written directly, for this operator only.
    await drizzle(c.env.DB)
      .update(operators)
      .set({ timeZone: parsed.data, updatedAtMs: Date.now() })
      .where(eq(operators.id, c.get("session").operator.id));
    return c.redirect("/console/account?notice=Time%20zone%20saved.", 303);
  })
  .post("/password", async (c) => {
    const form = await c.req.parseBody();
    const { operator } = c.get("session");
    const current = typeof form.current === "string" ? form.current : "";
    const next = PasswordSchema.safeParse(form.next);
    const right = await verifyPassword(current, {
      hash: operator.passwordHash,
      salt: operator.passwordSalt,
      iterations: operator.passwordIterations,
    });
    if (!right || !next.success) {
      const viewer = viewerOf(c);
      const errors = [
        ...(right ? [] : [{ path: "current", message: "not your current password" }]),
        ...(next.success
          ? []
          : [{ path: "next", message: next.error.issues[0]?.message ?? "not a valid password" }]),
      ];
      return c.html(
        <Page title="Account" current="account" viewer={viewer}>
          <ProblemNotice
            problem={{
              type: "about:blank",
              title: "Password not changed",
              status: 400,
              code: "validation_failed",
              detail: "see the fields below",
              errors,
            }}
          />
          <p>
            <a href="/console/account">Back</a>
          </p>
        </Page>,
        400,
      );
    }
    // A new password ends every session, this one included: sign in again with it.
    await setOperatorPassword(c.env.DB, operator.id, await hashPassword(next.data), Date.now());
    clearSessionCookie(c);
    return c.redirect("/console/sign-in", 303);
  });
