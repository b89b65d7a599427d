import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, test } from "vitest";
import { acknowledgeReferrerReward } from "#durable-objects/wallet/index";
import { TEST_KEYS, withKey } from "./access-keys";
import { eventId } from "./events-client";
import { adminPut, api, eventually, uniqueUser, userGet, walletStub } from "./helpers";
import { bonusHeldMinor, publishRuleSet, referralCode, sendAccepted } from "./referral-helpers";

/**
 * A ban (or a rejection) that meets a referrer credit on its way (docs/referrals.md, "Fraud
 * holds"): the referral was `qualified`, its referrer credit owed and already sent, or sent and
 * landed without the acknowledgement getting back. Whatever the order, the banned referrer
 * keeps nothing: the rejection owes a whole reversal behind the credit, which the referrer's
 * wallet applies if the credit landed and answers `nothing` to if it never did.
 *
 * The credit is held in flight by a row the referrer's wallet already has for this referral
 * under another rule (the wallet refuses, and the referee's wallet retries in 30 s), the same
 * refusal a real conflict gives; the test then lands or withholds the credit itself.
 */

const RULE_ID = "ref-race-deposit";
const REFERRER_REWARD = { amountMinor: 1_000, currency: "INR" };
let ruleVersion = 0;

beforeAll(async () => {
  ruleVersion = await publishRuleSet(
    {
      timeZone: "Asia/Kolkata",
      groups: [{ name: "base", mode: "stackable" }],
      rules: [
        {
          id: RULE_ID,
          name: RULE_ID,
          eventTypes: ["deposit.completed"],
          conditions: { all: [{ attr: "referral.state", op: "eq", value: "signed_up" }] },
          effects: [
            {
              kind: "referral_reward",
              programId: "default",
              referrer: REFERRER_REWARD,
              referee: { amountMinor: 500, currency: "INR" },
            },
          ],
          priority: 10,
          group: "base",
          active: true,
        },
      ],
    },
    "referral ban race test",
  );
  const saved = await adminPut("/admin/v1/referrals/program", {
    settings: {
      programId: "default",
      attribution: { touch: "first", windowDays: 30, probabilisticWindowHours: 2 },
      destinations: {
        webSignupUrl: "https://app.example.com/signup",
        iosAppStoreUrl: null,
        androidPlayStoreUrl: null,
      },
    },
  });
  expect(saved.status, await saved.clone().text()).toBe(200);
});

const MINUTE_MS = 60_000;

const event = (type: string, userId: string, atMs: number, data: Record<string, unknown>) => ({
  id: eventId(type.slice(0, 3)),
  type,
  userId,
  occurredAt: new Date(atMs).toISOString(),
  data,
});

interface Referred {
  referrer: string;
  referee: string;
  referralId: string;
  depositId: string;
  depositAtMs: number;
}

/**
 * A referee qualified with the referrer's credit stuck on its way: the referrer's wallet
 * refuses it (a row for this referral under another rule), so it stays owed, retried.
 */
async function qualifiedWithCreditInFlight(label: string): Promise<Referred> {
  const referrer = uniqueUser(`${label}-rr`);
  await sendAccepted(
    event("user.signed_up", referrer, Date.now() - 120 * MINUTE_MS, { displayName: "Asha" }),
  );
  const code = await referralCode(referrer);
  const referee = uniqueUser(`${label}-re`);
  const referralId = `ref_${referee}`;
  await runInDurableObject(walletStub(referrer), (_instance, state) => {
    state.storage.sql.exec(
      `INSERT INTO referrer_credits (referral_id, rule_id, month, outcome, nth, unit, amount, at_ms)
       VALUES (?, 'another-rule', '2026-12', 'credited', 1, 'INR', 1, 0)`,
      referralId,
    );
  });
  await sendAccepted(
    event("user.signed_up", referee, Date.now() - 30 * MINUTE_MS, {
      displayName: "Ravi",
      referralCode: code,
    }),
  );
  const depositAtMs = Date.now() - 10 * MINUTE_MS;
  const deposit = event("deposit.completed", referee, depositAtMs, {
    amountMinor: 50_000,
    currency: "INR",
  });
  await sendAccepted(deposit);
  const stuck = await eventually(async () => {
    const view = await walletStub(referee).getReferral();
    const credit = view?.rewards.find((r) => r.party === "referrer");
    return view?.referral.state === "qualified" && credit?.status === "owed" && credit.attempts > 0
      ? view
      : null;
  });
  expect(stuck).not.toBeNull();
  // The ban's sweep finds the referrer's referrals in D1's projection.
  await eventually(async () => {
    const row = await env.DB.prepare(`SELECT state FROM referrals WHERE referral_id = ?`)
      .bind(referralId)
      .first<{ state: string }>();
    return row?.state === "qualified";
  });
  return { referrer, referee, referralId, depositId: deposit.id, depositAtMs };
}

const ban = async (userId: string) => {
  const response = await api(
    `/admin/v1/referrals/referrers/${userId}/ban`,
    withKey(TEST_KEYS.finance, { method: "PUT", body: JSON.stringify({ reason: "ring" }) }),
  );
  expect(await response.json()).toMatchObject({ banned: true, rejectedReferrals: 1 });
  return response;
};

/** The credit the referee's wallet was sending, landing in the referrer's wallet. */
async function landCredit(r: Referred) {
  await runInDurableObject(walletStub(r.referrer), (_instance, state) => {
    state.storage.sql.exec(`DELETE FROM referrer_credits WHERE referral_id = ?`, r.referralId);
  });
  const landed = await walletStub(r.referrer).creditReferralReward(r.referrer, {
    referralId: r.referralId,
    party: "referrer",
    ruleId: RULE_ID,
    ruleVersion,
    eventId: r.depositId,
    occurredAtMs: r.depositAtMs,
    reward: REFERRER_REWARD,
    pendingUntilMs: null,
    terms: null,
  });
  expect(landed).toMatchObject({ status: "created" });
}

async function reversalOf(r: Referred) {
  return eventually(async () => {
    const view = await walletStub(r.referee).getReferral();
    const op = view?.referrerOperations.find(
      (o) => o.operation.kind === "reverse" && o.status === "delivered",
    );
    return op ? view : null;
  });
}

describe("a ban meeting a referrer credit on its way", () => {
  test("the credit never landed: the referral is rejected and the referrer gets nothing", async () => {
    const r = await qualifiedWithCreditInFlight("never");
    expect((await ban(r.referrer)).status).toBe(200);

    const view = await reversalOf(r);
    expect(view?.referral.state).toBe("rejected");
    expect(view?.rewards.find((x) => x.party === "referrer")?.status).toBe("cancelled");
    expect(await bonusHeldMinor(r.referrer)).toBe(0);
    expect(await walletStub(r.referrer).getReferralBonus(r.referralId, "referrer")).toBeNull();
  });

  test("the credit landed unacknowledged: the ban's reversal takes it back", async () => {
    const r = await qualifiedWithCreditInFlight("landed");
    await landCredit(r);
    expect(await bonusHeldMinor(r.referrer)).toBe(1_000);

    expect((await ban(r.referrer)).status).toBe(200);
    const view = await reversalOf(r);
    expect(view?.referral.state).toBe("rejected");
    expect(await eventually(async () => (await bonusHeldMinor(r.referrer)) === 0)).toBe(true);
    const money = await walletStub(r.referrer).getReferralBonus(r.referralId, "referrer");
    expect(money).toMatchObject({ credited: 1_000, taken: 1_000 });

    // The acknowledgement arriving late (the RPC's answer) records the credit as taken.
    await runInDurableObject(walletStub(r.referee), (instance) => {
      const wallet = instance as unknown as {
        commit<T>(work: (tx: Parameters<typeof acknowledgeReferrerReward>[0]) => T): T;
      };
      wallet.commit((tx) =>
        acknowledgeReferrerReward(tx, r.referralId, Date.now(), REFERRER_REWARD),
      );
    });
    const after = await walletStub(r.referee).getReferral();
    expect(after?.referral.state).toBe("rejected");
    expect(after?.rewards.find((x) => x.party === "referrer")).toMatchObject({
      status: "delivered",
      taken: 1_000,
    });
    // The confirmation owed at qualification, then exactly one reversal: the late
    // acknowledgement owes no other.
    expect(after?.referrerOperations.map((o) => [o.operation.kind, o.status])).toEqual([
      ["confirm", "delivered"],
      ["reverse", "delivered"],
    ]);
    expect(await bonusHeldMinor(r.referrer)).toBe(0);

    // The referrer's own view: the friend is rejected, nothing earned from them.
    const mine = await eventually(async () => {
      const body = (await (await userGet(r.referrer, "/v1/me/referrals")).json()) as {
        earned: { money: Array<{ amountMinor: number }>; points: number };
        friends: Array<{ state: string }>;
      };
      return body.friends.some((f) => f.state === "rejected") ? body : null;
    });
    expect(mine?.earned.money.reduce((sum, m) => sum + m.amountMinor, 0)).toBe(0);
  });
});
