import fc from "fast-check";
import { beforeAll, expect, test } from "vitest";
import { eventId, sendEvents } from "./events-client";
import { eventually, uniqueUser, walletStub } from "./helpers";
import { bonusHeldMinor, publishRuleSet, referralCode } from "./referral-helpers";

/**
 * Random delivery orders of one referral's events — the signup, the qualifying deposit, a
 * deposit too small to qualify, then partial and full refunds or a chargeback and its
 * resolution — each maybe delivered twice, through the real events worker. Whatever the
 * order, both parties end with what an oracle computes from the events alone (written here,
 * independently of the product's code): the reward when the referee signed up with the code
 * and made the qualifying deposit, less what the refunds took (all of it once the deposit is
 * refunded in full; a share of each partial refund only under the proportional campaign), none
 * of it while a chargeback stands, all of it back when the member wins it. Every wallet's audit
 * holds.
 */

const REFEREE_MINOR = 500;
const REFERRER_MINOR = 1_000;
/** The two campaigns, told apart by the deposit's amount: keep vs proportional partial refunds. */
const KEEP_DEPOSIT_MINOR = 10_000;
const PROPORTIONAL_DEPOSIT_MINOR = 20_000;

beforeAll(async () => {
  const rule = (id: string, fromMinor: number, toMinor: number, effect: object) => ({
    id,
    name: id,
    eventTypes: ["deposit.completed"],
    conditions: {
      all: [
        { attr: "referral.state", op: "eq", value: "signed_up" },
        { attr: "event.amountMinor", op: "gte", value: fromMinor },
        { attr: "event.amountMinor", op: "lt", value: toMinor },
      ],
    },
    effects: [
      {
        kind: "referral_reward",
        programId: "default",
        referrer: { amountMinor: REFERRER_MINOR, currency: "INR" },
        referee: { amountMinor: REFEREE_MINOR, currency: "INR" },
        ...effect,
      },
    ],
    priority: 10,
    group: "base",
    active: true,
  });
  await publishRuleSet(
    {
      timeZone: "UTC",
      groups: [{ name: "base", mode: "stackable" }],
      rules: [
        rule("ref-keep", KEEP_DEPOSIT_MINOR, KEEP_DEPOSIT_MINOR + 1, {}),
        rule("ref-proportional", PROPORTIONAL_DEPOSIT_MINOR, PROPORTIONAL_DEPOSIT_MINOR + 1, {
          partialRefund: "proportional",
        }),
      ],
    },
    "referral orders property",
  );
});

type FollowUps =
  | { kind: "none" }
  /** Partial refunds in tenths of the deposit (their sum at most ten tenths). */
  | { kind: "refunds"; tenths: number[] }
  | { kind: "chargeback"; outcome: "user_won" | "user_lost" | null };

interface Scenario {
  signedUp: boolean;
  proportional: boolean;
  smallDeposit: boolean;
  followUps: FollowUps;
  /** A random key per event: the delivery order (follow-ups of one kind keep theirs). */
  orderKeys: number[];
  resend: number[];
}

const scenario: fc.Arbitrary<Scenario> = fc.record({
  signedUp: fc.boolean(),
  proportional: fc.boolean(),
  smallDeposit: fc.boolean(),
  followUps: fc.oneof(
    fc.constant({ kind: "none" as const }),
    fc.record({
      kind: fc.constant("refunds" as const),
      tenths: fc
        .array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 3 })
        .map((parts) => {
          const kept: number[] = [];
          let left = 10;
          for (const part of parts) {
            if (left === 0) break;
            kept.push(Math.min(part, left));
            left -= Math.min(part, left);
          }
          return kept;
        }),
    }),
    fc.record({
      kind: fc.constant("chargeback" as const),
      outcome: fc.constantFrom("user_won" as const, "user_lost" as const, null),
    }),
  ),
  orderKeys: fc.array(fc.nat(1_000), { minLength: 8, maxLength: 8 }),
  resend: fc.array(fc.nat(7), { maxLength: 2 }),
});

interface Sent {
  id: string;
  type: string;
  userId: string;
  occurredAt: string;
  data: Record<string, unknown>;
}

/** The scenario's events in the order they happened. */
function eventsOf(s: Scenario, referee: string, code: string, t0Ms: number): Sent[] {
  const at = (minutes: number) => new Date(t0Ms + minutes * 60_000).toISOString();
  const depositMinor = s.proportional ? PROPORTIONAL_DEPOSIT_MINOR : KEEP_DEPOSIT_MINOR;
  const deposit = {
    id: eventId("po-dep"),
    type: "deposit.completed",
    userId: referee,
    occurredAt: at(1),
    data: { amountMinor: depositMinor, currency: "INR" },
  };
  const events: Sent[] = [];
  if (s.signedUp) {
    events.push({
      id: eventId("po-su"),
      type: "user.signed_up",
      userId: referee,
      occurredAt: at(0),
      data: { displayName: "Asha", referralCode: code },
    });
  }
  events.push(deposit);
  if (s.smallDeposit) {
    events.push({
      id: eventId("po-small"),
      type: "deposit.completed",
      userId: referee,
      occurredAt: at(2),
      data: { amountMinor: 5_000, currency: "INR" },
    });
  }
  const f = s.followUps;
  if (f.kind === "refunds") {
    f.tenths.forEach((tenths, i) => {
      events.push({
        id: eventId("po-ref"),
        type: "refund.completed",
        userId: referee,
        occurredAt: at(3 + i),
        data: {
          originalEventId: deposit.id,
          amountMinor: (depositMinor * tenths) / 10,
          currency: "INR",
        },
      });
    });
  } else if (f.kind === "chargeback") {
    events.push({
      id: eventId("po-cb"),
      type: "chargeback.created",
      userId: referee,
      occurredAt: at(3),
      data: { originalEventId: deposit.id },
    });
    if (f.outcome) {
      events.push({
        id: eventId("po-res"),
        type: "chargeback.resolved",
        userId: referee,
        occurredAt: at(4),
        data: { originalEventId: deposit.id, outcome: f.outcome },
      });
    }
  }
  return events;
}

/**
 * The delivery order: by the scenario's random keys, except that a resolution never arrives
 * before its chargeback (the processor cannot resolve what it has not opened).
 */
function deliveryOrder(events: Sent[], keys: number[]): Sent[] {
  const order = events
    .map((event, i) => ({ event, key: keys[i] ?? i, i }))
    .sort((a, b) => a.key - b.key || a.i - b.i)
    .map((x) => x.event);
  const cb = order.findIndex((e) => e.type === "chargeback.created");
  const res = order.findIndex((e) => e.type === "chargeback.resolved");
  if (cb >= 0 && res >= 0 && res < cb) {
    const [resolution] = order.splice(res, 1);
    order.splice(order.indexOf(order[cb - 1] as Sent) + 1, 0, resolution as Sent);
  }
  return order;
}

/**
 * The oracle: what each party holds at the end, from the events alone. The refunds are applied
 * in the order the wallet processes them: those that arrived before the deposit wait for it and
 * follow it in the order they happened; the rest in the order they arrived.
 */
function expectedHeld(s: Scenario, delivered: Sent[]): { referee: number; referrer: number } {
  if (!s.signedUp) return { referee: 0, referrer: 0 };
  const f = s.followUps;
  let keptTenths = 10;
  if (f.kind === "refunds") {
    const depositAt = delivered.findIndex((e) => e.type === "deposit.completed" && !isSmall(e));
    const early = delivered.slice(0, depositAt).filter((e) => e.type === "refund.completed");
    const late = delivered.slice(depositAt).filter((e) => e.type === "refund.completed");
    early.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
    const depositMinor = s.proportional ? PROPORTIONAL_DEPOSIT_MINOR : KEEP_DEPOSIT_MINOR;
    let refundedTenths = 0;
    for (const refund of [...early, ...late]) {
      refundedTenths += (Number(refund.data.amountMinor) * 10) / depositMinor;
      if (refundedTenths >= 10) keptTenths = 0;
      else if (s.proportional) keptTenths = 10 - refundedTenths;
    }
  } else if (f.kind === "chargeback") {
    keptTenths = f.outcome === "user_won" ? 10 : 0;
  }
  return {
    referee: (REFEREE_MINOR * keptTenths) / 10,
    referrer: (REFERRER_MINOR * keptTenths) / 10,
  };
}

function isSmall(e: Sent): boolean {
  return e.type === "deposit.completed" && Number(e.data.amountMinor) === 5_000;
}

const heldMinor = bonusHeldMinor;

test("any delivery order of signup, deposits, refunds, chargebacks and duplicates ends where the oracle says", async () => {
  await fc.assert(
    fc.asyncProperty(scenario, async (s) => {
      const referrer = uniqueUser("po-rr");
      const referee = uniqueUser("po-re");
      const code = await referralCode(referrer);
      const events = eventsOf(s, referee, code, Date.now() - 60 * 60_000);
      const delivered = deliveryOrder(events, s.orderKeys);
      for (const event of delivered) {
        const response = await sendEvents(event);
        expect(response.status, await response.clone().text()).toBe(202);
      }
      for (const i of s.resend) {
        const again = delivered[i % delivered.length] as Sent;
        expect((await sendEvents(again)).status).toBe(200);
      }
      const expected = expectedHeld(s, delivered);
      expect(await heldMinor(referee)).toBe(expected.referee);
      // The referrer's share travels by its own delivery: it settles shortly.
      const referrerHeld = await eventually(async () => {
        const held = await heldMinor(referrer);
        return held === expected.referrer ? { held } : null;
      }).catch(async () => ({ held: await heldMinor(referrer) }));
      expect(referrerHeld.held).toBe(expected.referrer);

      if (!s.signedUp) {
        expect(await walletStub(referee).getReferral()).toBeNull();
      } else {
        // Rewarded once the referrer's wallet acknowledged; reversed when nothing is kept.
        const want = expected.referee === 0 ? "reversed" : "rewarded";
        const state = await eventually(async () => {
          const r = await walletStub(referee).getReferral();
          return r?.referral.state === want ? want : null;
        }).catch(async () => (await walletStub(referee).getReferral())?.referral.state);
        expect(state).toBe(want);
      }
      for (const user of [referee, referrer]) {
        expect(await walletStub(user).audit()).toEqual({ ok: true, violations: [] });
      }
    }),
    { numRuns: 30 },
  );
});
