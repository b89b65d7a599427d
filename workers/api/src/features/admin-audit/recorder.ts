import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { ApiEnv } from "#shared/env";
import { errorFields } from "#shared/observability/logger";
import type { ApiContext } from "../../auth";
import { isReadOnlyAction } from "../../auth/admin-scopes";
import { asInternalReader } from "../../auth/internal-reader";
import {
  type AdminRoute,
  matchRoute,
  routeTableFrom,
  snapshotPathFor,
  storableSnapshot,
} from "./snapshot";
import { appendAuditEntry } from "./store";

/** What the recorder needs of the api app: its routes, and a way to call its own GETs. */
export interface AuditedApp {
  openAPIRegistry: { definitions: readonly unknown[] };
  fetch: (request: Request, env: ApiEnv, ctx?: ExecutionContext) => Response | Promise<Response>;
}

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Records every admin write in the audit log (D1, awaited in the same request: admin writes
 * are rare, and the entry is readable as soon as the write has answered). Runs after the key
 * is identified and before its scope is checked, so refused writes are recorded too.
 *
 * Before and after are the resource as the app's own admin GET shows it (snapshot.ts), read
 * through the app as the internal read-only identity: never the caller's key, and never the
 * request body, so secrets sent in a write (postbackSecret, report tokens, payout details)
 * are never stored. A create's "after" comes from its Location when it names a readable
 * resource; a write with no readable resource keeps its own answer as "after".
 *
 * @example
 * app.use("/admin/*", requireAdmin, auditAdminWrites(app), requireAdminScope);
 */
export function auditAdminWrites(app: AuditedApp) {
  let routes: AdminRoute[] | null = null;
  const table = () => {
    routes ??= routeTableFrom(app.openAPIRegistry.definitions);
    return routes;
  };

  return createMiddleware<ApiContext>(async (c, next) => {
    const method = c.req.method.toUpperCase();
    // Reads sent as POST (the rules simulator) change nothing: not recorded, like GETs.
    if (!WRITE_METHODS.has(method) || isReadOnlyAction(method, c.req.path)) return next();
    const atMs = Date.now();
    const path = c.req.path;
    const snapshotPath = snapshotPathFor(table(), method, path);
    const before = snapshotPath ? await readSnapshot(app, c, snapshotPath) : null;

    await next();

    const response = c.res;
    const created = locationPath(response, c.req.url);
    const afterPath = created && matchRoute(table(), "GET", created) ? created : snapshotPath;
    const after = afterPath
      ? await readSnapshot(app, c, afterPath)
      : response.ok
        ? await bodySnapshot(response)
        : null;
    const admin = c.get("admin");
    try {
      await appendAuditEntry(c.env.DB, {
        atMs,
        actor: admin.name,
        scope: admin.scope,
        method,
        path,
        operationId: matchRoute(table(), method, path)?.operationId ?? null,
        status: response.status,
        problem: response.ok ? null : await problemOf(response),
        before,
        after,
        requestId: c.get("requestId") ?? null,
      });
    } catch (error) {
      // The write itself has happened; failing its answer would invite a retry. Logged loudly.
      c.get("log")?.error("admin_audit.append_failed", { method, path, ...errorFields(error) });
    }
  });
}

/** The admin GET of `path` as the internal reader: the stored snapshot, or null if absent. */
async function readSnapshot(
  app: AuditedApp,
  c: Context<ApiContext>,
  path: string,
): Promise<unknown> {
  const request = new Request(new URL(path, c.req.url), { method: "GET" });
  const response = await app.fetch(request, asInternalReader(c.env), executionCtxOf(c));
  if (response.status !== 200) {
    await response.body?.cancel();
    return null;
  }
  return storableSnapshot(await response.text());
}

async function bodySnapshot(response: Response): Promise<unknown> {
  if (!/json/i.test(response.headers.get("content-type") ?? "")) return null;
  return storableSnapshot(await response.clone().text());
}

async function problemOf(response: Response): Promise<{ code: string; detail: string } | null> {
  if (!/json/i.test(response.headers.get("content-type") ?? "")) return null;
  try {
    const body = (await response.clone().json()) as { code?: unknown; detail?: unknown };
    return {
      code: typeof body.code === "string" ? body.code : "unknown",
      detail: typeof body.detail === "string" ? body.detail.slice(0, 500) : "",
    };
  } catch {
    return null;
  }
}

function locationPath(response: Response, base: string): string | null {
  const location = response.headers.get("location");
  if (!location) return null;
  try {
    const url = new URL(location, base);
    return url.origin === new URL(base).origin && url.pathname.startsWith("/admin/")
      ? url.pathname
      : null;
  } catch {
    return null;
  }
}

function executionCtxOf(c: Context<ApiContext>): ExecutionContext | undefined {
  try {
    return c.executionCtx;
  } catch {
    // Outside a worker (app.request in scripts) there is none; the GETs need none.
    return undefined;
  }
}
