import type { FirstPartyEvent } from "../events/event-schema";
import { type Facts, type FactValue, OPEN_ATTRIBUTE_PREFIX } from "./attributes";

/**
 * One checked event plus what is known of its user and of the user's recent events → the
 * engine's flat facts (attributes.ts). Pure: the wallet fills `user` and `context` from its
 * own state, the simulator from the operator's request; both build facts here, so a rule
 * sees the same names whichever path evaluates it.
 */

/** What the evaluator knows of the user at the event. Absent fields stay absent facts. */
export interface FactsUser {
  tier?: string | undefined;
  segments?: readonly string[] | undefined;
  /** Whole days since sign-up; when absent it is computed from `signedUpAtMs` if known. */
  accountAgeDays?: number | undefined;
  signedUpAtMs?: number | undefined;
  /** The state of the user's referral as a referee; absent when not referred. */
  referralState?: string | undefined;
}

/** The user's earlier events of this type in the current month (program time zone). */
export interface FactsContext {
  /** Events of this type this month before this one. */
  countOfKindThisMonth?: number | undefined;
  /** When absent, it is `countOfKindThisMonth === 0` if the count is known. */
  firstOfKindThisMonth?: boolean | undefined;
  /** Whether no event of this type occurred before this one, ever. */
  firstOfKindEver?: boolean | undefined;
}

const DAY_MS = 86_400_000;

/**
 * `data` fields with facts of their own, and personal data that never becomes a fact (a
 * trace shows facts to operators; the wallet seals these).
 */
const NOT_ATTRIBUTES = new Set([
  "amountMinor",
  "currency",
  "merchantId",
  "category",
  "email",
  "phone",
  "displayName",
]);
/** The names `event.attributes.<name>` accepts (attributes.ts OPEN_NAME). */
const ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/**
 * The facts of one event.
 *
 * - `event.*` from the event: `amountMinor`, `currency`, `merchantId` and `category` from its
 *   `data` when present with the right type; every other string, number or boolean field of
 *   `data` as `event.attributes.<name>` (nested values and personal data are left out).
 * - `user.id` is the event's user; `user.segments` defaults to `[]`; `user.accountAgeDays`
 *   is whole days from `signedUpAtMs` to the event (never negative) unless given.
 * - `context.firstOfKindThisMonth` follows from the count unless given.
 *
 * @example
 * factsOf(
 *   { id: "e1", type: "purchase.completed", userId: "u1", occurredAtMs: 1796292000000,
 *     data: { amountMinor: 129900, currency: "INR", orderId: "o1", category: "electronics" } },
 *   { tier: "gold", segments: ["students"] },
 *   { countOfKindThisMonth: 0 },
 * )
 * // { "event.type": "purchase.completed", "event.amountMinor": 129900, "event.category": "electronics",
 * //   "event.attributes.orderId": "o1", "user.id": "u1", "user.tier": "gold",
 * //   "context.firstOfKindThisMonth": true, "context.countOfKindThisMonth": 0, … }
 */
export function factsOf(
  event: FirstPartyEvent,
  user: FactsUser = {},
  context: FactsContext = {},
): Facts {
  const facts: Record<string, FactValue | undefined> = {
    "event.type": event.type,
    "event.id": event.id,
    "event.occurredAtMs": event.occurredAtMs,
    "user.id": event.userId,
    "user.segments": [...(user.segments ?? [])],
  };
  const { data } = event;
  if (typeof data.amountMinor === "number") facts["event.amountMinor"] = data.amountMinor;
  if (typeof data.currency === "string") facts["event.currency"] = data.currency;
  if (typeof data.merchantId === "string") facts["event.merchantId"] = data.merchantId;
  if (typeof data.category === "string") facts["event.category"] = data.category;
  for (const [name, value] of Object.entries(data)) {
    if (NOT_ATTRIBUTES.has(name) || !ATTRIBUTE_NAME.test(name)) continue;
    if (typeof value === "string" || typeof value === "boolean") {
      facts[`${OPEN_ATTRIBUTE_PREFIX}${name}`] = value;
    } else if (typeof value === "number" && Number.isFinite(value)) {
      facts[`${OPEN_ATTRIBUTE_PREFIX}${name}`] = value;
    }
  }

  if (user.tier !== undefined) facts["user.tier"] = user.tier;
  if (user.signedUpAtMs !== undefined) facts["user.signedUpAtMs"] = user.signedUpAtMs;
  const ageDays =
    user.accountAgeDays ??
    (user.signedUpAtMs === undefined
      ? undefined
      : Math.max(0, Math.floor((event.occurredAtMs - user.signedUpAtMs) / DAY_MS)));
  if (ageDays !== undefined) facts["user.accountAgeDays"] = ageDays;

  const count = context.countOfKindThisMonth;
  if (count !== undefined) facts["context.countOfKindThisMonth"] = count;
  const first = context.firstOfKindThisMonth ?? (count === undefined ? undefined : count === 0);
  if (first !== undefined) facts["context.firstOfKindThisMonth"] = first;
  if (context.firstOfKindEver !== undefined)
    facts["context.firstOfKindEver"] = context.firstOfKindEver;
  if (user.referralState !== undefined) facts["referral.state"] = user.referralState;
  return facts;
}
