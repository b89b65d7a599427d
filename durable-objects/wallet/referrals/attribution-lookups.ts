import { LinkKeysConfigError, linkKeyRing } from "#shared/links/link-keys";
import { verifyAttributionToken } from "#shared/referrals/attribution-token";
import {
  normalizeReferralCode,
  type ReferralCodeValue,
  referralCodeKvKey,
} from "#shared/referrals/codes";
import { loadLiveReferralProgram } from "#shared/referrals/live-program-settings";
import { fraudSettingsOf } from "#shared/referrals/program-settings";
import type { WalletEnv } from "../env";
import type { EventData } from "../events/event-store";
import { type AttributionEvidence, carriesReferralData, hasProcessedSignup } from "./attribution";
import type { AttributionInputs } from "./decide-attribution";
import { fingerprintClicks } from "./fingerprint-clicks";
import { storedRiskIdentifiers } from "./referral-risk";
import { findReferral } from "./referral-store";
import { readRiskLookups } from "./risk-lookups";

/**
 * The reads attribution needs, done before the processing transaction (they await KV and D1):
 * for the signup that can attribute — the user's earliest unprocessed `user.signed_up`, while
 * none was processed and the user has no referral — whose typed code it is (KV, else D1
 * referral_codes), whether its token verifies (the link key ring), and the referral clicks
 * with its fingerprint inside the program's probabilistic window (fingerprint-clicks.ts).
 * Nothing is read for a wallet with no such signup, so other events cost nothing.
 */

export async function readAttributionEvidence(
  sql: SqlStorage,
  env: WalletEnv,
  nowMs: number,
  waitUntil: (p: Promise<unknown>) => void,
): Promise<AttributionEvidence | null> {
  const signup = attributableSignup(sql);
  if (!signup || !carriesReferralData(signup.data)) return null;
  const settings = await loadLiveReferralProgram(env, waitUntil);
  const program: AttributionInputs["program"] = {
    programId: settings.programId,
    ...settings.attribution,
  };
  const { referralCode, referralToken, fingerprint } = signup.data;
  const [typedCode, token, clicks] = await Promise.all([
    typeof referralCode === "string" ? codeOwner(env, referralCode) : null,
    typeof referralToken === "string" ? verifiedToken(env, referralToken, nowMs) : null,
    typeof fingerprint === "string"
      ? fingerprintClicks(env, fingerprint, signup.occurredAtMs, program)
      : [],
  ]);
  // Fraud signals (risk-lookups.ts) for every referrer this evidence could name.
  const candidates = [
    typedCode?.owner?.userId,
    token?.ok ? token.claims.referrerId : undefined,
    ...clicks.map((c) => c.referrerId),
  ].filter((c): c is string => typeof c === "string");
  const risk = await readRiskLookups(env, {
    refereeId: refereeIdOf(sql),
    signedUpAtMs: signup.occurredAtMs,
    identifiers: storedRiskIdentifiers(sql, signup.eventId),
    candidates,
    fraud: fraudSettingsOf(settings),
  });
  return {
    eventId: signup.eventId,
    program,
    typedCode,
    token,
    clicks,
    risk,
    qualifyWithinDays: settings.qualification?.windowDays ?? null,
  };
}

/** The wallet's user (bound when its first event was accepted; "" in a bare test wallet). */
function refereeIdOf(sql: SqlStorage): string {
  return (
    sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = 'user_id'`).toArray()[0]
      ?.value ?? ""
  );
}

/** The signup that decides the user's referral, if it is still to be processed. */
function attributableSignup(
  sql: SqlStorage,
): { eventId: string; occurredAtMs: number; data: EventData } | null {
  if (findReferral(sql) || hasProcessedSignup(sql)) return null;
  const row = sql
    .exec<{ event_id: string; occurred_at_ms: number; data_json: string }>(
      `SELECT event_id, occurred_at_ms, data_json FROM events
       WHERE type = 'user.signed_up' AND status != 'processed'
       ORDER BY occurred_at_ms, event_id LIMIT 1`,
    )
    .toArray()[0];
  return row
    ? {
        eventId: row.event_id,
        occurredAtMs: row.occurred_at_ms,
        data: JSON.parse(row.data_json) as EventData,
      }
    : null;
}

/** Whom a typed code belongs to: the KV mirror first, D1 (the source of truth) behind it. */
async function codeOwner(
  env: WalletEnv,
  typed: string,
): Promise<NonNullable<AttributionInputs["typedCode"]>> {
  const code = normalizeReferralCode(typed);
  if (!code) return { code: typed, owner: null };
  const mirrored = await env.CONFIG_KV.get<ReferralCodeValue>(referralCodeKvKey(code), "json");
  if (mirrored) return { code, owner: { userId: mirrored.userId, programId: mirrored.programId } };
  const row = await env.DB.prepare(`SELECT user_id, program_id FROM referral_codes WHERE code = ?`)
    .bind(code)
    .first<{ user_id: string; program_id: string }>();
  return { code, owner: row ? { userId: row.user_id, programId: row.program_id } : null };
}

async function verifiedToken(
  env: WalletEnv,
  token: string,
  nowMs: number,
): Promise<NonNullable<AttributionInputs["token"]>> {
  try {
    const verified = await verifyAttributionToken(linkKeyRing(env), token, nowMs);
    return verified.ok ? { ok: true, claims: verified.claims } : { ok: false };
  } catch (error) {
    // Unusable link keys are the operator's to fix; the signup is not held up for it.
    if (error instanceof LinkKeysConfigError) return { ok: false };
    throw error;
  }
}
