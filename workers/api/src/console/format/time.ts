/**
 * A moment in the operator's time zone, as "2026-12-05 14:03" (24-hour clock, the zone's
 * own offset applied). Unknown zones fall back to UTC rather than failing a page.
 *
 * @example
 * formatDateTime("2026-12-05T13:03:00Z", "Europe/Berlin"); // "2026-12-05 14:03"
 */
export function formatDateTime(at: string | number | null, timeZone: string): string {
  if (at === null) return "—";
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return String(at);
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = formatter(timeZone).formatToParts(date);
  } catch {
    parts = formatter("UTC").formatToParts(date);
  }
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")} ${part("hour")}:${part("minute")}`;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(timeZone, f);
  }
  return f;
}
