import { utf8 } from "../crypto/encoding";
import type { CashbackTerms } from "../money/cashback";

/**
 * Bounds that keep a click's queue message far below the Queues message limit (128 KB).
 *
 * A click message (shared/messages.ts `ClickMessage`) carries ids, the offer's cashback terms
 * frozen at click time, and at most MAX_BOOSTS_PER_OFFER boosts. Ids are slugs or minted, so
 * the terms are the only part an operator can grow: they are bounded when an offer is saved
 * (`termsBoundIssue`), and the redirect checks the whole message before it answers
 * (`clickMessageTooLarge`), so an offer stored some other way never fails to enqueue silently.
 *
 * Worst case by construction: 200 category rates × (64-char key, escaped, + rate) fits in the
 * 32 KiB terms bound; 8 boosts × (slug + 64-char category) is under 5 KiB; ids and numbers
 * under 1 KiB. So a click message stays under ~40 KiB, and the 64 KiB assertion only trips on
 * terms that bypassed the API.
 */

/** Most category rates one offer may carry. */
export const MAX_CATEGORY_RATES = 200;
/** Most bytes (UTF-8 JSON) an offer's cashback terms may take. */
export const MAX_TERMS_JSON_BYTES = 32 * 1024;
/** The Queues limit on one message. */
export const QUEUE_MESSAGE_LIMIT_BYTES = 128 * 1000;
/** What the redirect allows a click message: half the Queues limit, for the queue's own framing. */
export const MAX_CLICK_MESSAGE_BYTES = 64 * 1024;

/** UTF-8 bytes of a value's JSON. */
export function jsonBytes(value: unknown): number {
  return utf8.encode(JSON.stringify(value)).byteLength;
}

/**
 * Pure: the first way `terms` exceed the bounds, with the field to name; null when within.
 *
 * @example
 * termsBoundIssue({ basis: "sale", defaultRateBps: 500, categoryRates: {} }) // null
 */
export function termsBoundIssue(
  terms: Pick<CashbackTerms, "categoryRates"> & Partial<CashbackTerms>,
): { path: string[]; message: string } | null {
  const rates = Object.keys(terms.categoryRates).length;
  if (rates > MAX_CATEGORY_RATES) {
    return {
      path: ["categoryRates"],
      message: `at most ${MAX_CATEGORY_RATES} category rates (got ${rates})`,
    };
  }
  const bytes = jsonBytes(terms);
  if (bytes > MAX_TERMS_JSON_BYTES) {
    return {
      path: [],
      message: `cashback terms are at most ${MAX_TERMS_JSON_BYTES} bytes of JSON (got ${bytes})`,
    };
  }
  return null;
}

/**
 * Pure: the click message's size when it is over MAX_CLICK_MESSAGE_BYTES, else null.
 *
 * @example
 * clickMessageTooLarge({ kind: "click" }) // null
 */
export function clickMessageTooLarge(message: unknown): number | null {
  const bytes = jsonBytes(message);
  return bytes > MAX_CLICK_MESSAGE_BYTES ? bytes : null;
}
