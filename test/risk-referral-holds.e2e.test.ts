import { runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, test } from "vitest";
import type { Assessment, Observation } from "#shared/fraud/risk-contract";
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

/**
 * The risk system's `referral` holds, end to end (docs/fraud.md "Holds", docs/referrals.md
 * "Fraud holds"): a signup with a referral code goes through the real events worker; the
 * referee's wallet reports the referral on the real `boomerang-risk` queue; the referee's risk
 * object scores it under a published `hold_referral` rule and the referee's wallet — where the
 * referral and its rewards live — places the hold. The qualifying deposit then credits nobody;
 * finance's release in the risk review rewards it once; an upheld hold leaves it to the
 * referral review's reject.
 */

const RULE_ID = "fraud-referral-typed-code";
const DEVICE_RULE_ID = "fraud-referral-shared-device";

beforeAll(async () => {
  await publishRuleSet(
    {
      timeZone: "Asia/Kolkata",
      groups: [
        { name: "base", mode: "stackable" },
        { name: "fraud", mode: "stackable" },
      ],
      rules: [
        depositRewardRule("risk-ref-deposit"),
        {
          id: RULE_ID,
          name: "A referral by typed code, at attribution",
          eventTypes: ["risk.referral"],
          conditions: {
            all: [
              { attr: "signal.referralStage", op: "eq", value: "attributed" },
              { attr: "signal.referralMethod", op: "eq", value: "code" },
            ],
          },
          effects: [{ kind: "hold_referral", score: 30, reasonCode: "referral_ring" }],
          priority: 0,
          group: "fraud",
          active: true,
        },
        {
          // The referral carries the signup's link hashes: the consumer says who shares them.
          // At attribution only: the `qualified` observation carries them too (the wallet reads
          // the sharing itself: risk-qualification-sharing.e2e.test.ts), and these tests
          // follow the hold from the queue.
          id: DEVICE_RULE_ID,
          name: "A referral from a device another account uses",
          eventTypes: ["risk.referral"],
          conditions: {
            all: [
              { attr: "signal.referralStage", op: "eq", value: "attributed" },
              { attr: "signal.usersSharingDevice", op: "gte", value: 1 },
            ],
          },
          effects: [{ kind: "hold_referral", score: 40, reasonCode: "shared_device" }],
          priority: 0,
          group: "fraud",
          active: true,
        },
      ],
    },
    "risk referral holds test",
  );
});

/** The program with its own fraud signals (a shared device holds at 50). */
const saveProgram = () => saveReferralProgram(REFERRAL_FRAUD);

const holdIdOf = (referralId: string) =>
  `rule:${RULE_ID}:referral:${referralId}:attributed:referral`;

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

function decideReferral(referralId: string, decision: string, reason: string) {
  return api(
    `/admin/v1/referrals/${referralId}/decision`,
    withKey(TEST_KEYS.finance, { method: "POST", body: JSON.stringify({ decision, reason }) }),
  );
}

function decideHold(userId: string, holdId: string, body: unknown) {
  return api(
    `/admin/v1/risk/holds/${userId}/${encodeURIComponent(holdId)}/decision`,
    withKey(TEST_KEYS.finance, { method: "POST", body: JSON.stringify(body) }),
  );
}

/**
 * A referrer and a referee who signs up with their code (plus `data`); returns once the
 * fraud rule's hold is in the referee's wallet.
 */
async function heldAtAttribution(label: string, data: Record<string, unknown> = {}) {
  await saveProgram();
  // The program's own signals and the risk links compare with what D1 knows of the referrer.
  const { referrer, code } = await newReferrer(
    label,
    data,
    Object.keys(data).length > 0 ? ["referral_identifiers", "risk_identifiers"] : [],
  );
  const referee = uniqueUser(`${label}-re`);
  const referralId = await signUpReferred(referee, code, data);
  const hold = await eventually(
    async () =>
      (await walletStub(referee).getRiskHolds()).find((h) => h.holdId === holdIdOf(referralId)),
    20_000,
  );
  expect(hold).toMatchObject({
    kind: "referral",
    subjectRef: referralId,
    status: "active",
    source: "rule",
    ruleId: RULE_ID,
    reasons: [{ code: "referral_ring", score: 30 }],
  });
  // The referrer's wallet holds nothing: the referral lives in the referee's.
  expect(await walletStub(referrer).getRiskHolds()).toEqual([]);
  return { referrer, referee, referralId, holdId: holdIdOf(referralId) };
}

describe("a fraud rule's hold_referral", () => {
  test("holds the referral's reward; release rewards it once; redelivery doubles nothing", async () => {
    const { referrer, referee, referralId, holdId } = await heldAtAttribution("rel");
    expect(await stateOf(referee)).toBe("signed_up");

    await sendAccepted(depositEvent(referee));
    expect(await eventually(async () => (await stateOf(referee)) === "held")).toBe(true);
    const held = await detailOf(referralId);
    expect(held.referral.reason).toBe("fraud_rule_hold");
    expect(held.history.at(-1)).toMatchObject({
      state: "held",
      reason: "fraud_rule_hold",
      actor: "system",
      note: "risk: referral_ring",
    });
    expect(held.rewards.map((r) => [r.party, r.status])).toEqual([
      ["referee", "held"],
      ["referrer", "held"],
    ]);
    expect(await bonusHeldMinor(referee)).toBe(0);
    expect(await bonusHeldMinor(referrer)).toBe(0);
    // The referral review's approve waits for the risk review's decision.
    const early = await decideReferral(referralId, "approve", "looks fine");
    expect(early.status).toBe(409);
    expect(await bonusHeldMinor(referee)).toBe(0);

    const released = await decideHold(referee, holdId, {
      decision: "release",
      reason: "a real friend",
      label: "not_fraud",
    });
    expect(released.status, await released.clone().text()).toBe(200);
    expect(await eventually(async () => (await stateOf(referee)) === "rewarded")).toBe(true);
    expect(await bonusHeldMinor(referee)).toBe(500);
    expect(await eventually(async () => (await bonusHeldMinor(referrer)) === 1_000)).toBe(true);

    // Released again, the assessment delivered again, the deposit sent again: nothing more.
    expect(
      (await decideHold(referee, holdId, { decision: "release", reason: "again" })).status,
    ).toBe(200);
    const observation: Observation = {
      observationId: `referral:${referralId}:attributed`,
      userId: referee,
      kind: "referral",
      atMs: Date.now(),
      subjectRef: referralId,
    };
    const assessment: Assessment = {
      userId: referee,
      score: 30,
      reasons: [{ code: "referral_ring", score: 30, detail: "x" }],
      effects: [
        {
          kind: "hold_referral",
          reason: { code: "referral_ring", score: 30, detail: "x" },
          ruleId: RULE_ID,
        },
      ],
      ruleVersion: 1,
      assessedAtMs: Date.now(),
    };
    expect(
      (await walletStub(referee).applyAssessment(referee, observation, assessment)).placed,
    ).toBe(0);
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
    expect(done.history[2]).toMatchObject({ actor: "test-finance", note: "a real friend" });
    expect((await walletStub(referee).audit()).ok).toBe(true);
  });

  test("upheld: it stays held, the referral review rejects it, nobody is credited", async () => {
    const { referrer, referee, referralId, holdId } = await heldAtAttribution("uph");
    await sendAccepted(depositEvent(referee));
    expect(await eventually(async () => (await stateOf(referee)) === "held")).toBe(true);
    const upheld = await decideHold(referee, holdId, {
      decision: "uphold",
      reason: "a ring of accounts",
      label: "fraud",
    });
    expect(upheld.status).toBe(200);
    expect(await stateOf(referee)).toBe("held");
    expect((await decideReferral(referralId, "approve", "let it go")).status).toBe(409);
    const rejected = await decideReferral(referralId, "reject", "the risk review upheld it");
    expect(rejected.status, await rejected.clone().text()).toBe(200);
    expect(await stateOf(referee)).toBe("rejected");
    await walletStub(referee).runDue();
    expect(await bonusHeldMinor(referee)).toBe(0);
    expect(await bonusHeldMinor(referrer)).toBe(0);
  });

  test("held by the program's own signals too: the release hands it back to the program's review", async () => {
    const device = uniqueUser("device");
    const { referrer, referee, referralId, holdId } = await heldAtAttribution("both", {
      deviceId: device,
    });
    await sendAccepted(depositEvent(referee));
    expect(await eventually(async () => (await stateOf(referee)) === "held")).toBe(true);
    const both = await detailOf(referralId);
    expect(both.referral.reason).toBe("fraud_rule_hold");
    expect((both.referral as { holdReasons?: string[] }).holdReasons).toEqual(["shared_device"]);
    // The referral was reported with the signup's device hash: the device rule held it too.
    const deviceHoldId = `rule:${DEVICE_RULE_ID}:referral:${referralId}:attributed:referral`;
    const holds = await walletStub(referee).getRiskHolds();
    expect(holds.find((h) => h.holdId === deviceHoldId)).toMatchObject({
      status: "active",
      reasons: [{ code: "shared_device", score: 40 }],
    });

    // One of two released: it stays held by the other.
    expect((await decideHold(referee, holdId, { decision: "release", reason: "ok" })).status).toBe(
      200,
    );
    expect((await detailOf(referralId)).referral).toMatchObject({
      state: "held",
      reason: "fraud_rule_hold",
    });
    expect(
      (await decideHold(referee, deviceHoldId, { decision: "release", reason: "family" })).status,
    ).toBe(200);
    const back = await detailOf(referralId);
    expect(back.referral).toMatchObject({ state: "held", reason: "risk_hold" });
    expect(await bonusHeldMinor(referee)).toBe(0);

    const approved = await decideReferral(referralId, "approve", "same household");
    expect(approved.status, await approved.clone().text()).toBe(200);
    expect(await eventually(async () => (await stateOf(referee)) === "rewarded")).toBe(true);
    expect(await bonusHeldMinor(referee)).toBe(500);
    expect(await eventually(async () => (await bonusHeldMinor(referrer)) === 1_000)).toBe(true);
  });

  test("a user-wide hold released on a referral only the program holds writes no history", async () => {
    const device = uniqueUser("device");
    const { referee, referralId, holdId } = await heldAtAttribution("wide", { deviceId: device });
    await sendAccepted(depositEvent(referee));
    expect(await eventually(async () => (await stateOf(referee)) === "held")).toBe(true);
    const deviceHoldId = `rule:${DEVICE_RULE_ID}:referral:${referralId}:attributed:referral`;
    for (const id of [holdId, deviceHoldId]) {
      expect((await decideHold(referee, id, { decision: "release", reason: "ok" })).status).toBe(
        200,
      );
    }
    const before = await detailOf(referralId);
    expect(before.referral).toMatchObject({ state: "held", reason: "risk_hold" });

    // A user-wide `referral` hold the referral was never relabelled for: only the program's
    // own review holds it.
    const wideHoldId = "wide-referral-hold";
    await runInDurableObject(walletStub(referee), (_instance, state) => {
      state.storage.sql.exec(
        `INSERT INTO risk_holds (hold_id, kind, subject_ref, reasons_json, source, rule_id,
           rule_version, auto_release_at_ms, status, placed_at_ms)
         VALUES (?, 'referral', NULL, ?, 'rule', 'wide', 1, NULL, 'active', ?)`,
        wideHoldId,
        JSON.stringify([{ code: "referral_ring", score: 30 }]),
        Date.now(),
      );
    });
    const released = await decideHold(referee, wideHoldId, { decision: "release", reason: "ok" });
    expect(released.status, await released.clone().text()).toBe(200);

    // Nothing changed for the referral, so nothing is written: no held → held row.
    const after = await detailOf(referralId);
    expect(after.referral).toMatchObject({ state: "held", reason: "risk_hold" });
    expect(after.history).toEqual(before.history);
    expect(await bonusHeldMinor(referee)).toBe(0);
  });
});
