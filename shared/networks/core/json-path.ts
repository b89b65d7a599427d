/**
 * A deliberately small JSON path: dot-separated keys and `[n]` indexes (`order.items[0].sku`).
 * Lookups use own properties only, and the path grammar has no `__proto__`, `constructor` or
 * `prototype`, so an operator's mapping can never reach into Object.prototype.
 */

export const JSON_PATH_PATTERN = /^[A-Za-z0-9_$-]+(?:\.[A-Za-z0-9_$-]+|\[\d{1,4}\])*$/;
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);
const SEGMENT = /([A-Za-z0-9_$-]+)|\[(\d{1,4})\]/g;

/**
 * Whether `path` is a valid mapping path.
 *
 * @example
 * isJsonPath("order.items[0].sku") // true
 * isJsonPath("a.__proto__.b")     // false
 */
export function isJsonPath(path: string): boolean {
  if (path.length > 200 || !JSON_PATH_PATTERN.test(path)) return false;
  return segments(path).every((s) => typeof s === "number" || !FORBIDDEN_KEYS.has(s));
}

/**
 * The value at `path` in `root`, or undefined when any step is missing.
 *
 * @example
 * getPath({ order: { id: "A1" } }, "order.id") // "A1"
 * getPath({ a: [1, 2] }, "a[1]")              // 2
 */
export function getPath(root: unknown, path: string): unknown {
  if (!isJsonPath(path)) return undefined;
  let current: unknown = root;
  for (const segment of segments(path)) {
    if (typeof segment === "number") {
      if (!Array.isArray(current) || segment >= current.length) return undefined;
      current = current[segment];
    } else {
      if (typeof current !== "object" || current === null || Array.isArray(current))
        return undefined;
      if (!Object.hasOwn(current, segment)) return undefined;
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return current;
}

function segments(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const match of path.matchAll(SEGMENT)) {
    if (match[1] !== undefined) out.push(match[1]);
    else if (match[2] !== undefined) out.push(Number(match[2]));
  }
  return out;
}
