/**
 * One logger for every worker and Durable Object: each call writes one JSON line with the
 * worker, the event name, the request id and the event's numbers, so Workers Logs (enabled by
 * `[observability]` in each wrangler config) can filter and aggregate on fields.
 *
 * Secrets and personal data never reach logs: fields are scalars only (no objects to leak a
 * body through), and any field whose name suggests a credential or personal datum is replaced
 * by "[redacted]" whatever its value.
 */

export type WorkerName =
  | "api"
  | "redirect"
  | "postback"
  | "events"
  | "wallet"
  | "campaign-budget"
  | "sandbox-network"
  | "sandbox-processor"
  | "gateway";

export type LogValue = string | number | boolean | null | undefined;
export type LogFields = Record<string, LogValue>;
export type LogLevel = "debug" | "info" | "warn" | "error";

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (a run id, a network id, a user id). */
  with(fields: LogFields): Logger;
}

/** Where lines go; `console` in the runtime, an array in tests. */
export type LogSink = (level: LogLevel, line: string) => void;

/** Names that must never carry a value into a log line. */
const SENSITIVE_FIELD =
  /secret|token|password|passcode|authorization|cookie|email|phone|account|upi|ifsc|holder|signature|otp|code$|^ip$|ipaddress|address|body|card|pan$/i;
const MAX_STRING_CHARS = 300;

const consoleSink: LogSink = (level, line) => {
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
};

/**
 * @example
 * const log = createLogger({ worker: "api", requestId: requestIdOf(c.req.raw) });
 * log.info("postback.accepted", { networkId, conversions: 3 });
 */
export function createLogger(
  context: { worker: WorkerName; requestId?: string | undefined } & LogFields,
  sink: LogSink = consoleSink,
): Logger {
  const base = sanitize(context);
  const write = (level: LogLevel, event: string, fields?: LogFields) => {
    sink(level, JSON.stringify({ level, event, ...base, ...(fields ? sanitize(fields) : {}) }));
  };
  return {
    debug: (event, fields) => write("debug", event, fields),
    info: (event, fields) => write("info", event, fields),
    warn: (event, fields) => write("warn", event, fields),
    error: (event, fields) => write("error", event, fields),
    with: (fields) => createLogger({ ...context, ...fields }, sink),
  };
}

/**
 * What may be logged of a caught error: its class and a bounded message. Stack traces stay
 * out (they can quote request data).
 */
export function errorFields(error: unknown): LogFields {
  if (error instanceof Error) return { errorName: error.name, errorMessage: error.message };
  return { errorName: typeof error, errorMessage: String(error) };
}

/**
 * The id that ties a request's log lines together, and travels on in the queue messages it
 * produces: Cloudflare's `cf-ray` when present, else an id minted here.
 */
export function requestIdOf(request: Request): string {
  const ray = request.headers.get("cf-ray");
  return ray && /^[\w-]{1,64}$/.test(ray) ? ray : `req_${crypto.randomUUID().replaceAll("-", "")}`;
}

function sanitize(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (SENSITIVE_FIELD.test(key)) out[key] = "[redacted]";
    else if (typeof value === "string" && value.length > MAX_STRING_CHARS)
      out[key] = `${value.slice(0, MAX_STRING_CHARS)}…`;
    else out[key] = value;
  }
  return out;
}
