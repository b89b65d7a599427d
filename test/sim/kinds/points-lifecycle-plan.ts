import { Prng } from "../oracle/prng";

/**
 * The points lifecycle steps of a run (kinds/points-lifecycle.ts), by the index of the
 * generated action they follow (most none). Like the campaign boosts they come from a stream
 * of their own and are not actions of `generate()`, so every generated action, and every other
 * kind's place in the run, is what it was without them. The money-core workload has none.
 */

export type PointsLifeAction = { kind: "points_life"; user: string } & (
  | { op: "purchase"; eventId: string; amountMinor: number }
  | { op: "confirm"; eventId: string; originalEventId: string }
  | { op: "refund"; eventId: string; originalEventId: string; amountMinor: number }
  | { op: "voucher"; key: string; replay: boolean }
  /** The user's clock moved past every lot's expiry: the wallet's due run as of then. */
  | { op: "expire" }
);

/** Members of their own: their points come only from these steps. */
export const POINTS_LIFE_USERS = 3;
const STEP_CHANCE = 0.08;
/** Where a run has its first expiry at the latest (a share of its steps). */
const FIRST_EXPIRY_AT = 0.6;

export function pointsLifeSchedule(options: {
  seed: number;
  events: number;
  runTag: string;
  workload?: string;
}): Array<PointsLifeAction | null> {
  const out: Array<PointsLifeAction | null> = [];
  if ((options.workload ?? "all") !== "all") return out;
  const rng = new Prng(options.seed).fork(41);
  const tag = options.runTag;
  const purchases: Array<{ user: string; eventId: string; left: number; confirmed: boolean }> = [];
  let events = 0;
  let vouchers = 0;
  let expired = false;
  const forceExpiryAt = Math.floor(options.events * FIRST_EXPIRY_AT);
  for (let i = 0; i < options.events; i++) {
    out.push(null);
    if (!expired && i === forceExpiryAt && purchases.length > 0) {
      out[i] = { kind: "points_life", user: rng.pick(purchases).user, op: "expire" };
      expired = true;
      continue;
    }
    if (!rng.chance(STEP_CHANCE)) continue;
    // Mostly a member who has bought something (so vouchers and expiries have points to meet).
    const user =
      purchases.length > 0 && rng.chance(0.8)
        ? rng.pick(purchases).user
        : `sim-${tag}-pt${rng.int(0, POINTS_LIFE_USERS - 1)}`;
    const r = purchases.length === 0 ? 0 : rng.next();
    const unconfirmed = purchases.filter((p) => !p.confirmed);
    const refundable = purchases.filter((p) => p.left > 0);
    if (r < 0.6 && r >= 0.3 && unconfirmed.length > 0) {
      const p = rng.pick(unconfirmed);
      p.confirmed = true;
      out[i] = {
        kind: "points_life",
        user: p.user,
        op: "confirm",
        eventId: `sim-${tag}-pc${events++}`,
        originalEventId: p.eventId,
      };
    } else if (r < 0.75 && r >= 0.6 && refundable.length > 0) {
      const p = rng.pick(refundable);
      const amountMinor = rng.chance(0.4) ? p.left : rng.int(1, p.left);
      p.left -= amountMinor;
      out[i] = {
        kind: "points_life",
        user: p.user,
        op: "refund",
        eventId: `sim-${tag}-pr${events++}`,
        originalEventId: p.eventId,
        amountMinor,
      };
    } else if (r < 0.92 && r >= 0.75) {
      out[i] = {
        kind: "points_life",
        user,
        op: "voucher",
        key: `sim-${tag}-pv${vouchers++}`,
        replay: rng.chance(0.3),
      };
    } else if (r >= 0.92) {
      expired = true;
      out[i] = { kind: "points_life", user, op: "expire" };
    } else {
      const eventId = `sim-${tag}-pp${events++}`;
      const amountMinor = rng.int(10_000, 150_000);
      purchases.push({ user, eventId, left: amountMinor, confirmed: false });
      out[i] = { kind: "points_life", user, op: "purchase", eventId, amountMinor };
    }
  }
  return out;
}
