import type { AttributionClaims } from "#shared/referrals/attribution-token";
import type { AttributionReason, NoReferralReason } from "./reasons";

/**
 * Who referred a user, decided once, when the user's first `user.signed_up` is processed
 * (docs/referrals.md, "Attribution"). Precedence: a code typed at signup, then the attribution
 * token the app or the web signup handed back, then a probabilistic match on the fingerprint
 * of IP and user agent. A method whose evidence does not hold (an unknown code, the user's own
 * code, a forged or stale token) is skipped, not fatal: the next method may still attribute.
 * When none does, the answer names the first refusal met, else `no_evidence`.
 */

export const ATTRIBUTION_METHODS = ["code", "token", "probabilistic"] as const;
export type AttributionMethod = (typeof ATTRIBUTION_METHODS)[number];

/** A referral click whose fingerprint equals the signup's (D1 referral_clicks). */
export interface FingerprintClick {
  clickId: string;
  referrerId: string;
  programId: string;
  clickedAtMs: number;
}

export interface AttributionInputs {
  refereeId: string;
  signedUpAtMs: number;
  /** False when an earlier `user.signed_up` of this user was already processed. */
  firstSignup: boolean;
  /** True when the wallet already holds a referral for this user. */
  alreadyReferred: boolean;
  program: {
    programId: string;
    touch: "first" | "last";
    windowDays: number;
    probabilisticWindowHours: number;
  };
  /** The code typed at signup and whom it belongs to (null owner: no such code). */
  typedCode: { code: string; owner: { userId: string; programId: string } | null } | null;
  /** The token handed back, verified. */
  token: { ok: true; claims: AttributionClaims } | { ok: false } | null;
  /** Clicks with the signup's fingerprint (any time; this function applies the window). */
  clicks: readonly FingerprintClick[];
  /** Referrers an operator banned: evidence naming one is refused (`referrer_banned`). */
  bannedReferrers?: readonly string[];
}

export type AttributionDecision =
  | {
      referrerId: string;
      programId: string;
      method: AttributionMethod;
      clickId: string | null;
      reason: AttributionReason;
    }
  | { none: NoReferralReason };

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

const TOKEN_REASON: Record<AttributionClaims["platform"], AttributionReason> = {
  android: "install_referrer_token",
  ios: "deep_link_token",
  web: "web_signup_token",
};

/**
 * Pure: the referrer of a signup and how it was found, or why there is none.
 *
 * @example
 * decideAttribution({ …, typedCode: { code: "7KQ2M9X", owner: { userId: "ana", programId: "default" } } })
 * // { referrerId: "ana", programId: "default", method: "code", clickId: null, reason: "code_at_signup" }
 */
export function decideAttribution(inputs: AttributionInputs): AttributionDecision {
  if (!inputs.firstSignup) return { none: "not_first_signup" };
  if (inputs.alreadyReferred) return { none: "already_referred" };
  const refusals: NoReferralReason[] = [];
  const self = (referrerId: string) => referrerId === inputs.refereeId;
  const banned = (referrerId: string) => inputs.bannedReferrers?.includes(referrerId) ?? false;

  const typed = inputs.typedCode;
  if (typed) {
    if (!typed.owner) refusals.push("unknown_code");
    else if (self(typed.owner.userId)) refusals.push("self_referral");
    else if (banned(typed.owner.userId)) refusals.push("referrer_banned");
    else {
      // The link the friend followed to sign up with the same referrer's code names the click.
      const token = inputs.token?.ok ? inputs.token.claims : null;
      return {
        referrerId: typed.owner.userId,
        programId: typed.owner.programId,
        method: "code",
        clickId: token && token.referrerId === typed.owner.userId ? token.clickId : null,
        reason: "code_at_signup",
      };
    }
  }

  const token = inputs.token;
  if (token) {
    if (!token.ok) refusals.push("token_invalid");
    else if (self(token.claims.referrerId)) refusals.push("self_referral");
    else if (banned(token.claims.referrerId)) refusals.push("referrer_banned");
    else if (
      inputs.signedUpAtMs - token.claims.clickedAtSec * 1000 >
      inputs.program.windowDays * DAY_MS
    )
      refusals.push("token_expired");
    else
      return {
        referrerId: token.claims.referrerId,
        programId: token.claims.programId,
        method: "token",
        clickId: token.claims.clickId,
        reason: TOKEN_REASON[token.claims.platform],
      };
  }

  const fromMs = inputs.signedUpAtMs - inputs.program.probabilisticWindowHours * HOUR_MS;
  const inWindow = inputs.clicks.filter(
    (c) => c.clickedAtMs >= fromMs && c.clickedAtMs <= inputs.signedUpAtMs,
  );
  const notSelf = inWindow.filter((c) => !self(c.referrerId));
  if (notSelf.length < inWindow.length) refusals.push("self_referral");
  const others = notSelf.filter((c) => !banned(c.referrerId));
  if (others.length < notSelf.length) refusals.push("referrer_banned");
  const ordered = [...others].sort(
    (a, b) => a.clickedAtMs - b.clickedAtMs || a.clickId.localeCompare(b.clickId),
  );
  const chosen = inputs.program.touch === "first" ? ordered[0] : ordered.at(-1);
  if (chosen) {
    return {
      referrerId: chosen.referrerId,
      programId: chosen.programId,
      method: "probabilistic",
      clickId: chosen.clickId,
      reason: "probabilistic_match",
    };
  }
  return { none: refusals[0] ?? "no_evidence" };
}
