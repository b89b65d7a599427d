import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { eventId, sendEvents } from "./events-client";
import { eventually, seedCatalog, walletStub } from "./helpers";
import { asUser, payoutOf, sandbox, stepUp, userWithDestination } from "./payout-helpers";
import { publishRuleSet } from "./referral-helpers";

/**
 * A fraud rule's `require_step_up` (docs/fraud.md "Holds"), through the real events worker,
 * risk queue, risk object, wallet and member API: a sign-in the rule fires on places a
 * `step_up` hold; a redemption with a code issued before it is refused `step_up_required`;
 * one with a code issued after it passes, the hold ends `released` by `step_up`, and the
 * redemption goes through.
 */

const RULE_ID = "fraud-step-up-antarctica";

beforeAll(async () => {
  await seedCatalog();
  await publishRuleSet(
    {
      timeZone: "UTC",
      groups: [{ name: "fraud", mode: "stackable" }],
      rules: [
        {
          id: RULE_ID,
          name: "A sign-in from Antarctica asks for a step-up",
          eventTypes: ["risk.login"],
          conditions: { all: [{ attr: "signal.country", op: "eq", value: "AQ" }] },
          effects: [{ kind: "require_step_up", score: 20, reasonCode: "unusual_country" }],
          priority: 0,
          group: "fraud",
          active: true,
        },
      ],
    },
    "risk step-up holds test",
  );
});

beforeEach(async () => {
  await sandbox().reset();
});

/** A sign-in the rule fires on; returns once its `step_up` hold is in the wallet. */
async function steppedUp(user: string): Promise<string> {
  const signIn = {
    id: eventId("su-login"),
    type: "user.logged_in",
    userId: user,
    occurredAt: new Date().toISOString(),
    data: { country: "AQ" },
  };
  expect((await sendEvents(signIn)).status).toBe(202);
  const holdId = `rule:${RULE_ID}:event:${signIn.id}:step_up`;
  const hold = await eventually(
    async () => (await walletStub(user).getRiskHolds()).find((h) => h.holdId === holdId),
    20_000,
  );
  expect(hold).toMatchObject({ kind: "step_up", status: "active", subjectRef: null });
  return holdId;
}

const holdOf = async (user: string, holdId: string) =>
  (await walletStub(user).getRiskHolds()).find((h) => h.holdId === holdId);

function addUpi(userId: string, vpa: string, code?: unknown) {
  return asUser(userId, "/v1/me/payout-destinations", {
    body: { type: "upi", vpa, holderName: "Asha Rao", ...(code ? { stepUp: code } : {}) },
  });
}

function redeemWith(userId: string, destinationId: string, code: unknown, key: string) {
  return asUser(userId, "/v1/me/redemptions", {
    body: { amountMinor: 10_000, currency: "INR", destinationId, stepUp: code },
    headers: { "idempotency-key": key },
  });
}

describe("a fraud rule's require_step_up", () => {
  it("refuses a redemption until a fresh step-up passes; passing releases the hold", async () => {
    const { user, destinationId } = await userWithDestination("step-up-hold", 50_000);
    // A code the user holds before the risk system asks.
    const early = await stepUp(user);
    const holdId = await steppedUp(user);

    // The code issued before the hold does not pass: refused, nothing reserved, code unused.
    const refused = await redeemWith(user, destinationId, early, "key-step-early");
    const problem = await refused.text();
    expect(refused.status, problem).toBe(403);
    expect(problem).toContain("step_up_required");
    expect(problem).toContain("a security check asks for a new code");
    expect(await walletStub(user).getPayouts(null, 10)).toEqual([]);
    // Without any code: refused as before.
    expect((await redeemWith(user, destinationId, undefined, "key-step-none")).status).toBe(403);
    expect((await walletStub(user).getRiskHolds()).find((h) => h.holdId === holdId)?.status).toBe(
      "active",
    );

    // Nor a new payout destination without a fresh code.
    const noCode = await addUpi(user, "asha.new@okaxis");
    expect(noCode.status, await noCode.clone().text()).toBe(403);
    expect(await noCode.text()).toContain("step_up_required");
    expect((await addUpi(user, "asha.new@okaxis", early)).status).toBe(403);
    expect((await walletStub(user).getDestinations()).length).toBe(1);

    // A fresh code passes: the hold is released by the step-up and the redemption goes.
    const fresh = await stepUp(user);
    const passed = await redeemWith(user, destinationId, fresh, "key-step-fresh");
    expect(passed.status, await passed.clone().text()).toBe(201);
    const { id: payoutId } = (await passed.json()) as { id: string };
    expect((await payoutOf(user, payoutId)).status).not.toBe("held");
    expect((await walletStub(user).getRiskHolds()).find((h) => h.holdId === holdId)).toMatchObject({
      status: "released",
      endedHow: "step_up",
      decidedBy: "user",
      decisionNote: `step-up passed (${fresh.challengeId})`,
    });
    // The next redemption needs only the usual code, a destination none.
    expect((await addUpi(user, "asha.new@okaxis")).status).toBe(201);
    const next = await redeemWith(user, destinationId, await stepUp(user), "key-step-next");
    expect(next.status, await next.clone().text()).toBe(201);
    expect((await walletStub(user).audit()).ok).toBe(true);
  });

  it("a destination change with a fresh code passes the step-up and releases the hold", async () => {
    const { user } = await userWithDestination("step-up-dest", 20_000);
    const holdId = await steppedUp(user);
    const fresh = await stepUp(user);
    const wrong = await addUpi(user, "ravi.new@okaxis", {
      ...fresh,
      code: fresh.code === "000000" ? "111111" : "000000",
    });
    expect(wrong.status, await wrong.clone().text()).toBe(403);
    expect(await wrong.text()).toContain("step_up_failed");
    expect((await holdOf(user, holdId))?.status).toBe("active");
    const added = await addUpi(user, "ravi.new@okaxis", fresh);
    expect(added.status, await added.clone().text()).toBe(201);
    expect(await holdOf(user, holdId)).toMatchObject({
      status: "released",
      endedHow: "step_up",
      decisionNote: `step-up passed (${fresh.challengeId})`,
    });
    // The change went through: the seasoned destination and the new one.
    expect((await walletStub(user).getDestinations()).length).toBe(2);
  });
});
