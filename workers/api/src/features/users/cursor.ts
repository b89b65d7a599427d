import { fromBase64Url, toBase64Url, utf8, utf8Decoder } from "#shared/crypto/encoding";
import { AppError } from "#shared/http/errors";

/**
 * Cursors of the user's ledger and transactions: opaque to clients, base64url of the keyset
 * position's parts joined by "|". A cursor this API did not issue is a 400 naming `cursor`.
 */

/**
 * @example
 * encodeCursor([1_700_000_000_000, "txn_abc"]); // "MTcwMDAwMDAwMDAwMHx0eG5fYWJj"
 */
export function encodeCursor(parts: ReadonlyArray<string | number>): string {
  return toBase64Url(utf8.encode(parts.join("|")));
}

const invalidCursor = () =>
  new AppError("validation_failed", "invalid cursor", [
    { path: "cursor", message: "not a cursor this API issued" },
  ]);

/** The cursor's `arity` parts, null when there is no cursor; throws a 400 for a bad one. */
export function decodeCursor(cursor: string | undefined, arity: number): string[] | null {
  if (cursor === undefined) return null;
  const bytes = fromBase64Url(cursor);
  let parts: string[] = [];
  try {
    parts = bytes ? utf8Decoder.decode(bytes).split("|") : [];
  } catch {
    parts = [];
  }
  if (parts.length !== arity || parts.some((p) => p.length === 0)) throw invalidCursor();
  return parts;
}

/** A numeric cursor part (a sequence or a time), or a 400 naming the cursor. */
export function cursorInt(part: string): number {
  const value = Number(part);
  if (!Number.isSafeInteger(value)) throw invalidCursor();
  return value;
}
