import type { PostbackRequest } from "../types";

/**
 * Query-string and form-body parameters of a postback, as most networks send them. Values live
 * in a Map, never on a plain object, so a parameter named `__proto__` or `constructor` is just
 * a name. A name that appears twice with different values is refused: which one a network
 * "meant" is exactly what a parameter-pollution attack hopes we guess wrong.
 */

export const MAX_PARAMS = 100;
export const MAX_PARAM_VALUE_CHARS = 2_048;

export interface Params {
  /** The value of `name`, or null when absent. Empty values are returned as "". */
  get(name: string): string | null;
  /** The first present value among `names`, in order (aliases such as `sid` / `shopperId`). */
  first(...names: string[]): string | null;
  readonly size: number;
}

export type ParamsRead = { ok: true; params: Params } | { ok: false; reason: string };

export interface ParamOptions {
  /** Networks disagree on case (Impact's `SubId1` vs `subid1`); fixed adapters ignore it. */
  caseInsensitive: boolean;
  /** Also read an `application/x-www-form-urlencoded` body (POST postbacks). */
  includeForm: boolean;
}

/**
 * Reads the query string (and optionally a form body) of a postback.
 *
 * @example
 * const read = readParams(request, { caseInsensitive: true, includeForm: true });
 * if (read.ok) read.params.get("subid");
 */
export function readParams(request: PostbackRequest, options: ParamOptions): ParamsRead {
  const query = rawQueryString(request.url);
  if (query === null) return { ok: false, reason: "the postback URL cannot be parsed" };
  const sources = [query];
  if (options.includeForm && isFormBody(request)) sources.push(request.rawBody);
  return paramsFrom(sources, options.caseInsensitive);
}

/**
 * Only the form body's parameters (empty unless the request is a form POST): for mappings that
 * say a field comes from the body, not the URL.
 *
 * @example
 * readFormParams(request, false)
 */
export function readFormParams(request: PostbackRequest, caseInsensitive: boolean): ParamsRead {
  return paramsFrom(isFormBody(request) ? [request.rawBody] : [], caseInsensitive);
}

function paramsFrom(sources: string[], caseInsensitive: boolean): ParamsRead {
  const options = { caseInsensitive };
  const values = new Map<string, string>();
  for (const source of sources) {
    let pairs: URLSearchParams;
    try {
      pairs = new URLSearchParams(source);
    } catch {
      return { ok: false, reason: "the parameters cannot be parsed" };
    }
    for (const [rawName, value] of pairs) {
      const name = options.caseInsensitive ? rawName.toLowerCase() : rawName;
      if (values.size >= MAX_PARAMS && !values.has(name)) {
        return { ok: false, reason: `more than ${MAX_PARAMS} parameters` };
      }
      if (value.length > MAX_PARAM_VALUE_CHARS) {
        return {
          ok: false,
          reason: `parameter ${JSON.stringify(rawName.slice(0, 40))} is too long`,
        };
      }
      const seen = values.get(name);
      if (seen !== undefined && seen !== value) {
        return {
          ok: false,
          reason: `parameter ${JSON.stringify(rawName.slice(0, 40))} appears twice with different values`,
        };
      }
      values.set(name, value);
    }
  }
  const key = (name: string) => (options.caseInsensitive ? name.toLowerCase() : name);
  return {
    ok: true,
    params: {
      get: (name) => values.get(key(name)) ?? null,
      first: (...names) => {
        for (const name of names) {
          const value = values.get(key(name));
          if (value !== undefined && value !== "") return value;
        }
        return null;
      },
      size: values.size,
    },
  };
}

/**
 * The query string exactly as received (without `?`), or null when the URL does not parse.
 * HMAC-signed query strings are verified over these bytes, not a re-serialisation.
 *
 * @example
 * rawQueryString("https://x.test/postback/n?a=1&b=2") // "a=1&b=2"
 */
export function rawQueryString(url: string): string | null {
  try {
    return new URL(url).search.replace(/^\?/, "");
  } catch {
    return null;
  }
}

/**
 * A request header by lower-case name, or null. Own properties only, so a header map built
 * from hostile input cannot answer `__proto__` or `constructor` from Object.prototype.
 *
 * @example
 * headerOf(request, "x-signature")
 */
export function headerOf(request: PostbackRequest, name: string): string | null {
  const headers = request.headers;
  if (typeof headers !== "object" || headers === null || !Object.hasOwn(headers, name)) return null;
  const value: unknown = headers[name];
  return typeof value === "string" ? value : null;
}

function isFormBody(request: PostbackRequest): boolean {
  const type = headerOf(request, "content-type") ?? "";
  return (
    request.method === "POST" && type.toLowerCase().startsWith("application/x-www-form-urlencoded")
  );
}
