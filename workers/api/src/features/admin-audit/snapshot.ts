/**
 * Pure pieces of the admin audit log: which admin GET shows the resource a write changes,
 * and how a GET view is made safe and small enough to store.
 */

export interface AdminRoute {
  method: string;
  /** The OpenAPI path template, e.g. `/admin/v1/offers/{id}`. */
  template: string;
  operationId: string | null;
}

/** The routes of an OpenAPIHono app, from its registry definitions (prefixes included). */
export function routeTableFrom(definitions: readonly unknown[]): AdminRoute[] {
  const routes: AdminRoute[] = [];
  for (const def of definitions) {
    const d = def as {
      type?: string;
      route?: { method?: string; path?: string; operationId?: string };
    };
    if (d.type !== "route" || !d.route?.method || !d.route.path) continue;
    routes.push({
      method: d.route.method.toUpperCase(),
      template: d.route.path,
      operationId: d.route.operationId ?? null,
    });
  }
  return routes;
}

const segmentsOf = (path: string) => path.split("/").filter((s) => s.length > 0);
const isParam = (segment: string) => /^\{[^}]+\}$/.test(segment);

/**
 * The route serving `method path`: a template whose segments match one for one (`{x}`
 * matches any one segment), preferring the one with the most literal segments.
 *
 * @example
 * matchRoute(routes, "GET", "/admin/v1/offers/shop-1")?.operationId; // "getOffer"
 */
export function matchRoute(
  routes: readonly AdminRoute[],
  method: string,
  path: string,
): AdminRoute | null {
  const segments = segmentsOf(path);
  let best: AdminRoute | null = null;
  let bestLiterals = -1;
  for (const route of routes) {
    if (route.method !== method.toUpperCase()) continue;
    const template = segmentsOf(route.template);
    if (template.length !== segments.length) continue;
    if (!template.every((s, i) => isParam(s) || s === segments[i])) continue;
    const literals = template.filter((s) => !isParam(s)).length;
    if (literals > bestLiterals) {
      best = route;
      bestLiterals = literals;
    }
  }
  return best;
}

/**
 * Where the resource a write changes can be read: the written path itself when it has a GET
 * (`PUT /offers/x` → `GET /offers/x`), else, for an action (`POST /payouts/p/approve`), its
 * parent when that has a GET (`GET /payouts/p`). Null when neither has one: the log then
 * keeps the write's own answer as "after".
 */
export function snapshotPathFor(
  routes: readonly AdminRoute[],
  method: string,
  path: string,
): string | null {
  if (matchRoute(routes, "GET", path)) return path;
  if (method.toUpperCase() !== "POST") return null;
  const parent = path.replace(/\/[^/]+\/?$/, "");
  return parent && matchRoute(routes, "GET", parent) ? parent : null;
}

/** Longest snapshot kept, in characters of JSON; a longer one is replaced by a marker. */
export const MAX_SNAPSHOT_CHARS = 16 * 1024;
/** Keys whose string values are never stored, whatever a view (now or later) returns. */
const SECRET_KEY = /secret|token|password|passphrase|api_?key|credential|private/i;
const REDACTED = "[redacted]";
const MAX_DEPTH = 16;

/**
 * A JSON text as it may be stored: parsed, string values under secret-sounding keys replaced
 * (admin views already omit secrets; this keeps a future view's mistake out of the log), and
 * a marker instead of anything over the size bound or not JSON.
 *
 * @example
 * storableSnapshot('{"postbackSecret":"s3cret","postbackSecretSet":true}');
 * // { postbackSecret: "[redacted]", postbackSecretSet: true }
 */
export function storableSnapshot(text: string): unknown {
  if (text.length > MAX_SNAPSHOT_CHARS) return { truncated: true, chars: text.length };
  try {
    return redactSecrets(JSON.parse(text), 0);
  } catch {
    return { unreadable: true };
  }
}

function redactSecrets(value: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH) return { truncated: true };
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] =
      typeof v === "string" && SECRET_KEY.test(key) ? REDACTED : redactSecrets(v, depth + 1);
  }
  return out;
}
