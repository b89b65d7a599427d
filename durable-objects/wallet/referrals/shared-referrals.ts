import { toBase64Url } from "#shared/crypto/encoding";
import { hmacSha256 } from "#shared/crypto/hmac";
import type { LinkKeyRing } from "#shared/links/link-keys";

/**
 * TODO(i12 merge): stand-ins for helper A's shared/referrals/* (codes.ts, attribution-token.ts,
 * fingerprint.ts, program-settings.ts), written against the seams' signatures so this branch
 * compiles before A's lands. After `git merge i12-links` this file becomes re-exports of
 * `#shared/referrals/*` and then goes away.
 */

export interface ReferralCodeValue {
  userId: string;
  programId: string;
}

export type ReferralPlatform = "web" | "ios" | "android";

export interface AttributionClaims {
  clickId: string;
  referrerId: string;
  programId: string;
  code: string;
  platform: ReferralPlatform;
  clickedAtSec: number;
}

export interface ReferralProgramSettings {
  programId: string;
  attribution: { touch: "first" | "last"; windowDays: number; probabilisticWindowHours: number };
}

export const DEFAULT_REFERRAL_PROGRAM: ReferralProgramSettings = {
  programId: "default",
  attribution: { touch: "last", windowDays: 30, probabilisticWindowHours: 2 },
};

export function normalizeReferralCode(input: string): string | null {
  const code = input.trim().toUpperCase().replace(/[\s-]/g, "");
  return /^[A-Z0-9]{4,16}$/.test(code) ? code : null;
}

export function referralCodeKvKey(code: string): string {
  return `ref:code:v1:${code}`;
}

export async function fingerprintOf(
  secret: string,
  ipAddress: string,
  userAgent: string,
): Promise<string> {
  return toBase64Url(await hmacSha256(secret, `referral-fp.${ipAddress}|${userAgent}`));
}

export async function verifyAttributionToken(
  _ring: LinkKeyRing,
  _token: string,
  _nowMs: number,
): Promise<
  { ok: true; claims: AttributionClaims } | { ok: false; reason: "malformed" | "bad_signature" }
> {
  return { ok: false, reason: "malformed" };
}

export async function loadLiveReferralProgram(
  _env: unknown,
  _waitUntil: (p: Promise<unknown>) => void,
): Promise<ReferralProgramSettings> {
  return DEFAULT_REFERRAL_PROGRAM;
}
