import fc from "fast-check";

/**
 * Hostile variations of a request the document describes. Each mutation is a pure function
 * of the valid value and two numbers drawn by fast-check (which leaf, which payload), so a
 * seed replays the same requests and the table tests in mutations.test.ts can pin each one.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Value-level mutations of a JSON body (or of one parameter's value). */
export const VALUE_MUTATIONS = [
  "wrong-type",
  "huge-number",
  "negative-number",
  "odd-number",
  "hostile-string",
  "long-string",
  "deep-nesting",
  "missing-field",
  "extra-field",
  "null-field",
] as const;
export type ValueMutation = (typeof VALUE_MUTATIONS)[number];

/** Byte-level mutations of the body text and its framing. */
export const BODY_MUTATIONS = [
  "truncated",
  "oversized",
  "invalid-json",
  "empty",
  "wrong-content-type",
  "no-content-type",
  "bom",
] as const;
export type BodyMutation = (typeof BODY_MUTATIONS)[number];

/** Credential mutations: what an attacker or a broken client puts in Authorization. */
export const CREDENTIAL_MUTATIONS = [
  "none",
  "garbage",
  "basic",
  "expired-jwt",
  "wrong-secret-jwt",
  "alg-none-jwt",
  "no-exp-jwt",
  "bad-admin-key",
  "user-on-admin",
] as const;
export type CredentialMutation = (typeof CREDENTIAL_MUTATIONS)[number];

/** Values a number leaf becomes. */
export const HUGE_NUMBERS: readonly number[] = [
  1e308,
  Number.MAX_SAFE_INTEGER + 2,
  2 ** 63,
  2 ** 53,
  1e21,
];
export const NEGATIVE_NUMBERS: readonly number[] = [
  -1,
  -1e308,
  -(2 ** 63),
  Number.MIN_SAFE_INTEGER,
];
export const ODD_NUMBERS: readonly number[] = [0.5, -0, 1e-300, 0.1 + 0.2, 123.456];

/** Strings a string leaf becomes: control characters, bidi overrides, lone surrogates, … */
export const HOSTILE_STRINGS: readonly string[] = [
  "",
  "\u0000",
  "a\u0000b",
  "\u0007\u0008\u001b[31m",
  "\r\n\r\nX-Injected: 1",
  "\u202e\u2066evil",
  "\ud800",
  "\udfff\ud800",
  "💸🪃".repeat(20),
  "ｆｕｌｌｗｉｄｔｈ",
  "Ω≈ç√∫˜µ≤≥÷",
  "../../etc/passwd",
  "%00%2F%2e%2e",
  "' OR 1=1 --",
  '"; DROP TABLE entries; --',
  "<script>alert(1)</script>",
  "{{constructor.constructor('x')()}}",
  "__proto__",
  " ",
  "\t",
  "null",
  "NaN",
  "-1",
  "1e999",
];

/** Keys an extra field gets: prototype pollution and near-miss spellings. */
export const EXTRA_KEYS: readonly string[] = [
  "__proto__",
  "constructor",
  "prototype",
  "x",
  "",
  "\u0000",
  "userId",
  "amountMinor",
];

/** Paths of every leaf (and every node) of a JSON value, root first. */
export function nodePaths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const paths: (string | number)[][] = [prefix];
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) paths.push(...nodePaths(v, [...prefix, i]));
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) paths.push(...nodePaths(v, [...prefix, k]));
  }
  return paths;
}

function getAt(value: Json, path: (string | number)[]): Json {
  let current: Json = value;
  for (const key of path) current = (current as Record<string | number, Json>)[key] as Json;
  return current;
}

/** A copy of `value` with the node at `path` replaced (or deleted, when `next` is undefined). */
export function setAt(value: Json, path: (string | number)[], next: Json | undefined): Json {
  if (path.length === 0) return next === undefined ? null : next;
  const copy = structuredClone(value) as Record<string | number, Json>;
  const parent = getAt(copy as Json, path.slice(0, -1)) as Record<string | number, Json>;
  const last = path[path.length - 1] as string | number;
  if (next === undefined) {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else {
    Object.defineProperty(parent, last, {
      value: next,
      enumerable: true,
      configurable: true,
      writable: true,
    });
  }
  return copy as Json;
}

/** Wraps `value` in `levels` levels of arrays and objects, alternating. */
export function deeplyNested(value: Json, levels: number): Json {
  let current = value;
  for (let i = 0; i < levels; i++) current = i % 2 === 0 ? [current] : { a: current };
  return current;
}

const pick = <T>(list: readonly T[], n: number): T => list[n % list.length] as T;

function leavesOfType(value: Json, test: (v: Json) => boolean) {
  return nodePaths(value).filter((p) => test(getAt(value, p)));
}

/**
 * Applies one value mutation. `a` chooses the node, `b` the payload; a mutation with no node
 * to act on (a number mutation on a body without numbers) acts on the root.
 *
 * @example
 * mutateValue({ amountMinor: 100 }, "negative-number", 1, 0) // { amountMinor: -1 }
 */
export function mutateValue(value: Json, kind: ValueMutation, a: number, b: number): Json {
  const nodes = nodePaths(value);
  const anyPath = pick(nodes, a);
  switch (kind) {
    case "wrong-type": {
      const current = getAt(value, anyPath);
      const candidates: Json[] = ["str", 42, true, null, [], {}, [1, "two"], { nested: { x: 1 } }];
      const others = candidates.filter(
        (v) => typeof v !== typeof current || Array.isArray(v) !== Array.isArray(current),
      );
      return setAt(value, anyPath, pick(others, b));
    }
    case "huge-number":
    case "negative-number":
    case "odd-number": {
      const numbers = leavesOfType(value, (v) => typeof v === "number");
      const list =
        kind === "huge-number"
          ? HUGE_NUMBERS
          : kind === "negative-number"
            ? NEGATIVE_NUMBERS
            : ODD_NUMBERS;
      const path = numbers.length > 0 ? pick(numbers, a) : anyPath;
      return setAt(value, path, pick(list, b));
    }
    case "hostile-string":
    case "long-string": {
      const strings = leavesOfType(value, (v) => typeof v === "string");
      const path = strings.length > 0 ? pick(strings, a) : anyPath;
      const payload =
        kind === "long-string" ? "é".repeat(4_000 + (b % 4) * 1_000) : pick(HOSTILE_STRINGS, b);
      return setAt(value, path, payload);
    }
    case "deep-nesting":
      return setAt(value, anyPath, deeplyNested("x", 1_000 + (b % 3) * 500));
    case "missing-field": {
      const fields = nodes.filter((p) => p.length > 0);
      return fields.length > 0 ? setAt(value, pick(fields, a), undefined) : null;
    }
    case "extra-field": {
      const objects = leavesOfType(
        value,
        (v) => v !== null && typeof v === "object" && !Array.isArray(v),
      );
      const path = objects.length > 0 ? pick(objects, a) : [];
      if (objects.length === 0) return { [pick(EXTRA_KEYS, b)]: { polluted: true }, value };
      return setAt(value, [...path, pick(EXTRA_KEYS, b)], { polluted: true });
    }
    case "null-field": {
      const fields = nodes.filter((p) => p.length > 0);
      return setAt(value, fields.length > 0 ? pick(fields, a) : [], null);
    }
  }
}

export interface RawBody {
  /** The bytes sent, as text (undefined: no body). */
  text: string | undefined;
  contentType: string | undefined;
}

/**
 * Applies one body mutation to the JSON text of a valid body. `maxBodyBytes` is the api's
 * bound (API_MAX_BODY_BYTES); an oversized body is one byte past it.
 *
 * @example
 * mutateBody('{"a":1}', "truncated", 3, 65536) // { text: '{"a', contentType: "application/json" }
 */
export function mutateBody(
  json: string,
  kind: BodyMutation,
  n: number,
  maxBodyBytes: number,
): RawBody {
  const jsonType = "application/json";
  switch (kind) {
    case "truncated":
      return {
        text: json.slice(0, Math.max(1, json.length > 1 ? n % json.length : 0)),
        contentType: jsonType,
      };
    case "oversized": {
      const pad = Math.max(0, maxBodyBytes + 1 - json.length);
      return { text: `${" ".repeat(pad)}${json}`, contentType: jsonType };
    }
    case "invalid-json":
      return {
        text: pick(
          ["{", "}", "[1,]", "{'a':1}", "NaN", "undefined", '{"a":01}', "\u0000", `${json},`],
          n,
        ),
        contentType: jsonType,
      };
    case "empty":
      return { text: "", contentType: jsonType };
    case "wrong-content-type":
      return {
        text: json,
        contentType: pick(
          [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/xml",
            "application/json-patch+json",
            "*/*",
          ],
          n,
        ),
      };
    case "no-content-type":
      return { text: json, contentType: undefined };
    case "bom":
      return { text: `\ufeff${json}`, contentType: "application/json; charset=utf-16" };
  }
}

/** Hostile values for a path parameter (before URL encoding). */
export const HOSTILE_PATH_VALUES: readonly string[] = [
  "..",
  ".",
  "a/b",
  "%2F",
  "\u0000",
  "x".repeat(5_000),
  "' OR 1=1 --",
  "💸",
  "\u202e",
  "-1",
  "1e309",
  "NaN",
  "null",
  "__proto__",
  " ",
];

/** Hostile values for a query parameter. */
export const HOSTILE_QUERY_VALUES: readonly string[] = [
  "",
  "-1",
  "0",
  "99999999999999999999",
  "1.5",
  "NaN",
  "true",
  "[]",
  "\u0000",
  "x".repeat(3_000),
  "2026-13-45T99:99:99Z",
  "%",
  "💸",
];

/** The arbitrary of (mutation, a, b) for value mutations. */
export const valueMutationArbitrary = fc.record({
  kind: fc.constantFrom(...VALUE_MUTATIONS),
  a: fc.nat(),
  b: fc.nat(),
});

export interface CredentialContext {
  userId: string;
  userJwtSecret: string;
  nowSec: number;
}

const base64url = (text: string) =>
  btoa(text).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");

/**
 * The Authorization header for one credential mutation (undefined: none is sent). Every one
 * of them must be refused with 401 or 403, whatever the route.
 */
export async function hostileAuthorization(
  kind: CredentialMutation,
  ctx: CredentialContext,
): Promise<string | undefined> {
  const { sign } = await import("hono/jwt");
  switch (kind) {
    case "none":
      return undefined;
    case "garbage":
      return "Bearer not.a.jwt";
    case "basic":
      return `Basic ${btoa("admin:admin")}`;
    case "expired-jwt":
      return `Bearer ${await sign({ sub: ctx.userId, iat: ctx.nowSec - 7200, exp: ctx.nowSec - 3600 }, ctx.userJwtSecret, "HS256")}`;
    case "wrong-secret-jwt":
      return `Bearer ${await sign({ sub: ctx.userId, exp: ctx.nowSec + 600 }, "not-the-secret-0123456789abcdef", "HS256")}`;
    case "alg-none-jwt":
      return `Bearer ${base64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${base64url(JSON.stringify({ sub: ctx.userId, exp: ctx.nowSec + 600 }))}.`;
    case "no-exp-jwt":
      return `Bearer ${await sign({ sub: ctx.userId }, ctx.userJwtSecret, "HS256")}`;
    case "bad-admin-key":
      return "Bearer test-admin-key-but-wrong";
    case "user-on-admin":
      return `Bearer ${await sign({ sub: ctx.userId, exp: ctx.nowSec + 600 }, ctx.userJwtSecret, "HS256")}`;
  }
}
