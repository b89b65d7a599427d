import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, test } from "vitest";
import { FRAUD_GROUP, FRAUD_STARTER_RULES } from "#shared/fraud/starter-rules";
import { eventually, uniqueUser, walletStub } from "./helpers";
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
  signupEvent,
} from "./referral-helpers";

/**
 * A referral's qualification is scored with its signup's identifiers (docs/fraud.md "Holds",
 * docs/referrals.md "Holds from the risk system"): the `qualified` observation the wallet asks
 * the risk object about directly carries the signup's link hashes, and the wallet reads from D1
 * how many other users share them first — as a redemption does — so the starter rule
 * `fraud-shared-device-referral` holds a referee who qualifies before the risk queue has
 * delivered the `attributed` observation. Through the real events worker, wallets, risk queue
 * (for the first two accounts' links) and risk objects.
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const STARTER_RULE_ID = "fraud-shared-device-referral";

beforeAll(async () => {
  const deviceRule = FRAUD_STARTER_RULES.filter((r) => r.id === STARTER_RULE_ID);
  expect(deviceRule).toHaveLength(1);
  await publishRuleSet(
    {
      timeZone: "UTC",
      groups: [{ name: "base", mode: "stackable" }, FRAUD_GROUP],
      rules: [depositRewardRule("qs-deposit"), ...deviceRule],
    },
    "risk qualification sharing test",
  );
  // The program's own signals never hold here: only the risk rule can.
  await saveReferralProgram({ ...REFERRAL_FRAUD, holdThreshold: 1_000 });
});

const stateOf = referralStateOf;

/** The users D1 knows with a `device` link (the risk consumer recorded their signups). */
async function deviceLinked(userIds: readonly string[]): Promise<boolean> {
  const row = await env.DB.prepare(
    `SELECT COUNT(DISTINCT user_id) AS n FROM risk_identifiers
     WHERE kind = 'device' AND user_id IN (${userIds.map(() => "?").join(", ")})`,
  )
    .bind(...userIds)
    .first<{ n: number }>();
  return row?.n === userIds.length;
}

describe("a referral's qualification reads what its signup's identifiers share", () => {
  test("a third account on a shared device, qualifying at once, is held shared_device and not rewarded", async () => {
    const device = uniqueUser("qs-device");
    const first = uniqueUser("qs-a");
    const second = uniqueUser("qs-b");
    await sendAccepted(signupEvent(first, { deviceId: device }, Date.now() - 3 * HOUR_MS));
    await sendAccepted(signupEvent(second, { deviceId: device }, Date.now() - 3 * HOUR_MS));
    // The referrer shares nothing with them: only the device's other holders count.
    const { referrer, code } = await newReferrer("qs");
    expect(await eventually(() => deviceLinked([first, second]), 20_000)).toBe(true);

    // The third account signs up with the code and deposits in the same request: it qualifies
    // in the wake that attributes it, before its `attributed` observation is even sent.
    const referee = uniqueUser("qs-re");
    const referralId = `ref_${referee}`;
    await sendAccepted({
      events: [
        signupEvent(referee, { referralCode: code, deviceId: device }, Date.now() - 30 * MINUTE_MS),
        depositEvent(referee),
      ],
    });
    expect(await eventually(async () => (await stateOf(referee)) !== "signed_up")).toBe(true);
    expect(await stateOf(referee)).toBe("held");
    const hold = (await walletStub(referee).getRiskHolds()).find(
      (h) => h.holdId === `rule:${STARTER_RULE_ID}:referral:${referralId}:qualified:referral`,
    );
    expect(hold).toMatchObject({
      kind: "referral",
      subjectRef: referralId,
      status: "active",
      source: "rule",
      ruleId: STARTER_RULE_ID,
      reasons: [{ code: "shared_device", score: 40 }],
    });
    const referral = (await walletStub(referee).getReferral())?.referral as {
      reason?: string;
    };
    expect(referral.reason).toBe("fraud_rule_hold");
    await walletStub(referee).runDue();
    expect(await stateOf(referee)).toBe("held");
    expect(await bonusHeldMinor(referee)).toBe(0);
    expect(await bonusHeldMinor(referrer)).toBe(0);
    expect((await walletStub(referee).audit()).ok).toBe(true);
  });
});
