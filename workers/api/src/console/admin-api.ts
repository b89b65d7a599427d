import type { ProblemBody } from "#shared/http/errors";
import type { AdminIdentity } from "../auth/admin-keys";
import { scopeDecision } from "../auth/admin-scopes";
import { asConsoleOperator } from "../auth/console-operator";

/** What the console needs of the api app: a way to call it. */
export interface ApiApp {
  fetch: (request: Request, env: never, ctx?: ExecutionContext) => Response | Promise<Response>;
}

export type ApiResult<T> =
  | { ok: true; status: number; data: T; location: string | null }
  | { ok: false; status: number; problem: ProblemBody };

type Query = Record<string, string | number | boolean | undefined | null>;

/**
 * The admin API as the signed-in operator sees it. Every console read and action goes
 * through here, so the API's validation, role rules and audit log are the console's too.
 */
export interface AdminApi {
  get<T>(path: string, query?: Query): Promise<ApiResult<T>>;
  send<T>(
    method: "POST" | "PUT" | "PATCH" | "DELETE",
    path: string,
    body?: unknown,
  ): Promise<ApiResult<T>>;
  /** A raw response, for streams (CSV exports). */
  raw(path: string, query?: Query): Promise<Response>;
  /** Whether the operator's role may send `method` to `path`: to hide what they cannot use. */
  can(method: string, path: string): boolean;
}

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}${path.includes("?") ? "&" : "?"}${text}` : path;
}

/**
 * An AdminApi bound to one request: the operator's identity, the worker's env and the
 * request's origin (the URL only names the route; nothing leaves the isolate).
 *
 * @example
 * const api = adminApiFor(app, env, ctx, "https://api.example.com", { name: "ops@x", scope: "support" });
 * const result = await api.get<{ items: Claim[] }>("/admin/v1/claims", { status: "pending" });
 */
export function adminApiFor(
  app: ApiApp,
  env: object,
  ctx: ExecutionContext | undefined,
  origin: string,
  identity: AdminIdentity,
): AdminApi {
  const operatorEnv = asConsoleOperator(env, identity) as never;
  const call = (request: Request) => Promise.resolve(app.fetch(request, operatorEnv, ctx));

  async function result<T>(response: Response): Promise<ApiResult<T>> {
    const type = response.headers.get("content-type") ?? "";
    const location = response.headers.get("location");
    if (response.ok) {
      const data = (type.includes("json") ? await response.json() : null) as T;
      return { ok: true, status: response.status, data, location };
    }
    const problem = type.includes("json")
      ? ((await response.json()) as ProblemBody)
      : ({
          type: "about:blank",
          title: response.statusText || "Error",
          status: response.status,
          code: "internal",
          detail: await response.text(),
        } as ProblemBody);
    return { ok: false, status: response.status, problem };
  }

  return {
    async get<T>(path: string, query?: Query) {
      return result<T>(await call(new Request(new URL(withQuery(path, query), origin))));
    },
    async send<T>(method: "POST" | "PUT" | "PATCH" | "DELETE", path: string, body?: unknown) {
      const init: RequestInit = { method };
      if (body !== undefined) {
        init.body = JSON.stringify(body);
        init.headers = { "content-type": "application/json" };
      }
      return result<T>(await call(new Request(new URL(path, origin), init)));
    },
    async raw(path: string, query?: Query) {
      return call(new Request(new URL(withQuery(path, query), origin)));
    },
    can(method: string, path: string) {
      return scopeDecision(identity.scope, method, path).allowed;
    },
  };
}
