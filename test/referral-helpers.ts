import { expect } from "vitest";
import { sendEvents } from "./events-client";
import { userGet } from "./helpers";

/** Helpers the referral tests share (docs/referrals.md). */

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
