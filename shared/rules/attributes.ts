import { SIGNAL_ATTRIBUTES } from "../fraud/signals";

/**
 * The attribute catalog: every fact a rule condition may look at, by name, with its type.
 * The engine evaluates one event against flat facts keyed by these names (no JSON path walking
 * per event); the events intake fills them. Names may be added here, never renamed: published
 * rule sets refer to them.
 */

/** The type of an attribute's value. `string[]` is a set of labels (segments). */
export type AttributeType = "string" | "number" | "boolean" | "string[]";

/** One fact's value. An absent fact is `undefined` (or a missing key). */
export type FactValue = string | number | boolean | readonly string[];

/** The facts of one event: attribute name → value. */
export type Facts = Readonly<Record<string, FactValue | undefined>>;

export const ATTRIBUTES = {
  "event.type": "string",
  "event.id": "string",
  "event.occurredAtMs": "number",
  "event.amountMinor": "number",
  "event.currency": "string",
  "event.merchantId": "string",
  /** Set on `offer.clicked` (campaign rules): the offer the user clicked. */
  "event.offerId": "string",
  "event.category": "string",
  "user.id": "string",
  "user.tier": "string",
  "user.segments": "string[]",
  "user.accountAgeDays": "number",
  "user.signedUpAtMs": "number",
  "context.firstOfKindThisMonth": "boolean",
  "context.countOfKindThisMonth": "number",
  /** True on the first event of this type the user ever had (by occurrence). */
  "context.firstOfKindEver": "boolean",
  /** The user's referral as a referee (docs/referrals.md); absent when not referred. */
  "referral.state": "string",
} as const satisfies Record<string, AttributeType>;

export type CatalogAttribute = keyof typeof ATTRIBUTES;

/**
 * Custom event types' registered fields: `event.attributes.<name>`, a string, number or
 * boolean whose type the catalog cannot know, so it is judged from the rule's value.
 */
export const OPEN_ATTRIBUTE_PREFIX = "event.attributes.";
const OPEN_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** What the validator knows about an attribute name: its type, `open`, or unknown. */
export type AttributeKind = AttributeType | "open" | undefined;

/**
 * The type of `name` in the catalog, `"open"` for `event.attributes.<name>`, `undefined` for a
 * name the catalog does not have.
 *
 * @example
 * attributeKind("event.amountMinor") // "number"
 * attributeKind("event.attributes.quizScore") // "open"
 * attributeKind("signal.clicks1h") // "number"
 * attributeKind("event.amount") // undefined
 */
export function attributeKind(name: string): AttributeKind {
  if (Object.hasOwn(ATTRIBUTES, name)) return ATTRIBUTES[name as CatalogAttribute];
  // Fraud rules' facts (shared/fraud/signals.ts): set only on `risk.*` events.
  if (Object.hasOwn(SIGNAL_ATTRIBUTES, name)) return SIGNAL_ATTRIBUTES[name];
  if (name.startsWith(OPEN_ATTRIBUTE_PREFIX)) {
    return OPEN_NAME.test(name.slice(OPEN_ATTRIBUTE_PREFIX.length)) ? "open" : undefined;
  }
  return undefined;
}
