/**
 * Unread request bodies. workerd cannot put an HTTP/1.1 connection back into keep-alive while
 * the request it carried still has body bytes on the wire, and cancelling the body does not
 * help (workerd#1741): the next request on that connection fails, under `wrangler dev` as
 * `503 Your worker restarted mid-request`. So whenever we answer without reading a body (a
 * 404, a 401 before parsing, a 413), we read the rest of it and throw it away — up to a
 * bound, so a client cannot make us read without end; past it we cancel and the connection
 * is lost, which is the right price for a body that large.
 */

/** How much of an unread body we read to keep its connection reusable. */
export const DRAIN_LIMIT_BYTES = 1024 * 1024;

export type DrainPlan = "none" | "drain" | "cancel";

/**
 * What to do with a body we are about to leave unread: nothing when there is none or its
 * reader is someone else's, read it out when it is (or may be) within `limitBytes`, cancel
 * when it says it is larger.
 *
 * @example
 * drainPlan({ hasBody: true, locked: false, declaredBytes: 17_408 }) // "drain"
 */
export function drainPlan(
  body: { hasBody: boolean; locked: boolean; declaredBytes: number | null },
  limitBytes: number = DRAIN_LIMIT_BYTES,
): DrainPlan {
  if (!body.hasBody || body.locked) return "none";
  if (body.declaredBytes !== null && body.declaredBytes > limitBytes) return "cancel";
  return "drain";
}

/** The `content-length` a request declares, or null when it declares none we can use. */
export function declaredLength(headers: Headers): number | null {
  const raw = headers.get("content-length");
  if (raw === null || !/^\d{1,15}$/.test(raw)) return null;
  return Number(raw);
}

/**
 * Reads `reader` to its end and drops the bytes, at most `limitBytes` of them (counting
 * `alreadyReadBytes`); past that it cancels. Never throws: a body that fails mid-read is
 * gone either way.
 */
export async function discardRest(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  alreadyReadBytes = 0,
  limitBytes: number = DRAIN_LIMIT_BYTES,
): Promise<"drained" | "cancelled"> {
  let total = alreadyReadBytes;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return "drained";
      total += value.byteLength;
      if (total > limitBytes) {
        await reader.cancel();
        return "cancelled";
      }
    }
  } catch {
    return "cancelled";
  }
}

/**
 * Reads and drops what is left of a request's body when nobody read it; see `drainPlan`.
 *
 * @example
 * if (!authorized) {
 *   await discardUnreadBody(request);
 *   return new Response(null, { status: 401 });
 * }
 */
export async function discardUnreadBody(request: Request): Promise<void> {
  const body = request.body;
  if (body === null || request.bodyUsed) return;
  const plan = drainPlan({
    hasBody: true,
    locked: body.locked,
    declaredBytes: declaredLength(request.headers),
  });
  if (plan === "cancel") await body.cancel().catch(() => undefined);
  else if (plan === "drain") await discardRest(body.getReader());
}

/**
 * Wraps a fetch handler so that whatever it answers, a request body it left unread is read
 * out before the response goes back. Requests without a body (every GET, so the redirect's
 * hot path) go straight to the handler, with no extra promise.
 *
 * @example
 * export default {
 *   fetch: drainingUnreadBody(app.fetch),
 * } satisfies ExportedHandler<PostbackEnv>;
 */
export function drainingUnreadBody<E, C>(
  handler: (request: Request, env: E, ctx?: C) => Response | Promise<Response>,
): (request: Request, env: E, ctx?: C) => Response | Promise<Response> {
  return (request, env, ctx) => {
    if (request.body === null) return handler(request, env, ctx);
    return answerThenDiscard(request, () => handler(request, env, ctx));
  };
}

/** Answers with `answer()`, then reads out whatever of the request's body it left unread. */
export async function answerThenDiscard(
  request: Request,
  answer: () => Response | Promise<Response>,
): Promise<Response> {
  try {
    return await answer();
  } finally {
    await discardUnreadBody(request);
  }
}
