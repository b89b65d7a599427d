import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { findLiveSession } from "../../features/operators/index";
import type { ConsoleContext } from "../context";

/**
 * The session cookie: `__Host-` (this host only, path /, Secure), HttpOnly (no script reads
 * it), SameSite=Strict (no other site's page sends it). It holds a random id; the session
 * itself is server side (features/operators/session-store.ts).
 */
export const SESSION_COOKIE = "boomerang-console";

export function setSessionCookie(c: Context, sessionId: string, maxAgeSec: number): void {
  setCookie(c, SESSION_COOKIE, sessionId, {
    prefix: "host",
    httpOnly: true,
    secure: true,
    sameSite: "Strict",
    path: "/",
    maxAge: maxAgeSec,
  });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { prefix: "host", secure: true, path: "/" });
}

export function sessionIdOf(c: Context): string | undefined {
  return getCookie(c, SESSION_COOKIE, "host");
}

/** Where the browser goes to sign in; htmx requests are told to load it as a whole page. */
export function toSignIn(c: Context) {
  if (c.req.header("hx-request")) {
    c.header("HX-Redirect", "/console/sign-in");
    return c.body(null, 204);
  }
  return c.redirect("/console/sign-in", 303);
}

/** Pages behind sign-in: a live session or the sign-in page. */
export const requireSession = createMiddleware<ConsoleContext>(async (c, next) => {
  const sessionId = sessionIdOf(c);
  const session = sessionId ? await findLiveSession(c.env.DB, sessionId, Date.now()) : null;
  if (!session) {
    if (sessionId) clearSessionCookie(c);
    return toSignIn(c);
  }
  c.set("session", session);
  await next();
});
