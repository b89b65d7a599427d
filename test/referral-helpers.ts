import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { eventId, sendEvents } from "./events-client";
import {
  ADMIN_HEADERS,
  adminPut,
  api,
  balances,
  eventually,
  uniqueUser,
  userGet,
  walletStub,
} from "./helpers";

/** Helpers the referral tests share (docs/referrals.md), and the rule tests' publish. */

/** The live rule set's version; null while nothing was published. */
async function liveRuleVersion(): Promise<number | null> {
  const live = await api("/admin/v1/rules/live", { headers: ADMIN_HEADERS });
  return live.status === 200 ? ((await live.json()) as { version: number }).version : null;
}

/** The member's referral code, created on first ask by `GET /v1/me/referrals`. */
export async function referralCode(userId: string): Promise<string> {
  const response = await userGet(userId, "/v1/me/referrals");
  expect(response.status).toBe(200);
  return ((await response.json()) as { code: string }).code;
}

/** Sends one event through the real events worker and expects it accepted (202). */
export async function sendAccepted(event: object): Promise<void> {
  const response = await sendEvents(event);
  expect(response.status, await response.clone().text()).toBe(202);
}

/** A rule set as the rules admin takes it (the draft's body without `basedOnVersion`). */
export interface RuleSetBody {
  timeZone: string;
  groups: Array<{ name: string; mode: string }>;
  rules: unknown[];
}

/**
 * Saves `ruleSet` as the draft over whatever version is live (none in a fresh test file) and
 * publishes it; the version published.
 */
export async function publishRuleSet(ruleSet: RuleSetBody, note: string): Promise<number> {
  const draft = await api("/admin/v1/rules/draft", {
    method: "PUT",
    headers: ADMIN_HEADERS,
    body: JSON.stringify({ ...ruleSet, basedOnVersion: await liveRuleVersion() }),
  });
  expect(draft.status, await draft.clone().text()).toBe(200);
  const published = await api("/admin/v1/rules/publish", {
    method: "POST",
    headers: ADMIN_HEADERS,
    body: JSON.stringify({ note }),
  });
  expect(published.status, await published.clone().text()).toBe(201);
  return ((await published.json()) as { version: number }).version;
}

/**
 * What a member holds from referral bonuses: unconfirmed (`referral_bonus`) and confirmed, less
 * debt (a reversal of a bonus already spent). The tests' wallets hold nothing else in INR.
 */
export async function bonusHeldMinor(userId: string): Promise<number> {
  const b = await balances(userId);
  return (b.referral_bonus ?? 0) + (b.confirmed ?? 0) - (b.debt ?? 0);
}

// ---- the referral set-up the risk and referral hold tests share ------------------------------

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/**
 * The base rule these tests publish (its own `id` per file): a deposit while the referral is
 * `signed_up` qualifies it and rewards the referrer 10 and the referee 5 INR.
 */
export function depositRewardRule(id: string) {
  return {
    id,
    name: id,
    eventTypes: ["deposit.completed"],
    conditions: { all: [{ attr: "referral.state", op: "eq", value: "signed_up" }] },
    effects: [
      {
        kind: "referral_reward",
        programId: "default",
        referrer: { amountMinor: 1_000, currency: "INR" },
        referee: { amountMinor: 500, currency: "INR" },
      },
    ],
    priority: 10,
    group: "base",
    active: true,
  };
}

/** The program's fraud settings the tests start from: a shared device holds at 50. */
export const REFERRAL_FRAUD = {
  holdThreshold: 50,
  weights: {},
  maxReferralsPerReferrerPerDay: 20,
  autoApproveAfterHours: null,
};

/** Saves the default program with these fraud settings (the rest as a launch would). */
export async function saveReferralProgram(fraud?: Record<string, unknown>): Promise<void> {
  const saved = await adminPut("/admin/v1/referrals/program", {
    settings: {
      programId: "default",
      attribution: { touch: "first", windowDays: 30, probabilisticWindowHours: 2 },
      destinations: {
        webSignupUrl: "https://app.example.com/signup",
        iosAppStoreUrl: null,
        androidPlayStoreUrl: null,
      },
      ...(fraud ? { fraud } : {}),
    },
  });
  expect(saved.status, await saved.clone().text()).toBe(200);
}

/** A `user.signed_up` event (half an hour ago unless `atMs`); `data` may carry `referralCode`. */
export const signupEvent = (
  userId: string,
  data: Record<string, unknown>,
  atMs = Date.now() - 30 * MINUTE_MS,
) => ({
  id: eventId("su"),
  type: "user.signed_up",
  userId,
  occurredAt: new Date(atMs).toISOString(),
  data: { displayName: "Ravi", ...data },
});

/** A qualifying `deposit.completed` of 500 INR (ten minutes ago unless `atMs`). */
export const depositEvent = (userId: string, atMs = Date.now() - 10 * MINUTE_MS) => ({
  id: eventId("dep"),
  type: "deposit.completed",
  userId,
  occurredAt: new Date(atMs).toISOString(),
  data: { amountMinor: 50_000, currency: "INR" },
});

/** The referee's referral state, from their wallet (where the referral lives). */
export const referralStateOf = async (referee: string) =>
  (await walletStub(referee).getReferral())?.referral.state;

/**
 * A referrer `${label}-rr` who signed up two hours ago with `data`, and their code; with
 * `identifiersIn`, once each of those D1 tables holds the referrer's identifiers.
 */
export async function newReferrer(
  label: string,
  data: Record<string, unknown> = {},
  identifiersIn: ReadonlyArray<"referral_identifiers" | "risk_identifiers"> = [],
): Promise<{ referrer: string; code: string }> {
  const referrer = uniqueUser(`${label}-rr`);
  await sendAccepted(signupEvent(referrer, data, Date.now() - 2 * HOUR_MS));
  for (const table of identifiersIn) {
    await eventually(
      async () =>
        (
          await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE user_id = ?`)
            .bind(referrer)
            .first<{ n: number }>()
        )?.n,
    );
  }
  return { referrer, code: await referralCode(referrer) };
}

/** `referee` signs up with `code` (plus `data`); the referral's id. */
export async function signUpReferred(
  referee: string,
  code: string,
  data: Record<string, unknown> = {},
): Promise<string> {
  await sendAccepted(signupEvent(referee, { referralCode: code, ...data }));
  return `ref_${referee}`;
}

/** A referee `${label}-re` who signs up with the code and `data`, then makes a qualifying deposit. */
export async function refereeQualifies(
  label: string,
  code: string,
  data: Record<string, unknown>,
): Promise<{ referee: string; referralId: string }> {
  const referee = uniqueUser(`${label}-re`);
  const referralId = await signUpReferred(referee, code, data);
  await sendAccepted(depositEvent(referee));
  return { referee, referralId };
}
