import { expect } from "vitest";
import { sendEvents } from "./events-client";
import { ADMIN_HEADERS, api, balances, userGet } from "./helpers";

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
