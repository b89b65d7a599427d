/**
 * Hand-written structural checks for the hot paths (redirect, postback, events workers), whose
 * bundles must not carry zod classic (docs/benchmarks.md "Bundle sizes"). Each one that stands
 * in for a zod schema has a fast-check test against that schema (accept/reject and value).
 */

/** A plain object as zod's `z.object` accepts it: not null, not an array. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** zod 4's `z.number().int()`: a safe integer. */
export function isInt(value: unknown, min: number, max: number): value is number {
  return Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max;
}

/** `z.string().min(min).max(max)` (lengths in UTF-16 code units, as zod counts). */
export function isString(value: unknown, min: number, max: number): value is string {
  return typeof value === "string" && value.length >= min && value.length <= max;
}

/** Keys of `value` that `allowed` does not name (a strict object refuses them). */
export function hasOnlyKeys(value: Record<string, unknown>, allowed: readonly string[]): boolean {
  for (const key of Object.keys(value)) if (!allowed.includes(key)) return false;
  return true;
}

const DATE =
  "(?:(?:\\d\\d[2468][048]|\\d\\d[13579][26]|\\d\\d0[48]|[02468][048]00|[13579][26]00)-02-29|\\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|(?:02)-(?:0[1-9]|1\\d|2[0-8])))";
const ISO_DATETIME_OFFSET = new RegExp(
  `^${DATE}T(?:(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d+)?(?:Z|([+-](?:[01]\\d|2[0-3]):[0-5]\\d)))$`,
);

/** zod 4's `z.iso.datetime({ offset: true })`. */
export function isIsoDatetimeWithOffset(value: unknown): value is string {
  return typeof value === "string" && ISO_DATETIME_OFFSET.test(value);
}
