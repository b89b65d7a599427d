export const MS_PER_SEC = 1000;
export const MS_PER_DAY = 86_400_000;

/** Unix seconds, the unit tokens and sub-IDs carry. */
export function toSec(ms: number): number {
  return Math.floor(ms / MS_PER_SEC);
}

/** UTC calendar day (YYYY-MM-DD), the grain of click rollups. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
