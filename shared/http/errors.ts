import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * Every error a client can see, as a const map: the code is stable API, the status and
 * title are how it is rendered. Handlers throw `AppError`; `problemResponse` renders it.
 */
export const ERROR_CODES = {
  bad_request: { status: 400, title: "Bad request" },
  validation_failed: { status: 400, title: "The request did not pass validation" },
  unauthorized: { status: 401, title: "Authentication required" },
  invalid_signature: { status: 401, title: "Signature verification failed" },
  forbidden: { status: 403, title: "Forbidden" },
  not_found: { status: 404, title: "Not found" },
  conflict: { status: 409, title: "Conflict" },
  gone: { status: 410, title: "Gone" },
  payload_too_large: { status: 413, title: "Payload too large" },
  unsupported_media_type: { status: 415, title: "Unsupported media type" },
  too_many_requests: { status: 429, title: "Too many requests" },
  // Caps per user (docs/operations.md "Rate limits"); Retry-After says when the next one fits.
  claim_cap_reached: { status: 429, title: "Monthly claim limit reached" },
  destination_change_cap_reached: {
    status: 429,
    title: "Daily limit on payout destination changes reached",
  },
  // Redemptions: a refusal names its reason, and nothing moved.
  idempotency_conflict: { status: 409, title: "Idempotency-Key reused with a different request" },
  insufficient_funds: { status: 409, title: "Not enough confirmed cashback" },
  debt_outstanding: { status: 409, title: "Money is owed from a returned order" },
  below_minimum: { status: 422, title: "Below the minimum redemption" },
  currency_not_redeemable: { status: 422, title: "This currency cannot be redeemed" },
  kyc_required: { status: 403, title: "KYC verification required" },
  step_up_required: { status: 403, title: "A step-up code is required" },
  step_up_failed: { status: 403, title: "The step-up code was not accepted" },
  destination_cooling_off: { status: 409, title: "The destination is still cooling off" },
  destination_unusable: { status: 409, title: "The destination cannot receive payouts" },
  // Points redemptions (docs/loyalty.md "Redeeming points"): nothing is spent on a refusal.
  insufficient_points: { status: 409, title: "Not enough active points" },
  redemption_unavailable: { status: 409, title: "The program does not offer this redemption" },
  voucher_pool_empty: { status: 409, title: "No codes are left in this voucher pool" },
  // Notification templates: a placeholder the type does not declare would be a blank.
  unknown_template_variables: {
    status: 422,
    title: "The template uses variables its type does not have",
  },
  unavailable: { status: 503, title: "Temporarily unavailable" },
  internal: { status: 500, title: "Internal error" },
} as const satisfies Record<string, { status: ContentfulStatusCode; title: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ProblemField {
  path: string;
  message: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly fields: ProblemField[] | undefined;
  /** Seconds the client should wait before trying again; sent as `Retry-After` when set. */
  retryAfterSec: number | undefined;

  constructor(code: ErrorCode, detail: string, fields?: ProblemField[]) {
    super(detail);
    this.name = "AppError";
    this.code = code;
    this.fields = fields;
  }

  get status(): ContentfulStatusCode {
    return ERROR_CODES[this.code].status;
  }
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  errors?: ProblemField[];
}

const CODE_FOR_STATUS: Partial<Record<number, ErrorCode>> = {
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  413: "payload_too_large",
  415: "unsupported_media_type",
  429: "too_many_requests",
};

/** RFC 9457 problem document for an error; unknown errors become a detail-free 500. */
export function toProblem(error: unknown): ProblemBody {
  // Hono's own 4xx (a body its validator could not parse as JSON, say) are client errors too.
  if (error instanceof HTTPException && error.status >= 400 && error.status < 500) {
    const code = CODE_FOR_STATUS[error.status] ?? "bad_request";
    return toProblem(new AppError(code, error.message || ERROR_CODES[code].title));
  }
  if (error instanceof AppError) {
    const spec = ERROR_CODES[error.code];
    return {
      type: `https://boomerang.dev/problems/${error.code}`,
      title: spec.title,
      status: spec.status,
      code: error.code,
      detail: error.message,
      ...(error.fields ? { errors: error.fields } : {}),
    };
  }
  return {
    type: "https://boomerang.dev/problems/internal",
    title: ERROR_CODES.internal.title,
    status: 500,
    code: "internal",
    detail: "An unexpected error occurred.",
  };
}

export function problemResponse(error: unknown): Response {
  const body = toProblem(error);
  const headers: Record<string, string> = { "content-type": "application/problem+json" };
  if (error instanceof AppError && error.retryAfterSec !== undefined) {
    headers["retry-after"] = String(error.retryAfterSec);
  }
  return new Response(JSON.stringify(body), { status: body.status, headers });
}

/** zod issues → problem fields, so clients see every bad field at once. */
export function fieldsFromZod(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>) {
  return issues.map((issue) => ({
    path: issue.path.map(String).join(".") || "(root)",
    message: issue.message,
  }));
}
