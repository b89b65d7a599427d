import { assertNever } from "../../assert";
import { fetchBounded, type OutboundAnswer } from "../../http/outbound";
import type { NetworkAdapter, NetworkSettings, ReportFetch, ReportRange } from "../types";
import { ReportError } from "./report-error";
import type { ReportParse } from "./report-page";

/** A page larger than this is refused, never buffered (CJ pages hold up to 10,000 records). */
export const MAX_REPORT_BODY_BYTES = 32 * 1024 * 1024;

/**
 * A report page that has not fully arrived by then is a transient failure: reconciliation
 * records a failed run and the next one retries. The same bound as the offer feed's.
 */
export const REPORT_TIMEOUT_MS = 30_000;

/**
 * How a fetched JSON document is named in errors, and how large and slow it may be: `network`
 * answers ("impact", "the network"), `kind` is what was asked for ("report", "feed"), `body`
 * what came back ("report page", "feed").
 */
export interface JsonDocument {
  network: string;
  kind: string;
  body: string;
  maxBytes: number;
  timeoutMs: number;
}

/**
 * Sends a request through the injected fetch (with `doc.timeoutMs` over headers and body) and
 * returns the parsed JSON body, read as a stream that stops at `doc.maxBytes`; or throws a
 * `ReportError` that says whether retrying can help: network failures, timeouts, unreadable
 * bodies, 408, 429 and 5xx are transient; 401/403 are credentials; anything else is a request
 * the network will keep refusing; an oversized or non-JSON body is malformed. Report pages
 * and offer feeds both come through here, so the two cannot classify a failure differently.
 *
 * @example
 * const json = await fetchJsonDocument(fetcher, request,
 *   { network: "the network", kind: "feed", body: "feed", maxBytes, timeoutMs: 30_000 });
 */
export async function fetchJsonDocument(
  fetcher: ReportFetch,
  request: Request,
  doc: JsonDocument,
): Promise<unknown> {
  const answer = await fetchBounded(fetcher, request, doc);
  // The status decides first: a 401 with a page too large to read is still a refusal.
  if (answer.status !== null) throwForStatus(answer.status, doc);
  if (!answer.ok) throw answerError(answer, doc);
  try {
    return JSON.parse(answer.text) as unknown;
  } catch {
    throw new ReportError("malformed", `${doc.network} ${doc.body} is not JSON`, answer.status);
  }
}

function throwForStatus(status: number, doc: JsonDocument): void {
  if (status === 401 || status === 403) {
    throw new ReportError(
      "auth",
      `${doc.network} refused the ${doc.kind} credentials (${status})`,
      status,
    );
  }
  if (status === 408 || status === 429 || status >= 500) {
    throw new ReportError("unavailable", `${doc.network} answered ${status}; retry later`, status);
  }
  if (status < 200 || status > 299) {
    throw new ReportError("http", `${doc.network} answered ${status}`, status);
  }
}

function answerError(
  answer: Exclude<OutboundAnswer, { ok: true }>,
  doc: JsonDocument,
): ReportError {
  switch (answer.failure) {
    case "timeout":
      return new ReportError(
        "unavailable",
        `${doc.network} ${doc.kind} timed out after ${doc.timeoutMs} ms`,
        answer.status,
      );
    case "request_failed":
      return new ReportError(
        "unavailable",
        `${doc.network} ${doc.kind} request failed: ${String(answer.error)}`,
      );
    case "read_failed":
      return new ReportError(
        "unavailable",
        `${doc.network} ${doc.body} could not be read: ${String(answer.error)}`,
        answer.status,
      );
    case "too_large":
      return new ReportError(
        "malformed",
        `${doc.network} ${doc.body} is larger than ${doc.maxBytes} bytes`,
        answer.status,
      );
    case "not_utf8":
      return new ReportError(
        "malformed",
        `${doc.network} ${doc.body} is not valid UTF-8`,
        answer.status,
      );
    default:
      return assertNever(answer, "outbound failure");
  }
}

/**
 * Fetches one report page and returns its parsed JSON body (see `fetchJsonDocument`).
 *
 * @example
 * const json = await fetchReportJson(fetcher, new Request(url, { headers }), "impact");
 */
export function fetchReportJson(
  fetcher: ReportFetch,
  request: Request,
  networkLabel: string,
): Promise<unknown> {
  return fetchJsonDocument(fetcher, request, {
    network: networkLabel,
    kind: "report",
    body: "report page",
    maxBytes: MAX_REPORT_BODY_BYTES,
    timeoutMs: REPORT_TIMEOUT_MS,
  });
}

/** What an adapter's report API is, for `reportPageFetcher`. */
export interface ReportApi {
  /** Prefixes a page that does not parse: "`<name>` report: <reason>". */
  name: string;
  /** Who answered, in fetch errors; `name` when not given. */
  label?: (settings: NetworkSettings) => string;
  build: (settings: NetworkSettings, range: ReportRange, cursor: string | null) => Request;
  parse: (json: unknown, settings: NetworkSettings, cursor: string | null) => ReportParse;
}

/**
 * An adapter's `fetchReportPage`: build the request, fetch it, parse the page, and turn a
 * page that does not parse into a `malformed` `ReportError`. Every adapter is this one
 * pipeline with its own request builder and page parser.
 *
 * @example
 * fetchReportPage: reportPageFetcher({ name: "cj", build: buildCjReportRequest, parse: parseCjReport })
 */
export function reportPageFetcher(api: ReportApi): NetworkAdapter["fetchReportPage"] {
  return async (fetcher, settings, range, cursor) => {
    const request = api.build(settings, range, cursor);
    const json = await fetchReportJson(fetcher, request, api.label?.(settings) ?? api.name);
    const parsed = api.parse(json, settings, cursor);
    if (!parsed.ok) throw new ReportError("malformed", `${api.name} report: ${parsed.reason}`);
    return parsed.page;
  };
}

/**
 * Refuses a range no report API can answer: reversed, empty or not finite.
 *
 * @example
 * assertRange(range, 45 * 86_400_000, "impact");
 */
export function assertRange(
  range: ReportRange,
  maxSpanMs: number | null,
  networkLabel: string,
): void {
  const { fromMs, toMs } = range;
  if (
    !Number.isSafeInteger(fromMs) ||
    !Number.isSafeInteger(toMs) ||
    fromMs < 0 ||
    toMs <= fromMs
  ) {
    throw new ReportError("bad_range", "report range must be finite with from < to");
  }
  if (maxSpanMs !== null && toMs - fromMs > maxSpanMs) {
    throw new ReportError(
      "bad_range",
      `${networkLabel} reports cover at most ${Math.round(maxSpanMs / 86_400_000)} days per request; split the range`,
    );
  }
}
