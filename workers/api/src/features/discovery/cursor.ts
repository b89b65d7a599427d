import { fromBase64Url, toBase64Url, utf8, utf8Decoder } from "#shared/crypto/encoding";
import { AppError } from "#shared/http/errors";

/**
 * Catalog cursors: opaque to clients, base64url of JSON `[sort, key, offerId]`, where `key`
 * is the last row's value of the sort column (score, rate, creation time or merchant name).
 * A cursor of another sort, or one this API did not issue, is a 400 naming `cursor`.
 */

export const CATALOG_SORTS = ["relevance", "rate", "newest", "merchant"] as const;
export type CatalogSort = (typeof CATALOG_SORTS)[number];

export interface CatalogPosition {
  key: number | string;
  offerId: string;
}

/**
 * @example
 * encodeCatalogCursor("rate", { key: 500, offerId: "shopkart-electronics" });
 */
export function encodeCatalogCursor(sort: CatalogSort, position: CatalogPosition): string {
  return toBase64Url(utf8.encode(JSON.stringify([sort, position.key, position.offerId])));
}

const invalid = (message: string) =>
  new AppError("validation_failed", "invalid cursor", [{ path: "cursor", message }]);

/** The position after which the page starts; null for the first page. */
export function decodeCatalogCursor(
  cursor: string | undefined,
  sort: CatalogSort,
): CatalogPosition | null {
  if (cursor === undefined) return null;
  let parsed: unknown;
  try {
    const bytes = fromBase64Url(cursor);
    parsed = bytes ? JSON.parse(utf8Decoder.decode(bytes)) : null;
  } catch {
    parsed = null;
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) {
    throw invalid("not a cursor this API issued");
  }
  const [cursorSort, key, offerId] = parsed as unknown[];
  if (cursorSort !== sort) throw invalid(`the cursor is for sort=${String(cursorSort)}`);
  const keyIsNumber = sort !== "merchant";
  const keyOk = keyIsNumber
    ? typeof key === "number" && Number.isFinite(key)
    : typeof key === "string" && key.length <= 500;
  if (!keyOk || typeof offerId !== "string" || offerId.length === 0 || offerId.length > 200) {
    throw invalid("not a cursor this API issued");
  }
  return { key: key as number | string, offerId };
}
