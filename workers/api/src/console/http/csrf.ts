import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { toBase64Url, utf8 } from "#shared/crypto/encoding";
import { constantTimeEqual } from "#shared/crypto/hmac";
import type { ConsoleContext } from "../context";
import { renderFormExpired } from "../pages/form-expired";

/** The hidden form field every state-changing console form carries. */
export const CSRF_FIELD = "_csrf";
/** Before sign-in there is no session: the sign-in form's token is also set in this cookie. */
const PRE_SESSION_COOKIE = "boomerang-console-csrf";

const sameToken = (a: string, b: string) =>
  a.length > 0 && constantTimeEqual(utf8.encode(a), utf8.encode(b));

async function formToken(c: Context): Promise<string> {
  const type = c.req.header("content-type") ?? "";
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) return "";
  const form = await c.req.parseBody();
  const value = form[CSRF_FIELD];
  return typeof value === "string" ? value : "";
}

/**
 * Every POST behind sign-in must carry the session's token in `_csrf` (the synchroniser
 * token pattern); without it the action is refused with 403 and nothing happens.
 */
export const requireCsrf = createMiddleware<ConsoleContext>(async (c, next) => {
  if (c.req.method !== "POST") return next();
  if (!sameToken(await formToken(c), c.get("session").csrfToken)) return renderFormExpired(c);
  await next();
});

/** The sign-in form's token: a fresh random one, also set as a short-lived cookie. */
export function issuePreSessionToken(c: Context): string {
  const token = toBase64Url(crypto.getRandomValues(new Uint8Array(24)));
  setCookie(c, PRE_SESSION_COOKIE, token, {
    prefix: "host",
    httpOnly: true,
    secure: true,
    sameSite: "Strict",
    path: "/",
    maxAge: 30 * 60,
  });
  return token;
}

/** The sign-in form's check: the field must equal the cookie (double submit). */
export async function preSessionTokenValid(c: Context): Promise<boolean> {
  const cookie = getCookie(c, PRE_SESSION_COOKIE, "host") ?? "";
  return sameToken(await formToken(c), cookie);
}
