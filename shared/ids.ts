import { toBase64Url, utf8 } from "./crypto/encoding";

/** Id prefixes say what an id names wherever it shows up (logs, URLs, support tickets). */
export const ID_PREFIX = {
  click: "clk",
  transaction: "txn",
  postback: "pb",
  entry: "ent",
  run: "run",
  claim: "clm",
  payout: "po",
  destination: "dst",
  adminAudit: "aud",
  heldFeedChange: "hfc",
  operator: "op",
  promoSend: "ps",
} as const;

export type IdKind = keyof typeof ID_PREFIX;

/**
 * A new random id: prefix, then 16 bytes of randomness in base64url, with the minting time
 * first so ids sort roughly by creation (keyset pagination and log reading both benefit).
 *
 * @example
 * newId("click") // "clk_mi3x2k9a_Xf3…"
 */
export function newId(kind: IdKind, nowMs: number = Date.now()): string {
  const random = crypto.getRandomValues(new Uint8Array(12));
  return `${ID_PREFIX[kind]}_${nowMs.toString(36)}${toBase64Url(random)}`;
}

/** User ids come from the operator's backend; this keeps them safe inside tokens and sub-IDs. */
export const USER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** Catalog ids (networks, merchants, offers) are operator-chosen slugs. */
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** A stable id from parts: the same parts always name the same thing, with no lookup. */
async function digestId(kind: IdKind, parts: string[]): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", utf8.encode(parts.join("\n")));
  return `${ID_PREFIX[kind]}_${toBase64Url(new Uint8Array(digest)).slice(0, 24)}`;
}

/**
 * The transaction id is derived from (network, order id): every retry, duplicate and
 * status update of one order names the same transaction without a lookup.
 */
export function transactionIdFor(networkId: string, orderId: string): Promise<string> {
  return digestId("transaction", [networkId, orderId]);
}

/**
 * The id of the review record kept when a second user's sub-ID claims an order another user
 * owns (`duplicate_order`): one per (network, order, user), so a redelivery names the same row,
 * and never the owner's transaction id.
 */
export function duplicateOrderIdFor(
  networkId: string,
  orderId: string,
  userId: string,
): Promise<string> {
  return digestId("transaction", [networkId, orderId, "duplicate_order", userId]);
}

/** A claim id derived from the user and their Idempotency-Key: a retried request names the same claim. */
export function claimIdFor(userId: string, idempotencyKey: string): Promise<string> {
  return digestId("claim", [userId, idempotencyKey]);
}

/** A payout id derived from the user and their Idempotency-Key: a retried redemption names the same payout. */
export function payoutIdFor(userId: string, idempotencyKey: string): Promise<string> {
  return digestId("payout", [userId, idempotencyKey]);
}

/** A destination id from the user and their Idempotency-Key, when the client sends one. */
export function destinationIdFor(userId: string, idempotencyKey: string): Promise<string> {
  return digestId("destination", [userId, idempotencyKey]);
}
