import { beforeAll, describe, expect, test } from "vitest";
import type { Assessment } from "#shared/fraud/risk-contract";
import { TEST_KEYS, withKey } from "./access-keys";
import { api, eventually, uniqueUser, walletStub } from "./helpers";
import {
  bonusHeldMinor,
  depositEvent,
  depositRewardRule,
  newReferrer,
  publishRuleSet,
  REFERRAL_FRAUD,
  referralStateOf,
  saveReferralProgram,
  sendAccepted,
  signUpReferred,
} from "./referral-helpers";
import { replaceAssess } from "./risk-helpers";

/**
 * Holds placed in time (docs/fraud.md "Holds", docs/referrals.md "Holds from the risk system"):
 * a referral's qualification is scored through the breaker before it is rewarded, so a fraud
 * rule's `hold_referral` on the `qualified` observation holds the reward it is about, and a
 * qualification while scoring is down waits `risk_unavailable` and is rewarded once when scoring
 * returns. Through the real events worker, wallets, risk objects and admin API.
 */

const RULE_ID = "fraud-referral-at-qualification";
/** The referee the qualification rule fires on (the rule reads `user.id`). */
const HELD_REFEREE = uniqueUser("qh-re");

beforeAll(async () => {
  await publishRuleSet(
    {
      timeZone: "Asia/Kolkata",
      groups: [
        { name: "base", mode: "stackable" },
        { name: "fraud", mode: "stackable" },
      ],
      rules: [
        depositRewardRule("qh-deposit"),
        {
          id: RULE_ID,
          name: "A referral of this referee, when it qualifies",
          eventTypes: ["risk.referral"],
          conditions: {
            all: [
              { attr: "signal.referralStage", op: "eq", value: "qualified" },
              { attr: "user.id", op: "eq", value: HELD_REFEREE },
            ],
          },
          effects: [{ kind: "hold_referral", score: 30, reasonCode: "referral_ring" }],
          priority: 0,
          group: "fraud",
          active: true,
        },
      ],
    },
    "risk qualification holds test",
  );
  await saveReferralProgram(REFERRAL_FRAUD);
});

const stateOf = referralStateOf;

interface Detail {
  referral: { state: string; reason: string };
  history: Array<{ state: string; reason: string; actor?: string | null; note?: string | null }>;
  rewards: Array<{ party: string; status: string }>;
}

async function detailOf(referralId: string): Promise<Detail> {
  const response = await api(`/admin/v1/referrals/${referralId}`, withKey(TEST_KEYS.support));
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as Detail;
}

function decideHold(userId: string, holdId: string, body: unknown) {
  return api(
    `/admin/v1/risk/holds/${userId}/${encodeURIComponent(holdId)}/decision`,
    withKey(TEST_KEYS.finance, { method: "POST", body: JSON.stringify(body) }),
  );
}

/** A referrer, and `referee` signed up with their code: the referral `signed_up`. */
async function referred(label: string, referee: string) {
  const { referrer, code } = await newReferrer(label);
  const referralId = await signUpReferred(referee, code);
  expect(await eventually(async () => (await stateOf(referee)) === "signed_up")).toBe(true);
  return { referrer, referralId };
}

describe("a referral's qualification is scored before it is rewarded", () => {
  test("a hold_referral on the qualified observation holds it; the release rewards it once", async () => {
    const referee = HELD_REFEREE;
    const { referrer, referralId } = await referred("qh", referee);
    const holdId = `rule:${RULE_ID}:referral:${referralId}:qualified:referral`;

    await sendAccepted(depositEvent(referee));
    expect(await eventually(async () => (await stateOf(referee)) !== "signed_up")).toBe(true);
    // Held at once — the qualifying run waited for scoring — and nobody was credited.
    expect(await stateOf(referee)).toBe("held");
    const held = await detailOf(referralId);
    expect(held.referral.reason).toBe("fraud_rule_hold");
    expect(held.history.at(-1)).toMatchObject({
      state: "held",
      reason: "fraud_rule_hold",
      note: "risk: referral_ring",
    });
    expect(held.rewards.map((r) => [r.party, r.status])).toEqual([
      ["referee", "held"],
      ["referrer", "held"],
    ]);
    const hold = (await walletStub(referee).getRiskHolds()).find((h) => h.holdId === holdId);
    expect(hold).toMatchObject({
      kind: "referral",
      subjectRef: referralId,
      status: "active",
      source: "rule",
      reasons: [{ code: "referral_ring", score: 30 }],
    });
    await walletStub(referee).runDue();
    expect(await bonusHeldMinor(referee)).toBe(0);
    expect(await bonusHeldMinor(referrer)).toBe(0);

    const released = await decideHold(referee, holdId, {
      decision: "release",
      reason: "a real friend",
      label: "not_fraud",
    });
    expect(released.status, await released.clone().text()).toBe(200);
    expect(await eventually(async () => (await stateOf(referee)) === "rewarded")).toBe(true);
    expect(await bonusHeldMinor(referee)).toBe(500);
    expect(await eventually(async () => (await bonusHeldMinor(referrer)) === 1_000)).toBe(true);

    // Released again, another deposit, the schedule run: nothing more.
    expect(
      (await decideHold(referee, holdId, { decision: "release", reason: "again" })).status,
    ).toBe(200);
    await sendAccepted(depositEvent(referee));
    await walletStub(referee).runDue();
    expect(await stateOf(referee)).toBe("rewarded");
    expect(await bonusHeldMinor(referee)).toBe(500);
    expect(await bonusHeldMinor(referrer)).toBe(1_000);
    const done = await detailOf(referralId);
    expect(done.history.map((h) => [h.state, h.reason])).toEqual([
      ["signed_up", "code_at_signup"],
      ["held", "fraud_rule_hold"],
      ["qualified", "risk_hold_released"],
      ["rewarded", "reward_credited"],
    ]);
    expect((await walletStub(referee).audit()).ok).toBe(true);
  });

  test("scoring down: it waits risk_unavailable; back: assessed and rewarded once", async () => {
    const referee = uniqueUser("qd-re");
    const { referrer, referralId } = await referred("qd", referee);
    const restore = await replaceAssess(referee, async (): Promise<Assessment> => {
      throw new Error("scoring is down");
    });
    try {
      await sendAccepted(depositEvent(referee));
      expect(await eventually(async () => (await stateOf(referee)) !== "signed_up")).toBe(true);
      expect(await stateOf(referee)).toBe("held");
      expect((await detailOf(referralId)).referral.reason).toBe("risk_unavailable");
      const hold = (await walletStub(referee).getRiskHolds()).find(
        (h) => h.holdId === `risk_unavailable:${referralId}`,
      );
      expect(hold).toMatchObject({
        kind: "referral",
        subjectRef: referralId,
        source: "risk_unavailable",
        status: "active",
        reasons: [expect.objectContaining({ code: "risk_unavailable" })],
      });
      expect(hold?.reasons[0]?.detail).toContain("error");
      expect(await bonusHeldMinor(referee)).toBe(0);
      // A retry while scoring is still down changes nothing.
      expect(await walletStub(referee).retryHeldRedemptions()).toEqual({
        released: 0,
        waiting: 1,
      });
      expect(await stateOf(referee)).toBe("held");
      expect(await bonusHeldMinor(referee)).toBe(0);
    } finally {
      await restore();
    }

    // Scoring is back: the retry assesses the qualification and the referral is rewarded.
    expect(await walletStub(referee).retryHeldRedemptions()).toEqual({ released: 1, waiting: 0 });
    expect(await eventually(async () => (await stateOf(referee)) === "rewarded")).toBe(true);
    expect(await bonusHeldMinor(referee)).toBe(500);
    expect(await eventually(async () => (await bonusHeldMinor(referrer)) === 1_000)).toBe(true);
    const ended = (await walletStub(referee).getRiskHolds()).find(
      (h) => h.holdId === `risk_unavailable:${referralId}`,
    );
    expect(ended).toMatchObject({ status: "released", endedHow: "scoring_returned" });

    // Again: nothing more.
    expect(await walletStub(referee).retryHeldRedemptions()).toEqual({ released: 0, waiting: 0 });
    await walletStub(referee).runDue();
    expect(await bonusHeldMinor(referee)).toBe(500);
    expect(await bonusHeldMinor(referrer)).toBe(1_000);
    const done = await detailOf(referralId);
    expect(done.history.map((h) => [h.state, h.reason])).toEqual([
      ["signed_up", "code_at_signup"],
      ["held", "risk_unavailable"],
      ["qualified", "risk_hold_released"],
      ["rewarded", "reward_credited"],
    ]);
    expect((await walletStub(referee).audit()).ok).toBe(true);
  });
});
