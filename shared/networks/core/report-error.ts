/**
 * Why a report page could not be fetched. `fetchReportPage` resolves to a page or throws one
 * of these; `transient` tells the sync whether to retry later (network down, rate limited) or
 * to stop and tell the operator (bad credentials, a misconfigured network, a response that is
 * not the documented shape).
 */
export type ReportErrorKind =
  | "misconfigured"
  | "bad_range"
  | "bad_cursor"
  | "auth"
  | "unavailable"
  | "http"
  | "malformed"
  | "not_supported";

const TRANSIENT: Record<ReportErrorKind, boolean> = {
  misconfigured: false,
  bad_range: false,
  bad_cursor: false,
  auth: false,
  unavailable: true,
  http: false,
  malformed: false,
  not_supported: false,
};

export class ReportError extends Error {
  readonly kind: ReportErrorKind;
  readonly transient: boolean;
  /** The HTTP status the network answered with, when it answered. */
  readonly status: number | null;

  /**
   * @example
   * throw new ReportError("unavailable", "impact answered 503", 503);
   */
  constructor(kind: ReportErrorKind, message: string, status: number | null = null) {
    super(message);
    this.name = "ReportError";
    this.kind = kind;
    this.transient = TRANSIENT[kind];
    this.status = status;
  }
}
