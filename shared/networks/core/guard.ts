import type { PostbackParse } from "../types";

/** Prefix of the reason a guarded parse returns when the adapter itself failed. */
export const INTERNAL_ERROR = "internal_error";

/**
 * Runs an adapter's parse so that it keeps the contract's promise, "never throws", even when
 * the adapter has a bug. The reason starts with `internal_error`, which is not the network's
 * fault: the postback worker should answer 503 (so the network retries) rather than 400.
 *
 * @example
 * parsePostback: (request, settings) => guardPostback(() => parseAdmitad(request, settings)),
 */
export async function guardPostback(run: () => Promise<PostbackParse>): Promise<PostbackParse> {
  try {
    return await run();
  } catch (error) {
    const detail = error instanceof Error ? error.name : "unknown";
    return { ok: false, kind: "malformed", reason: `${INTERNAL_ERROR}: ${detail}` };
  }
}
