import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, test } from "vitest";
import { TEST_KEYS, withKey } from "./access-keys";
import { eventId, sendEvents } from "./events-client";
import { ADMIN_HEADERS, adminPut, api, eventually, uniqueUser, walletStub } from "./helpers";
import { bonusHeldMinor, publishRuleSet, referralCode, sendAccepted } from "./referral-helpers";

/**
 * Rule budgets on the REFEREE's referral reward, end to end (docs/referrals.md, "Budgets"):
 * the referee's `referral_rewards` row waits `awaiting_budget` until the rule's budgets grant
 * it, is credited once on the grant, is refused with `referral_budget_exhausted` when the
 * budget is spent, nets out a refund processed while it waited, and is never credited twice by
 * redeliveries — through the real events and api workers, with and without a referrer reward.
 */

const MINUTE_MS = 60_000;
const INR = (amountMinor: number) => ({ amountMinor, currency: "INR" });

const rule = (id: string, eventTypes: string[], effect: object, budgets: object[], extra = {}) => ({
  id,
  name: id,
  eventTypes,
  conditions: { all: [{ attr: "referral.state", op: "eq", value: "signed_up" }] },
  effects: [{ kind: "referral_reward", ...effect }],
  priority: 10,
  group: "base",
  budgets,
  active: true,
  ...extra,
});

/** Bill payments: 500 to the referee only, 500 for the whole campaign (one referee). */
const REFEREE_ONLY = rule(
  "refe-only",
  ["bill.paid"],
  { referee: INR(500) },
  [{ entity: "campaign", period: "lifetime", limit: INR(500) }],
  { campaignId: "refe" },
);
/** Deposits: 500 to the referee and 1,000 to the referrer, 3,000 in all. */
const BOTH = rule("refe-both", ["deposit.completed"], { referee: INR(500), referrer: INR(1_000) }, [
  { entity: "global", period: "lifetime", limit: INR(3_000) },
]);

/** Purchases: 500 to the referee only, 500 in all; the held referrals' rule. */
const HELD = rule(
  "refe-held",
  ["purchase.completed"],
  { referee: INR(500), programId: "default" },
  [{ entity: "global", period: "lifetime", limit: INR(500) }],
);

beforeAll(async () => {
  await publishRuleSet(
    {
      timeZone: "Asia/Kolkata",
      groups: [{ name: "base", mode: "stackable" }],
      rules: [REFEREE_ONLY, BOTH, HELD],
    },
    "referee budgets test",
  );
});

const signup = (userId: string, code: string, atMs: number) => ({
  id: eventId("su"),
  type: "user.signed_up",
  userId,
  occurredAt: new Date(atMs).toISOString(),
  data: { displayName: "Asha", referralCode: code },
});

/** An event about `originalEventId` (a chargeback, a refund, a resolution) `minutes` after `atMs`. */
const followsOf =
  (originalEventId: string, userId: string, atMs: number) =>
  (type: string, data: object, minutes: number) => ({
    id: eventId(type.split(".")[0] ?? "f"),
    type,
    userId,
    occurredAt: new Date(atMs + minutes * MINUTE_MS).toISOString(),
    data: { originalEventId, ...data },
  });

const paid = (type: string, userId: string, atMs: number) => ({
  id: eventId("q"),
  type,
  userId,
  occurredAt: new Date(atMs).toISOString(),
  data: { amountMinor: 60_000, currency: "INR" },
});

async function usage(key: string) {
  const response = await api(`/admin/v1/budgets/${encodeURIComponent(key)}`, {
    headers: ADMIN_HEADERS,
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as { outstanding: number; grantedTotal: number };
}

async function settled(referee: string, states: string[] = ["rewarded"]) {
  return eventually(async () => {
    const r = await walletStub(referee).getReferral();
    const row = r?.rewards.find((x) => x.party === "referee");
    const waiting = row?.status === "awaiting_budget";
    const referrerOwed = r?.rewards.some((x) => x.party === "referrer" && x.status === "owed");
    return r && states.includes(r.referral.state) && !waiting && !referrerOwed ? r : null;
  });
}

async function audited(...users: string[]) {
  for (const user of users) {
    expect(await walletStub(user).audit()).toEqual({ ok: true, violations: [] });
  }
}

async function signedUpReferee(referrer: string, label: string) {
  const code = await referralCode(referrer);
  const referee = uniqueUser(label);
  const atMs = Date.now() - 30 * MINUTE_MS;
  await sendAccepted(signup(referee, code, atMs));
  return { referee, atMs };
}

describe("a budget on the referee's reward, with no referrer reward", () => {
  test("the first referee is rewarded while the budget has room; the second is refused with referral_budget_exhausted", async () => {
    const referrer = uniqueUser("refe1-rr");
    const key = "rule:refe-only:campaign:refe:lifetime";

    const first = await signedUpReferee(referrer, "refe1-a");
    await sendAccepted(paid("bill.paid", first.referee, first.atMs + MINUTE_MS));
    const a = await settled(first.referee);
    expect(a.referral.reason).toBe("reward_credited");
    expect(a.rewards).toEqual([
      expect.objectContaining({
        party: "referee",
        status: "posted",
        reason: null,
        reward: INR(500),
      }),
    ]);
    expect(await bonusHeldMinor(first.referee)).toBe(500);
    expect(await usage(key)).toMatchObject({ outstanding: 500, grantedTotal: 500 });

    const second = await signedUpReferee(referrer, "refe1-b");
    await sendAccepted(paid("bill.paid", second.referee, second.atMs + MINUTE_MS));
    const b = await settled(second.referee);
    // Refused: nothing credited, final (never retried), and the referral says why.
    expect(b.rewards).toEqual([
      expect.objectContaining({
        party: "referee",
        status: "capped",
        reason: "referral_budget_exhausted",
        attempts: 0,
      }),
    ]);
    expect(b.referral.reason).toBe("referral_budget_exhausted");
    expect(b.history.at(-1)).toMatchObject({
      fromState: "qualified",
      state: "rewarded",
      reason: "referral_budget_exhausted",
    });
    expect(await bonusHeldMinor(second.referee)).toBe(0);
    expect(await usage(key)).toMatchObject({ outstanding: 500, grantedTotal: 500 });
    await audited(first.referee, second.referee);
  });
});

describe("a budget shared by both parties' rewards", () => {
  const key = "rule:refe-both:global:lifetime";

  test("20 deliveries of the qualifying deposit credit the referee once and draw once", async () => {
    const referrer = uniqueUser("refe2-rr");
    const { referee, atMs } = await signedUpReferee(referrer, "refe2-re");
    const deposit = paid("deposit.completed", referee, atMs + MINUTE_MS);
    const sent = await Promise.all(Array.from({ length: 20 }, () => sendEvents(deposit)));
    for (const response of sent) expect([200, 202]).toContain(response.status);

    const record = await settled(referee);
    expect(record.referral.reason).toBe("reward_credited");
    const referee_ = record.rewards.find((r) => r.party === "referee");
    expect(referee_).toMatchObject({ status: "posted", reward: INR(500) });
    expect(record.rewards.find((r) => r.party === "referrer")?.status).toBe("delivered");
    await eventually(async () => (await bonusHeldMinor(referrer)) === 1_000);
    expect(await bonusHeldMinor(referee)).toBe(500);
    await eventually(async () => (await usage(key)).outstanding === 1_500);

    // Redelivered again afterwards: duplicates, nothing more credited or drawn.
    const again = await Promise.all(Array.from({ length: 5 }, () => sendEvents(deposit)));
    expect(again.map((r) => r.status)).toEqual(Array(5).fill(200));
    expect(await bonusHeldMinor(referee)).toBe(500);
    expect(await bonusHeldMinor(referrer)).toBe(1_000);
    expect(await usage(key)).toMatchObject({ outstanding: 1_500, grantedTotal: 1_500 });
    const entries = (
      await walletStub(referee).getReferralBonus(record.referral.referralId, "referee")
    )?.credited;
    expect(entries).toBe(500);
    await audited(referee, referrer);
  });

  test("a refund processed while the referee's reward waits for its grant: credited, taken back, the budget given back", async () => {
    const referrer = uniqueUser("refe3-rr");
    const { referee, atMs } = await signedUpReferee(referrer, "refe3-re");
    const deposit = paid("deposit.completed", referee, atMs + MINUTE_MS);
    const refund = {
      id: eventId("refund"),
      type: "refund.completed",
      userId: referee,
      occurredAt: new Date(atMs + 2 * MINUTE_MS).toISOString(),
      data: { originalEventId: deposit.id, amountMinor: 60_000, currency: "INR" },
    };
    // One batch: both are processed before the budgets are asked, so the refund meets the
    // referee's reward still awaiting its grant.
    const response = await sendEvents({ events: [deposit, refund] });
    expect(response.status, await response.clone().text()).toBeLessThan(300);

    const record = await settled(referee, ["reversed"]);
    // The refund came while the reward waited: the history shows the reversal before any
    // reward, and the reward was credited on its grant then taken back by the replayed refund.
    expect(record.history.map((h) => h.state)).toEqual(["signed_up", "qualified", "reversed"]);
    const row = record.rewards.find((r) => r.party === "referee");
    expect(row).toMatchObject({ status: "posted", reward: INR(500), taken: 500 });
    const bonus = await walletStub(referee).getReferralBonus(record.referral.referralId, "referee");
    expect(bonus).toMatchObject({ credited: 500, taken: 500 });
    // The right net: nothing held by either party, and nothing left drawn on the budget.
    expect(await bonusHeldMinor(referee)).toBe(0);
    await eventually(async () => (await bonusHeldMinor(referrer)) === 0);
    await eventually(async () => (await usage(key)).outstanding === 1_500);
    // 1,500 granted by the previous test, 1,500 here (then released).
    expect(await usage(key)).toMatchObject({ outstanding: 1_500, grantedTotal: 3_000 });

    // Redelivering both changes nothing: the reversal is not taken twice.
    await Promise.all([sendEvents(deposit), sendEvents(refund)]);
    expect(await bonusHeldMinor(referee)).toBe(0);
    expect(
      await walletStub(referee).getReferralBonus(record.referral.referralId, "referee"),
    ).toMatchObject({ credited: 500, taken: 500 });
    await audited(referee, referrer);
  });

  // BUG-SIM-5 (docs/testing.md): the refund used to take nothing (the chargeback held it all)
  // and the win gave both bonuses back, 500 and 1,000, for a deposit refunded in whole.
  test("a full refund while the chargeback is open, then won, all while the rewards wait: nothing comes back, the budget is given back", async () => {
    const referrer = uniqueUser("refe6-rr");
    const { referee, atMs } = await signedUpReferee(referrer, "refe6-re");
    const deposit = paid("deposit.completed", referee, atMs + MINUTE_MS);
    const follow = followsOf(deposit.id, referee, atMs);
    const response = await sendEvents({
      events: [
        deposit,
        follow("chargeback.created", {}, 2),
        follow("refund.completed", { amountMinor: 60_000, currency: "INR" }, 3),
        follow("chargeback.resolved", { outcome: "user_won" }, 4),
      ],
    });
    expect(response.status, await response.clone().text()).toBeLessThan(300);

    const record = await settled(referee, ["reversed"]);
    expect(record.history.map((h) => [h.state, h.reason])).toEqual([
      ["signed_up", "code_at_signup"],
      ["qualified", "qualifying_event"],
      ["reversed", "chargeback_reversed"],
    ]);
    expect(record.rewards.find((r) => r.party === "referee")).toMatchObject({
      status: "posted",
      taken: 500,
    });
    expect(await bonusHeldMinor(referee)).toBe(0);
    await eventually(async () =>
      (await walletStub(referee).getReferral())?.referrerOperations.every(
        (o) => o.status === "delivered",
      ),
    );
    expect(await bonusHeldMinor(referrer)).toBe(0);
    // Both rewards' draws given back: what the previous tests left held.
    await eventually(async () => (await usage(key)).outstanding === 1_500);
    await audited(referee, referrer);
  });

  test("a chargeback won while the referee's reward waits for its grant: qualified again, rewarded only once both rewards landed", async () => {
    const referrer = uniqueUser("refe5-rr");
    const { referee, atMs } = await signedUpReferee(referrer, "refe5-re");
    const deposit = paid("deposit.completed", referee, atMs + MINUTE_MS);
    const follow = followsOf(deposit.id, referee, atMs);
    // One batch: the chargeback and its resolution are processed before the budgets are asked
    // (the referee's reward awaits its grant) and before the referrer's credit is delivered.
    const response = await sendEvents({
      events: [
        deposit,
        follow("chargeback.created", {}, 2),
        follow("chargeback.resolved", { outcome: "user_won" }, 3),
      ],
    });
    expect(response.status, await response.clone().text()).toBeLessThan(300);

    const record = await settled(referee);
    // Won while both rewards were on their way: back to `qualified`, and `rewarded` only when
    // neither party's reward was pending any more (not at the resolution).
    expect(record.history.map((h) => [h.state, h.reason])).toEqual([
      ["signed_up", "code_at_signup"],
      ["qualified", "qualifying_event"],
      ["reversed", "chargeback_reversed"],
      ["qualified", "chargeback_won"],
      ["rewarded", "reward_credited"],
    ]);
    expect(record.rewards.find((r) => r.party === "referee")).toMatchObject({
      status: "posted",
      reward: INR(500),
      taken: 0,
    });
    expect(await bonusHeldMinor(referee)).toBe(500);
    await eventually(async () => (await bonusHeldMinor(referrer)) === 1_000);
    await audited(referee, referrer);
  });
});

describe("a held referral approved later", () => {
  /** The program holds a referral whose referee shares the referrer's device. */
  async function holdSharedDevices() {
    const saved = await adminPut("/admin/v1/referrals/program", {
      settings: {
        programId: "default",
        attribution: { touch: "first", windowDays: 30, probabilisticWindowHours: 2 },
        destinations: {
          webSignupUrl: "https://app.example.com/signup",
          iosAppStoreUrl: null,
          androidPlayStoreUrl: null,
        },
        fraud: {
          holdThreshold: 50,
          weights: {},
          maxReferralsPerReferrerPerDay: 20,
          autoApproveAfterHours: null,
        },
      },
    });
    expect(saved.status, await saved.clone().text()).toBe(200);
  }

  async function heldReferee(code: string, device: string, label: string) {
    const referee = uniqueUser(label);
    const atMs = Date.now() - 30 * MINUTE_MS;
    const su = signup(referee, code, atMs);
    await sendAccepted({ ...su, data: { ...su.data, deviceId: device } });
    await sendAccepted({
      ...paid("purchase.completed", referee, atMs + MINUTE_MS),
      data: { amountMinor: 60_000, currency: "INR", orderId: eventId("o") },
    });
    await eventually(
      async () => (await walletStub(referee).getReferral())?.referral.state === "held",
    );
    return { referee, referralId: `ref_${referee}` };
  }

  async function approve(referralId: string) {
    const response = await api(
      `/admin/v1/referrals/${referralId}/decision`,
      withKey(TEST_KEYS.finance, {
        method: "POST",
        body: JSON.stringify({ decision: "approve", reason: "checked" }),
      }),
    );
    expect(response.status, await response.clone().text()).toBe(200);
  }

  test("approval asks the budget: the first is paid, the second refused with referral_budget_exhausted", async () => {
    await holdSharedDevices();
    const device = uniqueUser("refe4-device");
    const referrer = uniqueUser("refe4-rr");
    await sendAccepted({
      ...signup(referrer, "", Date.now() - 2 * 60 * MINUTE_MS),
      data: { displayName: "Ravi", deviceId: device },
    });
    await eventually(
      async () =>
        (
          await env.DB.prepare(`SELECT COUNT(*) AS n FROM referral_identifiers WHERE user_id = ?`)
            .bind(referrer)
            .first<{ n: number }>()
        )?.n,
    );
    const code = await referralCode(referrer);
    const first = await heldReferee(code, device, "refe4-a");
    const second = await heldReferee(code, device, "refe4-b");
    // Held: nothing credited, nothing asked.
    const held = await walletStub(first.referee).getReferral();
    expect(held?.rewards).toEqual([
      expect.objectContaining({ party: "referee", status: "held", reason: null }),
    ]);
    expect(await bonusHeldMinor(first.referee)).toBe(0);

    await approve(first.referralId);
    const a = await settled(first.referee);
    expect(a.referral.reason).toBe("reward_credited");
    expect(a.rewards).toEqual([
      expect.objectContaining({ party: "referee", status: "posted", reward: INR(500) }),
    ]);
    expect(await bonusHeldMinor(first.referee)).toBe(500);
    expect(await usage("rule:refe-held:global:lifetime")).toMatchObject({ outstanding: 500 });

    await approve(second.referralId);
    const b = await settled(second.referee);
    expect(b.referral.reason).toBe("referral_budget_exhausted");
    expect(b.rewards).toEqual([
      expect.objectContaining({
        party: "referee",
        status: "capped",
        reason: "referral_budget_exhausted",
      }),
    ]);
    expect(await bonusHeldMinor(second.referee)).toBe(0);
    // Approving again changes nothing.
    await approve(first.referralId);
    expect(await bonusHeldMinor(first.referee)).toBe(500);
    expect(await usage("rule:refe-held:global:lifetime")).toMatchObject({
      outstanding: 500,
      grantedTotal: 500,
    });
    await audited(first.referee, second.referee);
  });
});
