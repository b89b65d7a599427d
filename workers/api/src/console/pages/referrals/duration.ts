/**
 * Pure: a duration in milliseconds as an operator reads it, in its two largest units
 * ("40 min", "2 h 5 min", "3 d 4 h"; under a minute, seconds). Null is "—".
 *
 * @example
 * formatDurationMs(2_400_000); // "40 min"
 * formatDurationMs(93_600_000); // "1 d 2 h"
 */
export function formatDurationMs(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return "—";
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}
