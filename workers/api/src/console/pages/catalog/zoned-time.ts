/**
 * Schedules are typed in the operator's time zone (an `<input type="datetime-local">` has
 * none); the API takes ISO instants. These two convert between them, DST included, with
 * Intl only.
 */

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** The zone's offset from UTC at `ms`, in ms (Berlin in winter: 3_600_000). */
function offsetMs(ms: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(ms);
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? "0");
  const asUtc = Date.UTC(n("year"), n("month") - 1, n("day"), n("hour"), n("minute"), n("second"));
  return asUtc - Math.floor(ms / 1000) * 1000;
}

function safeZone(timeZone: string): string {
  try {
    new Intl.DateTimeFormat("en", { timeZone });
    return timeZone;
  } catch {
    return "UTC";
  }
}

/**
 * A form's local date-time in `timeZone` as an ISO instant; null for an empty field, and
 * undefined when the text is not a date-time (the form says so beside the field).
 *
 * @example
 * zonedLocalToIso("2026-12-05T14:03", "Europe/Berlin") // "2026-12-05T13:03:00.000Z"
 */
export function zonedLocalToIso(text: string, timeZone: string): string | null | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return null;
  const m = LOCAL.exec(trimmed);
  if (!m) return undefined;
  const zone = safeZone(timeZone);
  const wall = Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6] ?? "0"),
  );
  if (Number.isNaN(wall)) return undefined;
  // Guess with the offset at the wall time read as UTC, then correct once across a DST edge.
  let ms = wall - offsetMs(wall, zone);
  const second = offsetMs(ms, zone);
  if (wall - second !== ms) ms = wall - second;
  return new Date(ms).toISOString();
}

/**
 * An ISO instant as the value of a datetime-local input in `timeZone`; "" for null.
 *
 * @example
 * isoToZonedLocal("2026-12-05T13:03:00Z", "Europe/Berlin") // "2026-12-05T14:03"
 */
export function isoToZonedLocal(iso: string | null, timeZone: string): string {
  if (!iso) return "";
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return "";
  const local = new Date(ms + offsetMs(ms, safeZone(timeZone)));
  return local.toISOString().slice(0, 16);
}
