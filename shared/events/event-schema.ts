import { USER_ID_PATTERN } from "../ids";
import { AmountMinorMiniSchema, CurrencyMiniSchema } from "../money/currency-mini";
import * as z from "../validate/zod-mini";

/**
 * First-party events an operator's backend sends to `POST /v1/events` (docs/events.md): what
 * its users do, so rules can reward it. Every event names itself (`id`, the idempotency key),
 * its user and when it happened; `data` depends on the type. Custom types (`custom.<name>`)
 * carry `data` checked against the schema the operator registered for them.
 *
 * In zod/mini (the events worker must not bundle zod classic: docs/benchmarks.md "Bundle
 * sizes"); events-mini.property.test.ts holds every schema here to the classic one it
 * replaced (same verdict, value and issues, so the same problem details).
 */

/** How many events one request may carry (the batch form). */
export const MAX_EVENTS_PER_REQUEST = 100;
/** The largest request body the intake reads. */
export const MAX_EVENTS_BODY_BYTES = 256 * 1024;

export const EventIdSchema = z
  .string()
  .check(
    z.regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, "event ids are 1..128 of A-Z a-z 0-9 . _ : -"),
  );

const UserIdSchema = z
  .string()
  .check(z.regex(USER_ID_PATTERN, "user ids are 1..64 of A-Z a-z 0-9 _ -"));
const RefSchema = z.string().check(z.minLength(1), z.maxLength(128));
const SlugSchema = z
  .string()
  .check(z.regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "a catalog id (lower-case slug)"));

const money = { amountMinor: AmountMinorMiniSchema, currency: CurrencyMiniSchema };

/**
 * The operator's own hash of the card, account or wallet paid with: kept only re-hashed with
 * the platform's key, compared for referral fraud signals, never as sent.
 */
const PaymentInstrumentHashSchema = z.optional(z.string().check(z.minLength(8), z.maxLength(256)));

const ipAddress = () => z.optional(z.union([z.ipv4(), z.ipv6()]));
const E164 = z
  .string()
  .check(z.regex(/^\+[1-9][0-9]{6,14}$/, "phone numbers are E.164, e.g. +919812345678"));

/**
 * Where a sign-in or an account change came from, as the operator's backend saw the user's
 * request (its `request.cf` when it runs on Cloudflare): fraud signals (docs/fraud.md). The
 * IP address (personal data) is kept only as a keyed hash of its network (/24 or /64), never
 * as sent; the user agent never as sent; latitude and longitude (request.cf's, sent as
 * numbers) give the speed between sign-ins and are kept to 2 decimals.
 */
const signInContext = {
  ipAddress: ipAddress(),
  userAgent: z.optional(z.string().check(z.minLength(1), z.maxLength(512))),
  country: z.optional(
    z
      .string()
      .check(z.regex(/^[A-Z]{2}$/, "an ISO 3166-1 alpha-2 country code, as request.cf.country")),
  ),
  asn: z.optional(z.number().check(z.int(), z.minimum(0), z.maximum(4_294_967_295))),
  latitude: z.optional(z.number().check(z.minimum(-90), z.maximum(90))),
  longitude: z.optional(z.number().check(z.minimum(-180), z.maximum(180))),
};

/** `data` of each built-in type. Unknown keys are refused, so a typo is an error, not a no-op. */
export const BUILT_IN_EVENT_DATA = {
  "user.signed_up": z.strictObject({
    displayName: z.optional(z.string().check(z.minLength(1), z.maxLength(120))),
    // Personal data (email, phone): stored sealed, shown masked.
    email: z.optional(z.email().check(z.maxLength(254))),
    phone: z.optional(E164),
    // The code the user typed at signup: the strongest referral evidence.
    referralCode: z.optional(z.string().check(z.minLength(3), z.maxLength(32))),
    // The referral attribution token from the install referrer, a deep link or `ref_token`.
    referralToken: z.optional(z.string().check(z.minLength(16), z.maxLength(1024))),
    // Personal data: only a keyed fingerprint of ipAddress with userAgent is kept.
    ipAddress: ipAddress(),
    userAgent: z.optional(z.string().check(z.minLength(1), z.maxLength(512))),
    deviceId: z.optional(RefSchema),
    paymentInstrumentHash: PaymentInstrumentHashSchema,
  }),
  "user.logged_in": z.strictObject({
    deviceId: z.optional(RefSchema),
    platform: z.optional(z.enum(["web", "ios", "android"])),
    ...signInContext,
  }),
  // Account changes (docs/fraud.md "Signals"): account takeover shows as a new device, then
  // one of these, then a redemption. The new address or number is personal data.
  "user.password_changed": z.strictObject({ deviceId: z.optional(RefSchema), ...signInContext }),
  "user.email_changed": z.strictObject({
    email: z.optional(z.email().check(z.maxLength(254))),
    deviceId: z.optional(RefSchema),
    ...signInContext,
  }),
  "user.phone_changed": z.strictObject({
    phone: z.optional(E164),
    deviceId: z.optional(RefSchema),
    ...signInContext,
  }),
  "purchase.completed": z.strictObject({
    ...money,
    orderId: RefSchema,
    merchantId: z.optional(SlugSchema),
    category: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
    paymentInstrumentHash: PaymentInstrumentHashSchema,
  }),
  "deposit.completed": z.strictObject({
    ...money,
    depositId: z.optional(RefSchema),
    paymentInstrumentHash: PaymentInstrumentHashSchema,
  }),
  "bill.paid": z.strictObject({
    ...money,
    billerId: z.optional(RefSchema),
    paymentInstrumentHash: PaymentInstrumentHashSchema,
  }),
  "review.published": z.strictObject({
    reviewId: RefSchema,
    merchantId: z.optional(SlugSchema),
    rating: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(5))),
  }),
  // The purchase can no longer be returned: its pending points become spendable.
  "purchase.confirmed": z.strictObject({ originalEventId: EventIdSchema }),
  "refund.completed": z.strictObject({
    originalEventId: EventIdSchema,
    ...money,
  }),
  "chargeback.created": z.strictObject({ originalEventId: EventIdSchema }),
  "chargeback.resolved": z.strictObject({
    originalEventId: EventIdSchema,
    outcome: z.enum(["user_won", "user_lost"]),
  }),
} as const;

/**
 * `data` of the events the wallet records itself (durable-objects/wallet/events/
 * conversion-events.ts): rules listen to them like to any other type, and the simulator
 * accepts them, but no sender may send one.
 */
export const WALLET_EVENT_DATA = {
  "cashback.confirmed": z.strictObject({
    ...money,
    cashbackMinor: AmountMinorMiniSchema,
    transactionId: RefSchema,
    merchantId: z.optional(SlugSchema),
    category: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  }),
} as const;
export type WalletEventType = keyof typeof WALLET_EVENT_DATA;
export const WALLET_EVENT_TYPES = Object.keys(WALLET_EVENT_DATA) as WalletEventType[];

export type BuiltInEventType = keyof typeof BUILT_IN_EVENT_DATA;
export const BUILT_IN_EVENT_TYPES = Object.keys(BUILT_IN_EVENT_DATA) as BuiltInEventType[];

/** Operator-defined types live under `custom.`, so they can never shadow a built-in one. */
export const CUSTOM_EVENT_TYPE_PATTERN = /^custom\.[a-z][a-z0-9_]{0,47}$/;

/** Events that take back (or give back) what an earlier event earned. */
export const ROLLBACK_EVENT_TYPES = [
  "refund.completed",
  "chargeback.created",
  "chargeback.resolved",
] as const;

/** Events that name an earlier one (`originalEventId`) and so wait for it to be processed. */
export const FOLLOW_UP_EVENT_TYPES = [...ROLLBACK_EVENT_TYPES, "purchase.confirmed"] as const;

const EnvelopeSchema = z.strictObject({
  id: EventIdSchema,
  type: z
    .string()
    .check(
      z.refine(
        (type: string) =>
          (BUILT_IN_EVENT_TYPES as string[]).includes(type) ||
          (WALLET_EVENT_TYPES as string[]).includes(type) ||
          CUSTOM_EVENT_TYPE_PATTERN.test(type),
        "unknown event type: one of the built-in types or custom.<name>",
      ),
    ),
  userId: UserIdSchema,
  /** When it happened (RFC 3339). */
  occurredAt: z.iso.datetime({ offset: true }),
  data: z._default(z.record(z.string(), z.unknown()), {}),
});

/** One event as sent, before its `data` is checked against its type. */
export type EventEnvelope = z.infer<typeof EnvelopeSchema>;

/** The batch form of the request body; a body without `events` is one event. */
export const EventsBatchSchema = z.strictObject({
  events: z.array(z.unknown()).check(z.minLength(1), z.maxLength(MAX_EVENTS_PER_REQUEST)),
});

/** A checked event: what the wallet stores and processes. Times are epoch ms. */
export interface FirstPartyEvent {
  id: string;
  type: string;
  userId: string;
  occurredAtMs: number;
  data: Record<string, unknown>;
}

export { EnvelopeSchema as EventEnvelopeSchema };
