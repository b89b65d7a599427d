/**
 * How long received postbacks are kept, and where (docs/operations.md, "Retention"). Pure:
 * read from the api worker's vars, each with a default; a value that is not a positive whole
 * number falls back to its default rather than keeping nothing or everything.
 */
export interface PostbackRetention {
  /** Rejected postbacks (bad signature, malformed, stale) are deleted after this many days. */
  rejectedKeepDays: number;
  /** Accepted postbacks are kept this long (the audit period), then deleted with their archive. */
  acceptedKeepDays: number;
  /** An accepted postback's raw body moves to R2 after this many days; the row stays. */
  archiveAfterDays: number;
  /** Most rejected postbacks stored per source IP per clock hour; the rest are only counted. */
  rejectedPerSourcePerHour: number;
}

export const DEFAULT_POSTBACK_RETENTION: PostbackRetention = {
  rejectedKeepDays: 7,
  acceptedKeepDays: 400,
  archiveAfterDays: 30,
  rejectedPerSourcePerHour: 100,
};

/** The vars that configure retention; all optional. */
export interface PostbackRetentionVars {
  POSTBACK_REJECTED_RETENTION_DAYS?: string;
  POSTBACK_RETENTION_DAYS?: string;
  POSTBACK_ARCHIVE_AFTER_DAYS?: string;
  POSTBACK_REJECTED_PER_SOURCE_HOUR?: string;
}

function positiveInt(raw: string | undefined, fallback: number): number {
  if (raw === undefined || !/^\d{1,6}$/.test(raw.trim())) return fallback;
  const value = Number(raw.trim());
  return value > 0 ? value : fallback;
}

/**
 * @example
 * postbackRetentionOf({ POSTBACK_REJECTED_RETENTION_DAYS: "3" }).rejectedKeepDays // 3
 */
export function postbackRetentionOf(vars: PostbackRetentionVars): PostbackRetention {
  const d = DEFAULT_POSTBACK_RETENTION;
  const acceptedKeepDays = positiveInt(vars.POSTBACK_RETENTION_DAYS, d.acceptedKeepDays);
  return {
    rejectedKeepDays: positiveInt(vars.POSTBACK_REJECTED_RETENTION_DAYS, d.rejectedKeepDays),
    acceptedKeepDays,
    // Archiving after the rows are gone would archive nothing: never later than the audit period.
    archiveAfterDays: Math.min(
      positiveInt(vars.POSTBACK_ARCHIVE_AFTER_DAYS, d.archiveAfterDays),
      acceptedKeepDays,
    ),
    rejectedPerSourcePerHour: positiveInt(
      vars.POSTBACK_REJECTED_PER_SOURCE_HOUR,
      d.rejectedPerSourcePerHour,
    ),
  };
}
