import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Assessment, Observation } from "#shared/fraud/risk-contract";
import { sweepRiskUnavailable } from "#workers/api/src/features/risk-holds/index";
import { TEST_KEYS, withKey } from "./access-keys";
import { eventId, purchase, sendEvents } from "./events-client";
import {
  api,
  balances,
  clickThrough,
  eventually,
  postbackBody,
  seedCatalog,
  sendPostback,
  waitForClicks,
  walletStub,
} from "./helpers";
import {
  payoutOf,
  postingsFor,
  redeem,
  redeemTo,
  sandbox,
  userWithDestination,
  waitForPayout,
} from "./payout-helpers";
import { replaceAssess } from "./risk-helpers";

/**
 * Payouts under risk (docs/fraud.md "Holds", "Fail-safe"), through the real workers: a fraud
 * rule's `hold_payouts` holds the next redemption, an operator's release dispatches it once;
 * scoring's own effects on a redemption hold it; and with scoring forced down, earning goes on
 * while redemptions wait `risk_unavailable`, released oldest first and paid once when it is back.
 */

beforeAll(async () => {
  await seedCatalog();
});

beforeEach(async () => {
  await sandbox().reset();
});

const sharedDevice = { code: "shared_device", score: 60, detail: "3 accounts share a device" };

function assessmentWith(userId: string, effects: Assessment["effects"]): Assessment {
  return {
    userId,
    score: effects.reduce((sum, e) => sum + e.reason.score, 0),
    reasons: effects.map((e) => e.reason),
    effects,
    ruleVersion: 3,
    assessedAtMs: Date.now(),
  };
}

function decide(userId: string, holdId: string, body: unknown, key: string = TEST_KEYS.finance) {
  return api(
    `/admin/v1/risk/holds/${userId}/${encodeURIComponent(holdId)}/decision`,
    withKey(key, { method: "POST", body: JSON.stringify(body) }),
  );
}

describe("a fraud rule's hold_payouts", () => {
  it("holds the next redemption; an operator's release dispatches it, paid once", async () => {
    const { user, destinationId } = await userWithDestination("risk-hold", 50_000);
    // Scoring's answer to a login (as the risk intake delivers it): the ring rule holds payouts.
    const login: Observation = {
      observationId: `login-${user}`,
      userId: user,
      kind: "login",
      atMs: Date.now(),
    };
    const assessment = assessmentWith(user, [
      { kind: "hold_payouts", reason: sharedDevice, ruleId: "device-ring" },
      { kind: "flag", reason: sharedDevice, ruleId: "device-ring-flag" },
    ]);
    const applied = await walletStub(user).applyAssessment(user, login, assessment);
    expect(applied.placed).toBe(1);
    // Delivered again (at least once): nothing more is placed.
    expect((await walletStub(user).applyAssessment(user, login, assessment)).placed).toBe(0);
    const holdId = `rule:device-ring:login-${user}:payouts`;
    expect(applied.holds.map((h) => h.holdId)).toEqual([holdId]);

    const payoutId = await redeemTo(user, destinationId, 20_000);
    const held = await payoutOf(user, payoutId);
    expect(held).toMatchObject({ status: "held", holdReason: "risk" });
    expect(await balances(user)).toMatchObject({ confirmed: 30_000, reserved: 20_000 });
    // Approving on the payout's page is refused while the risk hold covers it.
    const approve = await walletStub(user).adminPayoutAction(payoutId, "approve");
    expect(approve.status).toBe("not_allowed");
    expect(await sandbox().payout(payoutId)).toBeNull();

    // Support sees but does not decide; a decision needs a reason.
    expect(
      (await decide(user, holdId, { decision: "release", reason: "x" }, TEST_KEYS.support)).status,
    ).toBe(403);
    const noReason = await decide(user, holdId, { decision: "release" });
    expect(noReason.status).toBe(400);
    expect(
      (await decide(user, "rule:nope:x:payouts", { decision: "release", reason: "x" })).status,
    ).toBe(404);

    const released = await decide(user, holdId, {
      decision: "release",
      reason: "a household sharing a laptop",
      label: "not_fraud",
    });
    expect(released.status).toBe(200);
    expect(((await released.json()) as { hold: unknown }).hold).toMatchObject({
      holdId,
      status: "released",
      endedHow: "operator",
      decidedBy: "test-finance",
      decisionNote: "a household sharing a laptop",
      label: "not_fraud",
    });
    const paid = await waitForPayout(user, payoutId, "paid");
    expect(paid.attempts).toBe(1);
    // The same decision again changes nothing; the other one is a conflict.
    const again = await decide(user, holdId, { decision: "release", reason: "again" });
    expect(again.status).toBe(200);
    const other = await decide(user, holdId, { decision: "uphold", reason: "changed my mind" });
    expect(other.status).toBe(409);
    await sandbox().deliverWebhooks({ force: true });
    expect(await postingsFor(user, payoutId)).toEqual([
      `payout:${payoutId}:paid`,
      `payout:${payoutId}:reserve`,
    ]);
    expect((await sandbox().payout(payoutId))?.status).toBe("completed");
    expect(await balances(user)).toMatchObject({
      confirmed: 30_000,
      reserved: 0,
      paid_out: 20_000,
    });
    expect((await payoutOf(user, payoutId)).attempts).toBe(1);

    // The decision is in the admin audit log, with who made it.
    const audit = await api(
      `/admin/v1/audit-log?pathPrefix=/admin/v1/risk/holds/${user}&actor=test-finance`,
      withKey(TEST_KEYS.reader),
    );
    const { items } = (await audit.json()) as { items: Array<{ status: number; method: string }> };
    expect(items.some((i) => i.method === "POST" && i.status === 200)).toBe(true);
  });

  it("scoring's own effect on the redemption holds it, with the rule's reason", async () => {
    const { user, destinationId } = await userWithDestination("risk-inline", 30_000);
    // Whatever rules are published: the redeem path places the effects the object answers.
    // Only the redemption is answered with the hold: the destination's own observation, queued
    // when it was added, may be scored late and must not place a second one.
    const restore = await replaceAssess(user, async (observation) =>
      assessmentWith(
        observation.userId,
        observation.kind === "redemption"
          ? [
              {
                kind: "hold_payouts",
                reason: { code: "redemption_velocity", score: 50, detail: "4 redemptions today" },
                ruleId: "redeem-velocity",
              },
            ]
          : [],
      ),
    );
    try {
      const payoutId = await redeemTo(user, destinationId, 10_000);
      expect(await payoutOf(user, payoutId)).toMatchObject({ status: "held", holdReason: "risk" });
      const holds = await walletStub(user).getRiskHolds();
      expect(holds).toEqual([
        expect.objectContaining({
          holdId: `rule:redeem-velocity:redeem:${payoutId}:payouts`,
          kind: "payouts",
          subjectRef: null,
          source: "rule",
          status: "active",
        }),
      ]);
      const { log } = (await walletStub(user).getPayout(payoutId)) ?? { log: [] };
      expect(log.find((l) => l.event === "held")?.detail).toBe("risk: redemption_velocity");
      expect(await sandbox().payout(payoutId)).toBeNull();
    } finally {
      await restore();
    }
  });
});

describe("the fail-safe: scoring forced down through the real workers", () => {
  it("earning goes on; redemptions wait risk_unavailable, nothing dispatched; back: released oldest first, paid once", async () => {
    const { user, destinationId } = await userWithDestination("risk-down", 60_000);
    // The outage: this user's risk object hangs (each call times out), then throws.
    const restoreHang = await replaceAssess(user, () => new Promise<Assessment>(() => {}));
    let older: string;
    let newer: string;
    try {
      older = await redeemTo(user, destinationId, 20_000);
      await restoreHang();
      const restoreThrow = await replaceAssess(user, async () => {
        throw new Error("scoring is down");
      });
      try {
        newer = await redeemTo(user, destinationId, 15_000);

        // Earning does not wait for scoring: a click and its postback credit pending cashback,
        // an event is processed, exactly as before.
        const { subId } = await clickThrough(user, "test-shop-offer");
        await waitForClicks(user);
        const postback = await sendPostback(
          "test-net",
          postbackBody({ order_id: `ORD-${user}`, sub_id: subId, sale_amount_minor: 100_000 }),
        );
        expect(postback.status).toBe(202);
        await eventually(async () => (await balances(user)).pending === 5_000);
        const buy = eventId("buy");
        expect((await sendEvents(purchase(user, buy))).status).toBe(202);
        await eventually(
          async () => (await walletStub(user).getEvent(buy))?.status === "processed",
        );

        // Redemptions are held, reserved, not refused and not dispatched.
        for (const [payoutId, cause] of [
          [older, "timeout"],
          [newer, "error"],
        ] as const) {
          expect(await payoutOf(user, payoutId)).toMatchObject({
            status: "held",
            holdReason: "risk_unavailable",
            attempts: 0,
          });
          const holds = await walletStub(user).getRiskHolds();
          expect(holds.find((h) => h.subjectRef === payoutId)).toMatchObject({
            holdId: `risk_unavailable:${payoutId}`,
            kind: "payouts",
            source: "risk_unavailable",
            status: "active",
            reasons: [
              expect.objectContaining({
                code: "risk_unavailable",
                detail: expect.stringContaining(cause),
              }),
            ],
          });
          expect(await sandbox().payout(payoutId)).toBeNull();
        }
        expect(await balances(user)).toMatchObject({ confirmed: 25_000, reserved: 35_000 });
        // A retry while scoring is still down changes nothing.
        expect(await walletStub(user).retryHeldRedemptions()).toEqual({ released: 0, waiting: 2 });
      } finally {
        await restoreThrow();
      }
    } finally {
      await restoreHang();
    }

    // Scoring is back: the retry (the schedule's, or the sweep's) releases them oldest first.
    expect(await walletStub(user).retryHeldRedemptions()).toEqual({ released: 2, waiting: 0 });
    const holds = await walletStub(user).getRiskHolds();
    const ended = holds
      .filter((h) => h.source === "risk_unavailable")
      .map((h) => ({
        payout: h.subjectRef,
        how: h.endedHow,
        status: h.status,
        at: h.endedAtMs ?? 0,
      }));
    expect(ended.map((h) => [h.payout, h.status, h.how]).sort()).toEqual(
      [
        [older, "released", "scoring_returned"],
        [newer, "released", "scoring_returned"],
      ].sort(),
    );
    const at = Object.fromEntries(ended.map((h) => [h.payout, h.at]));
    expect(at[older]).toBeLessThanOrEqual(at[newer] ?? 0);
    const releaseOrder = await runInDurableObject(walletStub(user), (_instance, state) =>
      state.storage.sql
        .exec<{ payout_id: string }>(
          `SELECT payout_id FROM payout_log WHERE event = 'risk_released' ORDER BY id`,
        )
        .toArray()
        .map((r) => r.payout_id),
    );
    expect(releaseOrder).toEqual([older, newer]);
    // The review queue's index follows: each fail-safe hold, placed then ended, is one row at
    // version 2 (docs/fraud.md "Review").
    const projected = await eventually(async () => {
      const { results } = await env.DB.prepare(
        `SELECT subject_ref, status, ended_how, version FROM risk_holds
         WHERE user_id = ? AND source = 'risk_unavailable' AND status = 'released'`,
      )
        .bind(user)
        .all<{ subject_ref: string; status: string; ended_how: string; version: number }>();
      return results.length === 2 ? results : null;
    });
    expect(projected.map((r) => [r.subject_ref, r.ended_how, r.version]).sort()).toEqual(
      [
        [older, "scoring_returned", 2],
        [newer, "scoring_returned", 2],
      ].sort(),
    );

    // Each is paid once; nothing was paid unchecked, nothing lost.
    for (const [payoutId, amount] of [
      [older, 20_000],
      [newer, 15_000],
    ] as const) {
      const paid = await waitForPayout(user, payoutId, "paid");
      expect(paid.attempts).toBe(1);
      expect(await postingsFor(user, payoutId)).toEqual([
        `payout:${payoutId}:paid`,
        `payout:${payoutId}:reserve`,
      ]);
      expect((await sandbox().payout(payoutId))?.amount_minor).toBe(amount);
    }
    expect(await balances(user)).toMatchObject({
      confirmed: 25_000,
      reserved: 0,
      paid_out: 35_000,
      pending: 5_000,
    });
    expect((await walletStub(user).audit()).ok).toBe(true);
    // Retried again: nothing left, nothing paid twice.
    expect(await walletStub(user).retryHeldRedemptions()).toEqual({ released: 0, waiting: 0 });
  });
});

describe("the fail-safe's sweep across users", () => {
  it("retries the users whose redemptions wait risk_unavailable, the oldest held first", async () => {
    const first = await userWithDestination("risk-sweep-a", 30_000);
    const second = await userWithDestination("risk-sweep-b", 30_000);
    const down = async () => {
      throw new Error("scoring is down");
    };
    const restores = [
      await replaceAssess(first.user, down),
      await replaceAssess(second.user, down),
    ];
    let older: string;
    let newer: string;
    try {
      older = await redeemTo(first.user, first.destinationId, 10_000);
      newer = await redeemTo(second.user, second.destinationId, 10_000);
      // The sweep finds them through the payouts projection.
      await eventually(async () => {
        const { results } = await env.DB.prepare(
          `SELECT id FROM payouts WHERE hold_reason = 'risk_unavailable' AND id IN (?1, ?2)`,
        )
          .bind(older, newer)
          .all();
        return results.length === 2;
      });
      // Still down: the sweep stops at the first user, nobody overtakes.
      const stopped = await sweepRiskUnavailable(env);
      expect(stopped).toMatchObject({ users: 1, released: 0, stillUnavailable: true });
    } finally {
      for (const restore of restores.reverse()) await restore();
    }
    const report = await sweepRiskUnavailable(env);
    expect(report.stillUnavailable).toBe(false);
    expect(report.released).toBeGreaterThanOrEqual(2);
    const endedAt = async (user: string, payoutId: string) =>
      (await walletStub(user).getRiskHolds()).find((h) => h.subjectRef === payoutId)?.endedAtMs ??
      Number.POSITIVE_INFINITY;
    expect(await endedAt(first.user, older)).toBeLessThanOrEqual(await endedAt(second.user, newer));
    await waitForPayout(first.user, older, "paid");
    await waitForPayout(second.user, newer, "paid");
    expect(await postingsFor(first.user, older)).toEqual([
      `payout:${older}:paid`,
      `payout:${older}:reserve`,
    ]);
  });
});

type ClaimDispatch = (payoutId: string, nowMs?: number) => Promise<unknown>;

/**
 * Holds the dispatch consumer's claim on one payout at the wallet's door until the test opens
 * it (a flag polled with timers: nothing crosses request contexts), so a hold can be placed
 * after the payout was queued and before it is dispatched. Returns the gate's controls.
 */
async function gateClaimDispatch(userId: string, payoutIdOf: () => string | null) {
  const proto = await runInDurableObject(
    walletStub(userId),
    (instance) => Object.getPrototypeOf(instance) as { claimDispatch: ClaimDispatch },
  );
  const original = proto.claimDispatch;
  const gate = { arrived: 0, open: false };
  proto.claimDispatch = async function (this: unknown, payoutId: string, nowMs?: number) {
    const gated = payoutIdOf();
    if (gated === null || payoutId === gated) {
      gate.arrived++;
      while (!gate.open) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return original.call(this, payoutId, nowMs);
  };
  return {
    gate,
    restore: () => {
      proto.claimDispatch = original;
    },
  };
}

describe("a payouts hold placed after the payout was queued", () => {
  it("stops it at dispatch (held, the hold's reason); the release dispatches it once", async () => {
    const { user, destinationId } = await userWithDestination("risk-late", 40_000);
    let payoutId: string | null = null;
    const { gate, restore } = await gateClaimDispatch(user, () => payoutId);
    try {
      // The redeem path has no hold to see: the payout is queued for dispatch.
      const response = await redeem(user, { amountMinor: 15_000, currency: "INR", destinationId });
      expect(response.ok).toBe(true);
      payoutId = ((await response.json()) as { id: string }).id;
      expect((await payoutOf(user, payoutId)).status).toBe("queued");
      await eventually(async () => (gate.arrived > 0 ? true : null), 20_000);

      // Scoring answers a later observation with a user-wide hold while the claim waits.
      const login: Observation = {
        observationId: `late-login-${user}`,
        userId: user,
        kind: "login",
        atMs: Date.now(),
      };
      await walletStub(user).applyAssessment(
        user,
        login,
        assessmentWith(user, [{ kind: "hold_payouts", reason: sharedDevice, ruleId: "late-ring" }]),
      );
      gate.open = true;

      const held = await eventually(async () => {
        const p = await payoutOf(user, payoutId as string);
        return p.status === "held" ? p : null;
      }, 20_000);
      expect(held).toMatchObject({ status: "held", holdReason: "risk", attempts: 0 });
      expect(await sandbox().payout(payoutId)).toBeNull();
      const log = (await walletStub(user).getPayout(payoutId))?.log ?? [];
      expect(log.at(-1)).toMatchObject({ event: "held", detail: "risk: shared_device" });
      expect(await balances(user)).toMatchObject({ confirmed: 25_000, reserved: 15_000 });

      // The release queues it again: dispatched and paid once.
      const holdId = `rule:late-ring:late-login-${user}:payouts`;
      const released = await decide(user, holdId, { decision: "release", reason: "checked" });
      expect(released.status).toBe(200);
      const paid = await waitForPayout(user, payoutId, "paid");
      expect(paid.attempts).toBe(1);
      // Released again: nothing more is dispatched.
      expect((await decide(user, holdId, { decision: "release", reason: "again" })).status).toBe(
        200,
      );
      await sandbox().deliverWebhooks({ force: true });
      expect(await postingsFor(user, payoutId)).toEqual([
        `payout:${payoutId}:paid`,
        `payout:${payoutId}:reserve`,
      ]);
      expect((await payoutOf(user, payoutId)).attempts).toBe(1);
      expect(await balances(user)).toMatchObject({
        confirmed: 25_000,
        reserved: 0,
        paid_out: 15_000,
      });
      expect((await walletStub(user).audit()).ok).toBe(true);
    } finally {
      gate.open = true;
      restore();
    }
  });
});
