import { AppError } from "#shared/http/errors";

/** The audit log pages on (atMs, id), newest first; the cursor is `<atMs>.<id>`. */

export function encodeAuditCursor(last: { atMs: number; id: string }): string {
  return `${last.atMs}.${last.id}`;
}

/** The position after which the next page starts; a cursor this API did not issue is a 400. */
export function decodeAuditCursor(cursor: string | undefined): { atMs: number; id: string } | null {
  if (!cursor) return null;
  const match = /^(\d{1,15})\.([A-Za-z0-9_-]{1,64})$/.exec(cursor);
  if (!match) {
    throw new AppError("validation_failed", "invalid cursor", [
      { path: "cursor", message: "not a cursor this API issued" },
    ]);
  }
  return { atMs: Number(match[1]), id: match[2] as string };
}
