import type { Context } from "hono";
import { Hono } from "hono";
import { z } from "zod";
import { appendAuditEntry } from "../../features/admin-audit/index";
import {
  createSession,
  revokeSession,
  SESSION_POLICY,
  type SignInResult,
  signInOperator,
} from "../../features/operators/index";
import type { ConsoleContext } from "../context";
import { formatDateTime } from "../format/time";
import { CSRF_FIELD, issuePreSessionToken, preSessionTokenValid } from "../http/csrf";
import { clearSessionCookie, setSessionCookie } from "../http/session";
import { BarePage } from "../views/layout";
import { renderFormExpired } from "./form-expired";

const SignInForm = z.object({
  email: z.string().trim().max(254),
  password: z.string().max(256),
});

function SignInPage(props: { token: string; email?: string; message?: string }) {
  return (
    <BarePage title="Sign in">
      {props.message ? (
        <div class="notice bad" role="alert">
          {props.message}
        </div>
      ) : null}
      <form method="post" action="/console/sign-in" class="panel">
        <input type="hidden" name={CSRF_FIELD} value={props.token} />
        <div class="field">
          <label for="email">Email</label>
          <input
            id="email"
            name="email"
            type="email"
            autocomplete="username"
            required
            value={props.email ?? ""}
          />
        </div>
        <div class="field">
          <label for="password">Password</label>
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="current-password"
            required
          />
        </div>
        <button type="submit">Sign in</button>
      </form>
    </BarePage>
  );
}

function signInPage(
  c: Context,
  status: 200 | 401 | 403 | 423,
  props: { email?: string; message?: string } = {},
) {
  return c.html(<SignInPage token={issuePreSessionToken(c)} {...props} />, status);
}

/** GET/POST /console/sign-in and POST /console/sign-out (the rest of the console needs a session). */
export const signInRoutes = new Hono<ConsoleContext>()
  .get("/sign-in", (c) => signInPage(c, 200))
  .post("/sign-in", async (c) => {
    if (!(await preSessionTokenValid(c))) return renderFormExpired(c);
    const parsed = SignInForm.safeParse(await c.req.parseBody());
    if (!parsed.success) return signInPage(c, 401, { message: "Email or password is wrong." });
    const { email, password } = parsed.data;
    const nowMs = Date.now();
    const result = await signInOperator(c.env.DB, email, password, nowMs);
    await auditSignIn(c, result, nowMs);
    if (result.outcome === "locked") {
      const until = formatDateTime(result.untilMs, "UTC");
      return signInPage(c, 423, {
        email,
        message: `Too many wrong passwords: this account is locked until ${until} UTC. An admin can unlock it sooner.`,
      });
    }
    if (result.outcome !== "signed_in") {
      // A disabled account gets the same answer as a wrong password: nothing to learn here.
      return signInPage(c, 401, { email, message: "Email or password is wrong." });
    }
    const session = await createSession(c.env.DB, result.operator.id, nowMs);
    setSessionCookie(c, session.sessionId, Math.floor(SESSION_POLICY.maxAgeMs / 1000));
    c.get("log")?.info("console.signed_in", { operatorId: result.operator.id });
    return c.redirect("/console", 303);
  });

const SIGN_IN_STATUS = { signed_in: 303, wrong: 401, disabled: 401, locked: 423 } as const;

/**
 * Sign-ins and sign-outs of known operators go to the audit log beside their admin writes
 * (who, when, the answer). An e-mail no operator has is not recorded: it is nobody's action,
 * and may be someone's mistyped password.
 */
async function auditSignIn(c: Context<ConsoleContext>, result: SignInResult, nowMs: number) {
  const { operator } = result;
  if (!operator) return;
  await appendAuditEntry(c.env.DB, {
    atMs: nowMs,
    actor: operator.email,
    scope: operator.role,
    method: "POST",
    path: "/console/sign-in",
    operationId: null,
    status: SIGN_IN_STATUS[result.outcome],
    problem:
      result.outcome === "signed_in"
        ? null
        : {
            code: result.outcome,
            detail: result.outcome === "locked" ? "account locked" : "wrong password or disabled",
          },
    before: null,
    after: null,
    requestId: c.get("requestId") ?? null,
  });
}

/** Sign-out revokes the server-side session, then clears the cookie. */
export async function signOut(c: Context<ConsoleContext>) {
  const { operator } = c.get("session");
  await appendAuditEntry(c.env.DB, {
    atMs: Date.now(),
    actor: operator.email,
    scope: operator.role,
    method: "POST",
    path: "/console/sign-out",
    operationId: null,
    status: 303,
    problem: null,
    before: null,
    after: null,
    requestId: c.get("requestId") ?? null,
  });
  await revokeSession(c.env.DB, c.get("session").idHash, Date.now());
  clearSessionCookie(c);
  return c.redirect("/console/sign-in", 303);
}
