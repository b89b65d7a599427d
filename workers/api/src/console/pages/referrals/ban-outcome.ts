/**
 * What a referrer ban's answer means to the operator (docs/console.md, "Referrer bans"): the
 * notice after a ban or an unban, and where the form may send the operator back to. Pure; the
 * page (ban.tsx) does the I/O.
 */

/** PUT/DELETE /admin/v1/referrals/referrers/{id}/ban as the API answers (client/schema.d.ts). */
export interface ReferrerBan {
  userId: string;
  banned: boolean;
  reason: string | null;
  bannedBy: string | null;
  bannedAtMs: number | null;
  /** On a ban: the referrals not yet rewarded it rejected in this request. */
  rejectedReferrals?: number;
  /** On a ban: more remain to reject; sending the ban again rejects the next batch. */
  moreToReject?: boolean;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * The notice after a ban: who, how many referrals it rejected, and whether more remain.
 *
 * @example
 * banNotice({ userId: "u1", banned: true, rejectedReferrals: 2, moreToReject: false, … })
 * // "u1 is banned from referring: 2 referrals not yet rewarded were rejected."
 */
export function banNotice(ban: ReferrerBan): string {
  const rejected = ban.rejectedReferrals ?? 0;
  const head = `${ban.userId} is banned from referring: ${
    rejected === 0
      ? "no referral was waiting to be rejected"
      : `${plural(rejected, "referral", "referrals")} not yet rewarded ${rejected === 1 ? "was" : "were"} rejected`
  }.`;
  return ban.moreToReject
    ? `${head} More remain: continue the ban to reject the next batch.`
    : head;
}

/** The notice after an unban. */
export function unbanNotice(userId: string): string {
  return `${userId} may refer again; the referrals the ban rejected stay rejected.`;
}

/** Where a ban form may send the operator back to: a user's page or a referral's; else `fallback`. */
export function banBackTo(value: string, fallback: string): string {
  const safe =
    (value.startsWith("/console/users/") || value.startsWith("/console/referrals/")) &&
    !value.includes("//") &&
    !value.includes("\\");
  return safe ? value : fallback;
}

/**
 * `back` with the notice (and, when a ban left referrals to reject, the `banMore` flag naming the
 * referrer, which puts the "continue" button on the page), replacing any earlier ones.
 */
export function withBanNotice(back: string, notice: string, moreFor: string | null): string {
  const url = new URL(back, "https://console.invalid");
  url.searchParams.delete("notice");
  url.searchParams.delete("banMore");
  url.searchParams.set("notice", notice);
  if (moreFor) url.searchParams.set("banMore", moreFor);
  return `${url.pathname}${url.search}${url.hash}`;
}
