import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, test } from "vitest";
import { FRAUD_GROUP, FRAUD_STARTER_RULES } from "#shared/fraud/starter-rules";
import { DEFAULT_PAYOUT_POLICY } from "#shared/payouts/policy";
import { eventId, sendEvents } from "./events-client";
import { eventually, seedCatalog, walletStub } from "./helpers";
import { payoutOf, redeemTo, sandbox, userWithDestination } from "./payout-helpers";
import { publishRuleSet } from "./referral-helpers";

/**
 * What a redemption is scored with, at once (docs/fraud.md "Signals", "Behaviour signals"),
 * through the real api worker, wallets, risk queue and risk objects under the published starter
 * rules. A redemption is assessed by the wallet directly, not through the risk queue, so:
 * - its observation carries the payout destination's payment-instrument hash, and the wallet
 *   reads from D1 how many other users were paid to it before asking: a second account cashing
 *   out to one instrument is held `shared_payment_instrument` at once;
 * - it carries what the wallet itself knows of the newest new-device sign-in and destination
 *   change: a takeover whose steps follow each other faster than the risk queue delivers them
 *   is held `account_takeover`.
 */

beforeAll(async () => {
  await seedCatalog();
  await publishRuleSet(
    { timeZone: "UTC", groups: [FRAUD_GROUP], rules: [...FRAUD_STARTER_RULES] },
    "redeem signals test: the starter set",
  );
  await sandbox().reset();
});

const HOUR = 3_600_000;

async function activeHoldCodes(userId: string): Promise<string[]> {
  const holds = await walletStub(userId).getRiskHolds();
  return holds
    .filter((h) => h.status === "active")
    .flatMap((h) => h.reasons.map((r) => r.code))
    .sort();
}

/** The observation the user's risk object keeps for `observationId`. */
async function observation(userId: string, observationId: string) {
  const row = await runInDurableObject(env.RISK.get(env.RISK.idFromName(userId)), (_i, state) =>
    state.storage.sql
      .exec<{ identifiers_json: string; facts_json: string }>(
        `SELECT identifiers_json, facts_json FROM observations WHERE observation_id = ?`,
        observationId,
      )
      .toArray(),
  );
  const first = row[0];
  if (!first) throw new Error(`${observationId} not observed`);
  return {
    identifiers: JSON.parse(first.identifiers_json) as Record<string, string>,
    facts: JSON.parse(first.facts_json) as Record<string, unknown>,
  };
}

function signInEvent(userId: string, atMs: number, deviceId: string) {
  return {
    id: eventId("rs-login"),
    type: "user.logged_in",
    userId,
    occurredAt: new Date(atMs).toISOString(),
    data: { deviceId },
  };
}

describe("a takeover faster than the risk queue", () => {
  test("a sign-in on a new device, a new destination and a redemption back to back: held account_takeover", async () => {
    const { user, destinationId } = await userWithDestination("rs-ato", 50_000);
    // Their phone, yesterday: accepted by the wallet (the queue's delivery is not waited for).
    expect(
      (await sendEvents(signInEvent(user, Date.now() - 20 * HOUR, `phone-${user}`))).status,
    ).toBe(202);

    // The takeover, each step at once after the one before.
    const login = signInEvent(user, Date.now(), `other-${user}`);
    expect((await sendEvents(login)).status).toBe(202);
    const added = await walletStub(user).addDestination(
      user,
      `dst_rs_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`,
      { type: "upi", vpa: `thief.${user}@okaxis`, holderName: "Someone Else", label: null },
      DEFAULT_PAYOUT_POLICY,
      Date.now(),
    );
    expect(added.status).toBe("created");
    const payoutId = await redeemTo(user, destinationId, 20_000);

    expect((await payoutOf(user, payoutId)).status).toBe("held");
    const holds = await walletStub(user).getRiskHolds();
    const payouts = holds.find((h) => h.kind === "payouts" && h.status === "active");
    expect(payouts?.reasons.map((r) => r.code)).toEqual(["account_takeover"]);
    expect(payouts?.ruleId).toBe("fraud-takeover-redemption");
    expect(await sandbox().payout(payoutId)).toBeNull();

    // What the wallet knew, on the redemption's observation.
    const { facts } = await observation(user, `redeem:${payoutId}`);
    expect(facts["known.newDeviceSignInAtMs"]).toBe(Date.parse(login.occurredAt));
    expect(typeof facts["known.destinationChangeAtMs"]).toBe("number");
  });

  test("a new phone and a redemption at once, with the usual destination, is not a takeover", async () => {
    // Their own destination: the default bank details are every test user's, and once the risk
    // consumer has linked another user's (the step-up code now arrives through a queue, which
    // gives it time) the redemption would be held shared_payment_instrument instead.
    const { user, destinationId } = await userWithDestination("rs-new-phone", 50_000, {
      type: "upi",
      vpa: `own.${crypto.randomUUID().slice(0, 8)}@okaxis`,
      holderName: "Own Phone",
    });
    expect(
      (await sendEvents(signInEvent(user, Date.now() - 20 * HOUR, `phone-${user}`))).status,
    ).toBe(202);
    expect((await sendEvents(signInEvent(user, Date.now(), `new-phone-${user}`))).status).toBe(202);
    const payoutId = await redeemTo(user, destinationId, 20_000);

    expect((await payoutOf(user, payoutId)).status).not.toBe("held");
    expect(await activeHoldCodes(user)).toEqual([]);
  });
});

describe("two accounts cashing out to one payout instrument", () => {
  test("the second's redemption is held shared_payment_instrument at once; a unique instrument is not", async () => {
    const shared = {
      type: "upi",
      vpa: `ring.${crypto.randomUUID().slice(0, 8)}@okaxis`,
      holderName: "R",
    };
    const first = await userWithDestination("rs-ring-a", 50_000, shared);
    // The first account's destination is linked by the risk consumer (its one writer).
    await eventually(async () => {
      const row = await env.DB.prepare(
        `SELECT COUNT(*) AS n FROM risk_identifiers WHERE kind = 'payment_instrument' AND user_id = ?1`,
      )
        .bind(first.user)
        .first<{ n: number }>();
      return (row?.n ?? 0) > 0;
    });

    // The second adds the same account and redeems at once: its own link need not be in D1 yet.
    const second = await userWithDestination("rs-ring-b", 50_000, shared);
    const held = await redeemTo(second.user, second.destinationId, 20_000);
    expect((await payoutOf(second.user, held)).status).toBe("held");
    const holds = await walletStub(second.user).getRiskHolds();
    const payouts = holds.find((h) => h.kind === "payouts" && h.status === "active");
    expect(payouts?.reasons.map((r) => r.code)).toEqual(["shared_payment_instrument"]);
    expect(payouts?.ruleId).toBe("fraud-shared-payment-redemption");
    expect(await sandbox().payout(held)).toBeNull();
    // The hash of the account paid, never the account.
    const redemption = await observation(second.user, `redeem:${held}`);
    expect(redemption.identifiers.payment_instrument).toMatch(/^v\d+\./);
    expect(JSON.stringify(redemption)).not.toContain(shared.vpa);

    const unique = await userWithDestination("rs-unique", 50_000, {
      type: "upi",
      vpa: `solo.${crypto.randomUUID().slice(0, 8)}@okaxis`,
      holderName: "S",
    });
    const paid = await redeemTo(unique.user, unique.destinationId, 20_000);
    expect((await payoutOf(unique.user, paid)).status).not.toBe("held");
    expect(await activeHoldCodes(unique.user)).toEqual([]);
  });
});

describe("sharing facts that cannot be read", () => {
  test("D1 unreadable: held risk_unavailable, never paid; readable again, the retry holds it shared_payment_instrument", async () => {
    const shared = {
      type: "upi",
      vpa: `ring.${crypto.randomUUID().slice(0, 8)}@okaxis`,
      holderName: "R",
    };
    const first = await userWithDestination("rs-d1-a", 50_000, shared);
    await eventually(async () => {
      const row = await env.DB.prepare(
        `SELECT COUNT(*) AS n FROM risk_identifiers WHERE kind = 'payment_instrument' AND user_id = ?1`,
      )
        .bind(first.user)
        .first<{ n: number }>();
      return (row?.n ?? 0) > 0;
    });
    const second = await userWithDestination("rs-d1-b", 50_000, shared);

    // The links table out of reach: the redeem path's read fails.
    await env.DB.exec(`ALTER TABLE risk_identifiers RENAME TO risk_identifiers_away`);
    let payoutId: string;
    try {
      payoutId = await redeemTo(second.user, second.destinationId, 20_000);
    } finally {
      await env.DB.exec(`ALTER TABLE risk_identifiers_away RENAME TO risk_identifiers`);
    }
    const held = await payoutOf(second.user, payoutId);
    expect(held.status).toBe("held");
    expect(held.holdReason).toBe("risk_unavailable");
    expect(await activeHoldCodes(second.user)).toEqual(["risk_unavailable"]);
    expect(await sandbox().payout(payoutId)).toBeNull();

    // Readable again: the retry observes it with its instrument (from the payout's snapshot).
    expect(await walletStub(second.user).retryHeldRedemptions()).toEqual({
      released: 1,
      waiting: 0,
    });
    expect(await activeHoldCodes(second.user)).toEqual(["shared_payment_instrument"]);
    expect((await payoutOf(second.user, payoutId)).status).toBe("held");
    expect(await sandbox().payout(payoutId)).toBeNull();
  });
});
