import type { ReportFetch, ReportRange } from "../types";
import { ReportError } from "./report-error";

/** A page larger than this is refused rather than parsed (CJ pages hold up to 10,000 records). */
export const MAX_REPORT_BODY_CHARS = 32 * 1024 * 1024;

/**
 * Sends a report request through the injected fetch and returns the parsed JSON body, or
 * throws a `ReportError` that says whether retrying can help: network failures, 408, 429 and
 * 5xx are transient; 401/403 are credentials; anything else is a request the network will
 * keep refusing.
 *
 * @example
 * const json = await fetchReportJson(fetcher, new Request(url, { headers }), "impact");
 */
export async function fetchReportJson(
  fetcher: ReportFetch,
  request: Request,
  networkLabel: string,
): Promise<unknown> {
  let response: Response;
  try {
    response = await fetcher(request);
  } catch (error) {
    throw new ReportError("unavailable", `${networkLabel} report request failed: ${String(error)}`);
  }
  const status = response.status;
  if (status === 401 || status === 403) {
    throw new ReportError(
      "auth",
      `${networkLabel} refused the report credentials (${status})`,
      status,
    );
  }
  if (status === 408 || status === 429 || status >= 500) {
    throw new ReportError("unavailable", `${networkLabel} answered ${status}; retry later`, status);
  }
  if (status < 200 || status > 299) {
    throw new ReportError("http", `${networkLabel} answered ${status}`, status);
  }
  const text = await response.text();
  if (text.length > MAX_REPORT_BODY_CHARS) {
    throw new ReportError(
      "malformed",
      `${networkLabel} report page is larger than ${MAX_REPORT_BODY_CHARS} characters`,
      status,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ReportError("malformed", `${networkLabel} report page is not JSON`, status);
  }
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
