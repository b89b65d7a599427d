import { beforeAll, describe, expect, test } from "vitest";
import { eventId } from "./events-client";
import { adminPut, eventually, uniqueUser, walletStub } from "./helpers";
import { bonusHeldMinor, publishRuleSet, referralCode, sendAccepted } from "./referral-helpers";

/**
 * The program's qualification window, end to end (docs/referrals.md, "Qualification window"):
 * a referee who does not qualify within the window's days of signing up has an `expired`
 * referral (final, with its reason), and a deposit after the window rewards nobody; one inside
 * the window is rewarded as usual.
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

beforeAll(async () => {
  await publishRuleSet(
    {
      timeZone: "UTC",
      groups: [{ name: "base", mode: "stackable" }],
      rules: [
        {
          id: "ref-deposit",
          name: "ref-deposit",
          eventTypes: ["deposit.completed"],
          conditions: { all: [{ attr: "referral.state", op: "eq", value: "signed_up" }] },
          effects: [
            {
              kind: "referral_reward",
              referrer: { amountMinor: 1_000, currency: "INR" },
              referee: { amountMinor: 500, currency: "INR" },
            },
          ],
          priority: 10,
          group: "base",
          active: true,
        },
      ],
    },
    "referral expiry test",
  );
  const saved = await adminPut("/admin/v1/referrals/program", {
    settings: {
      programId: "default",
      attribution: { touch: "first", windowDays: 30, probabilisticWindowHours: 2 },
      qualification: { windowDays: 2 },
      destinations: {
        webSignupUrl: "https://app.example.com/signup",
        iosAppStoreUrl: null,
        androidPlayStoreUrl: null,
      },
    },
  });
  expect(saved.status, await saved.clone().text()).toBe(200);
});

const signup = (userId: string, code: string, atMs: number) => ({
  id: eventId("su"),
  type: "user.signed_up",
  userId,
  occurredAt: new Date(atMs).toISOString(),
  data: { displayName: "Ravi", referralCode: code },
});

const deposit = (userId: string, atMs: number) => ({
  id: eventId("dep"),
  type: "deposit.completed",
  userId,
  occurredAt: new Date(atMs).toISOString(),
  data: { amountMinor: 60_000, currency: "INR" },
});

const held = bonusHeldMinor;

describe("the qualification window", () => {
  test("a referee who did not qualify in time: expired, and a later deposit rewards nobody", async () => {
    const referrer = uniqueUser("exp-rr");
    const referee = uniqueUser("exp-re");
    const code = await referralCode(referrer);
    await sendAccepted(signup(referee, code, Date.now() - 3 * DAY_MS));
    // The window (2 days) ended a day ago: the wallet's schedule expires the referral.
    const expired = await eventually(async () => {
      const r = await walletStub(referee).getReferral();
      return r?.referral.state === "expired" ? r : null;
    });
    expect(expired.history.map((h) => [h.fromState, h.state, h.reason])).toEqual([
      [null, "signed_up", "code_at_signup"],
      ["signed_up", "expired", "qualification_window_passed"],
    ]);
    await sendAccepted(deposit(referee, Date.now() - MINUTE_MS));
    expect((await walletStub(referee).getReferral())?.referral.state).toBe("expired");
    expect(await held(referee)).toBe(0);
    expect(await held(referrer)).toBe(0);
  });

  test("a deposit that happened after the window does not qualify, even before the expiry ran", async () => {
    const referrer = uniqueUser("late-rr");
    const referee = uniqueUser("late-re");
    const code = await referralCode(referrer);
    const signedUpAtMs = Date.now() - 3 * DAY_MS;
    // Deposit first (processed before the signup), dated after the window's end.
    await sendAccepted(deposit(referee, signedUpAtMs + 2 * DAY_MS + MINUTE_MS));
    await sendAccepted(signup(referee, code, signedUpAtMs));
    const state = await eventually(async () => {
      const s = (await walletStub(referee).getReferral())?.referral.state;
      return s === "expired" ? s : null;
    });
    expect(state).toBe("expired");
    expect(await held(referee)).toBe(0);
  });

  test("inside the window the referral qualifies as usual", async () => {
    const referrer = uniqueUser("in-rr");
    const referee = uniqueUser("in-re");
    const code = await referralCode(referrer);
    await sendAccepted(signup(referee, code, Date.now() - 30 * MINUTE_MS));
    await sendAccepted(deposit(referee, Date.now() - 10 * MINUTE_MS));
    expect(
      await eventually(
        async () => (await walletStub(referee).getReferral())?.referral.state === "rewarded",
      ),
    ).toBe(true);
    expect(await held(referee)).toBe(500);
    expect(await eventually(async () => (await held(referrer)) === 1_000)).toBe(true);
  });
});
