/**
 * Whether an incoming event is new, a repeat, or a different event under an id already used.
 * Pure: the digest (shared/events/event-check.ts eventDigest) is what "the same event" means.
 *
 * @example
 * decideAccept(null, "ab12…")            // "accepted"
 * decideAccept({ digest: "ab12…" }, "ab12…") // "duplicate"
 * decideAccept({ digest: "ab12…" }, "ff00…") // "conflict"
 */
export type AcceptOutcome = "accepted" | "duplicate" | "conflict";

export function decideAccept(stored: { digest: string } | null, digest: string): AcceptOutcome {
  if (!stored) return "accepted";
  return stored.digest === digest ? "duplicate" : "conflict";
}
