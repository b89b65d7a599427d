import { and, asc, desc, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { forgetCachedConfig } from "#shared/config/config-store";
import { referralCodes } from "#shared/db/schema";
import type { ApiEnv } from "#shared/env";
import { USER_ID_PATTERN } from "#shared/ids";
import { createLogger, errorFields } from "#shared/observability/logger";
import {
  generateReferralCode,
  normalizeReferralCode,
  type ReferralCodeValue,
  referralCodeKvKey,
} from "#shared/referrals/codes";
import { DEFAULT_REFERRAL_PROGRAM_ID } from "#shared/referrals/program-settings";

/**
 * Referral codes in D1 (the source of truth) and their CONFIG_KV mirror, which the redirect
 * reads: `ref:code:v1:<CODE>` → `{ userId, programId }`. D1 is written first, so a code in KV
 * always has its row; a mirror write that failed is repaired by the next `ensureReferralCode`.
 */

const log = createLogger({ worker: "api", feature: "referrals" });

/** Collisions are ~1 in 27 billion per try at first: 5 tries make running out a bug, not luck. */
const MAX_CODE_ATTEMPTS = 5;

type CodesEnv = Pick<ApiEnv, "DB" | "CONFIG_KV">;

export interface EnsureOptions {
  nowMs?: number;
  /** The code generator (tests force collisions with it). */
  generate?: () => string;
  programId?: string;
}

/**
 * The code the user shares in the program: their newest vanity code when an operator gave them
 * one, else their generated code, created on first use: a random code inserted
 * with `ON CONFLICT DO NOTHING` (the primary key keeps codes unique, a partial unique index
 * keeps one generated code per user and program), retried with a new code on a collision;
 * concurrent first calls for one user all answer the one code that won. Then the KV mirror,
 * written whenever it is missing, so a call repairs what an earlier failed write left.
 *
 * @example
 * const { code } = await ensureReferralCode(c.env, userId); // { code: "K7QM4XR" }
 */
export async function ensureReferralCode(
  env: CodesEnv,
  userId: string,
  options: EnsureOptions = {},
): Promise<{ code: string }> {
  if (!USER_ID_PATTERN.test(userId)) throw new RangeError("invalid userId");
  const programId = options.programId ?? DEFAULT_REFERRAL_PROGRAM_ID;
  const generate = options.generate ?? (() => generateReferralCode());
  const orm = drizzle(env.DB);

  const vanity = await newestCodeOf(env.DB, userId, programId, "vanity");
  if (vanity !== null) {
    await mirrorCode(env, vanity, { userId, programId });
    return { code: vanity };
  }
  let code = await newestCodeOf(env.DB, userId, programId, "generated");
  for (let attempt = 1; code === null && attempt <= MAX_CODE_ATTEMPTS; attempt++) {
    const candidate = generate();
    const result = await orm
      .insert(referralCodes)
      .values({
        code: candidate,
        userId,
        programId,
        kind: "generated",
        createdAtMs: options.nowMs ?? Date.now(),
      })
      .onConflictDoNothing()
      .run();
    if (result.meta.changes === 1) {
      code = candidate;
      break;
    }
    // Nothing inserted: either another request gave this user a code first, or the candidate
    // is someone else's. The first is answered by reading again; the second by a new try.
    code = await newestCodeOf(env.DB, userId, programId, "generated");
  }
  if (code === null) throw new Error(`no free referral code after ${MAX_CODE_ATTEMPTS} tries`);
  await mirrorCode(env, code, { userId, programId });
  return { code };
}

/**
 * The user's newest code of `kind` in the program, or null (one generated code at most; the
 * newest vanity code is the one shown).
 */
async function newestCodeOf(
  db: D1Database,
  userId: string,
  programId: string,
  kind: "generated" | "vanity",
): Promise<string | null> {
  const row = (
    await drizzle(db)
      .select({ code: referralCodes.code })
      .from(referralCodes)
      .where(
        and(
          eq(referralCodes.userId, userId),
          eq(referralCodes.programId, programId),
          eq(referralCodes.kind, kind),
        ),
      )
      .orderBy(desc(referralCodes.createdAtMs), desc(referralCodes.code))
      .limit(1)
  )[0];
  return row?.code ?? null;
}

/**
 * Writes the KV mirror unless it already says this: one read per call instead of one write
 * (KV takes about one write a second per key). A failed write is logged and left for the next
 * call to repair; the code itself is safely in D1.
 */
async function mirrorCode(env: CodesEnv, code: string, value: ReferralCodeValue): Promise<void> {
  const key = referralCodeKvKey(code);
  try {
    const current = await env.CONFIG_KV.get<ReferralCodeValue>(key, "json");
    if (current?.userId === value.userId && current.programId === value.programId) return;
    await env.CONFIG_KV.put(key, JSON.stringify(value));
    forgetCachedConfig([key]);
  } catch (error) {
    log.error("referral_code.mirror_failed", { code, ...errorFields(error) });
  }
}

/**
 * Who owns `code` (typed, pasted or from a link: normalised first), from D1; null when no
 * one does or it cannot be a code.
 *
 * @example
 * await findReferralCode(env.DB, "k7qm-4xr") // { userId: "usr_1", programId: "default" }
 */
export async function findReferralCode(
  db: D1Database,
  code: string,
): Promise<ReferralCodeValue | null> {
  const normal = normalizeReferralCode(code);
  if (normal === null) return null;
  const row = (
    await drizzle(db)
      .select({ userId: referralCodes.userId, programId: referralCodes.programId })
      .from(referralCodes)
      .where(eq(referralCodes.code, normal))
      .limit(1)
  )[0];
  return row ?? null;
}

/** Vanity codes one member may hold in a program: old links keep working, within a bound. */
export const MAX_VANITY_CODES_PER_USER = 5;

export type VanityOutcome =
  | { status: "created" | "unchanged" }
  | { status: "taken" }
  | { status: "limit_reached" };

/**
 * Gives the user `code` (already checked by `vanityCodeOf`) as a vanity code: D1 first, then
 * the KV mirror. Their earlier codes keep working (links already shared stay valid); the newest
 * vanity code is the one `ensureReferralCode` answers. `unchanged` when the user already holds
 * it, `taken` when someone else does, `limit_reached` past MAX_VANITY_CODES_PER_USER.
 *
 * @example
 * await setVanityCode(env, "usr_1", "PRIYA10", { nowMs: Date.now() }) // { status: "created" }
 */
export async function setVanityCode(
  env: CodesEnv,
  userId: string,
  code: string,
  options: { nowMs: number; programId?: string },
): Promise<VanityOutcome> {
  const programId = options.programId ?? DEFAULT_REFERRAL_PROGRAM_ID;
  const existing = await findReferralCode(env.DB, code);
  if (existing) {
    if (existing.userId !== userId) return { status: "taken" };
    await mirrorCode(env, code, existing);
    return { status: "unchanged" };
  }
  const held = (await listUserCodes(env.DB, userId)).filter(
    (c) => c.kind === "vanity" && c.programId === programId,
  );
  if (held.length >= MAX_VANITY_CODES_PER_USER) return { status: "limit_reached" };
  const result = await drizzle(env.DB)
    .insert(referralCodes)
    .values({ code, userId, programId, kind: "vanity", createdAtMs: options.nowMs })
    .onConflictDoNothing()
    .run();
  if (result.meta.changes !== 1) {
    // Taken between the read and the insert: by this user (a retried request) or another.
    const owner = await findReferralCode(env.DB, code);
    if (owner?.userId !== userId) return { status: "taken" };
  }
  await mirrorCode(env, code, { userId, programId });
  return { status: result.meta.changes === 1 ? "created" : "unchanged" };
}

export interface UserCodeRow {
  code: string;
  programId: string;
  kind: "generated" | "vanity";
  createdAtMs: number;
}

/** Every code the user holds, oldest first (a handful: one generated, a few vanity). */
export async function listUserCodes(db: D1Database, userId: string): Promise<UserCodeRow[]> {
  return drizzle(db)
    .select({
      code: referralCodes.code,
      programId: referralCodes.programId,
      kind: referralCodes.kind,
      createdAtMs: referralCodes.createdAtMs,
    })
    .from(referralCodes)
    .where(eq(referralCodes.userId, userId))
    .orderBy(asc(referralCodes.createdAtMs), asc(referralCodes.code))
    .limit(MAX_VANITY_CODES_PER_USER + 10);
}
