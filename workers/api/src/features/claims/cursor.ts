import { AppError } from "#shared/http/errors";

/** Claim listings page on (createdAtMs, claimId); the cursor is `<createdAtMs>.<claimId>`. */
export function decodeClaimCursor(
  cursor: string | undefined,
): { createdAtMs: number; claimId: string } | null {
  if (!cursor) return null;
  const match = /^(\d{1,15})\.([A-Za-z0-9_-]{1,100})$/.exec(cursor);
  if (!match) {
    throw new AppError("validation_failed", "invalid cursor", [
      { path: "cursor", message: "not a cursor this API issued" },
    ]);
  }
  return { createdAtMs: Number(match[1]), claimId: match[2] as string };
}

/**
 * The cursor of the page after `last`.
 *
 * @example
 * encodeClaimCursor({ createdAtMs: 1_700_000_000_000, claimId: "clm_a" }); // "1700000000000.clm_a"
 */
export function encodeClaimCursor(last: { createdAtMs: number; claimId: string }): string {
  return `${last.createdAtMs}.${last.claimId}`;
}
