import { fromBase64Url, toBase64Url, utf8, utf8Decoder } from "#shared/crypto/encoding";
import { AppError } from "#shared/http/errors";
import type { DiscrepancyPosition } from "./recon-store";

/** Cursors of the payout listings. Each decoder throws the 400 a client sees for a bad one. */

/** Payout listings page on (createdAtMs, payoutId); the cursor is `<createdAtMs>.<payoutId>`. */
export function decodePayoutCursor(
  cursor: string | undefined,
): { createdAtMs: number; payoutId: string } | null {
  if (!cursor) return null;
  const match = /^(\d{1,15})\.([A-Za-z0-9_-]{1,64})$/.exec(cursor);
  if (!match) throw new AppError("validation_failed", "a cursor this API did not issue");
  return { createdAtMs: Number(match[1]), payoutId: match[2] as string };
}

/**
 * The cursor of the page after `last`.
 *
 * @example
 * encodePayoutCursor({ createdAtMs: 1_700_000_000_000, payoutId: "pay_a" }); // "1700000000000.pay_a"
 */
export function encodePayoutCursor(last: { createdAtMs: number; payoutId: string }): string {
  return `${last.createdAtMs}.${last.payoutId}`;
}

/** Discrepancy cursors are opaque to clients: base64url of the keyset position as JSON. */
export function encodeDiscrepancyCursor(d: {
  createdAtMs: number;
  runId: string;
  kind: string;
  subject: string;
}): string {
  const position: DiscrepancyPosition = [d.createdAtMs, d.runId, d.kind, d.subject];
  return toBase64Url(utf8.encode(JSON.stringify(position)));
}

export function decodeDiscrepancyCursor(cursor: string): DiscrepancyPosition {
  let parsed: unknown = null;
  try {
    const bytes = fromBase64Url(cursor);
    parsed = bytes ? JSON.parse(utf8Decoder.decode(bytes)) : null;
  } catch {
    parsed = null;
  }
  if (
    Array.isArray(parsed) &&
    parsed.length === 4 &&
    Number.isSafeInteger(parsed[0]) &&
    parsed.slice(1).every((p) => typeof p === "string")
  ) {
    return parsed as DiscrepancyPosition;
  }
  throw new AppError("validation_failed", "invalid cursor", [
    { path: "before", message: "not a cursor this API issued" },
  ]);
}
