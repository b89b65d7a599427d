import { sign } from "hono/jwt";
import { DEV_EVENT_KEY_NAME } from "#scripts/lib/dev-vars";
import { signEvents } from "#shared/events/event-signature";
import { runtimeInfo } from "./runtime-info";

/**
 * The runtime's own APIs for fixtures, as their real callers use them: a user through the
 * user API with a token minted from the runtime's USER_JWT_SECRET (as an operator's backend
 * would), the operator's backend through the admin API with the admin key, and the local
 * sandboxes (network at /sandbox/, payout processor at /sandbox-processor/) over HTTP.
 */

/** A JSON request to the runtime; a non-2xx answer throws with its body. */
async function call<T>(path: string, init: RequestInit, headers: Record<string, string>) {
  const response = await fetch(`${runtimeInfo().baseUrl}${path}`, {
    ...init,
    headers: {
      ...(init.body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
      ...(init.headers as Record<string, string> | undefined),
    },
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`${init.method ?? "GET"} ${path} → ${response.status} ${text}`);
  }
  return (text ? JSON.parse(text) : null) as T;
}

/**
 * The user API as `userId`, with a one-hour token.
 *
 * @example
 * const wallet = await asUser<{ balances: unknown[] }>("u-1", "/v1/me/wallet");
 */
export async function asUser<T>(userId: string, path: string, init: RequestInit = {}) {
  const token = await sign(
    { sub: userId, exp: Math.floor(Date.now() / 1000) + 3_600 },
    runtimeInfo().userJwtSecret,
    "HS256",
  );
  return call<T>(path, init, { authorization: `Bearer ${token}` });
}

/**
 * The admin API with the runtime's admin key.
 *
 * @example
 * await asAdmin("/admin/v1/users/u-1", { method: "PUT", body: JSON.stringify({}) });
 */
export function asAdmin<T>(path: string, init: RequestInit = {}) {
  return call<T>(path, init, { authorization: `Bearer ${runtimeInfo().adminKey}` });
}

/**
 * First-party events as the operator's backend sends them: signed with the runtime's event
 * key (docs/events.md).
 *
 * @example
 * await asBackend({ id: "e1", type: "user.signed_up", userId: "u-1", occurredAt: "…", data: {} });
 */
export async function asBackend<T>(body: unknown) {
  const raw = JSON.stringify(body);
  const signature = await signEvents(
    runtimeInfo().eventKeySecret,
    DEV_EVENT_KEY_NAME,
    raw,
    Math.floor(Date.now() / 1000),
  );
  return call<T>(
    "/v1/events",
    { method: "POST", body: raw },
    { "boomerang-key": DEV_EVENT_KEY_NAME, "boomerang-signature": signature },
  );
}

/**
 * A local sandbox's unauthenticated control API (`/sandbox/…`, `/sandbox-processor/…`).
 *
 * @example
 * await toSandbox("/sandbox-processor/control/faults", { method: "DELETE" });
 */
export function toSandbox<T>(path: string, init: RequestInit = {}) {
  return call<T>(path, init, {});
}

/**
 * Calls `check` every 250 ms until it returns something truthy (work travels through
 * queues), failing with `what` after `timeoutMs`.
 *
 * @example
 * await until(async () => (await payoutOf(id)).status === "stuck", "the payout to be stuck");
 */
export async function until<T>(
  check: () => Promise<T | null | undefined | false>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
