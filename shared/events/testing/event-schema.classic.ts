/**
 * The classic zod schemas the events path used before it moved to zod/mini (copied verbatim
 * from event-schema.ts, event-keys.ts and custom-event-types.ts at ab4631d, this
 * branch's base), kept only as the reference the fast-check equivalence tests hold the
 * zod/mini schemas to (events-mini.property.test.ts): same verdict, value and issues. Not
 * imported by product code.
 */
import { z } from "zod";
import { USER_ID_PATTERN } from "../../ids";
import { AmountMinorSchema, CurrencySchema } from "../../money/currency";

/**
 * First-party events an operator's backend sends to `POST /v1/events` (docs/events.md): what
 * its users do, so rules can reward it. Every event names itself (`id`, the idempotency key),
 * its user and when it happened; `data` depends on the type. Custom types (`custom.<name>`)
 * carry `data` checked against the schema the operator registered for them.
 */

/** How many events one request may carry (the batch form). */
export const MAX_EVENTS_PER_REQUEST = 100;
/** The largest request body the intake reads. */
export const MAX_EVENTS_BODY_BYTES = 256 * 1024;

export const EventIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, "event ids are 1..128 of A-Z a-z 0-9 . _ : -")
  .describe("the sender's own id for this event: the idempotency key");

const UserIdSchema = z.string().regex(USER_ID_PATTERN, "user ids are 1..64 of A-Z a-z 0-9 _ -");
const RefSchema = z.string().min(1).max(128);
const SlugSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "a catalog id (lower-case slug)");

const money = { amountMinor: AmountMinorSchema, currency: CurrencySchema };

/** Kept only as a keyed hash (referral fraud signals), never as sent. */
const PaymentInstrumentHashSchema = z
  .string()
  .min(8)
  .max(256)
  .optional()
  .describe(
    "the operator's own hash of the card, account or wallet paid with: kept only re-hashed with the platform's key, compared for referral fraud signals",
  );

/**
 * Where a sign-in or an account change came from, as the operator's backend saw the user's
 * request (its `request.cf` when it runs on Cloudflare): fraud signals (docs/fraud.md). The
 * IP address is kept only as a keyed hash of its network, never as sent.
 */
const signInContext = {
  ipAddress: z
    .union([z.ipv4(), z.ipv6()])
    .optional()
    .describe("personal data: only keyed hashes (its /24 or /64 network) are kept, never the IP"),
  userAgent: z.string().min(1).max(512).optional().describe("personal data: never kept as sent"),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, "an ISO 3166-1 alpha-2 country code, as request.cf.country")
    .optional(),
  asn: z.number().int().min(0).max(4_294_967_295).optional().describe("as request.cf.asn"),
  latitude: z
    .number()
    .min(-90)
    .max(90)
    .optional()
    .describe(
      "as request.cf.latitude (a string there: send it as a number), with longitude: the speed between sign-ins; kept to 2 decimals",
    ),
  longitude: z
    .number()
    .min(-180)
    .max(180)
    .optional()
    .describe("as request.cf.longitude, with latitude; kept to 2 decimals"),
};

/** `data` of each built-in type. Unknown keys are refused, so a typo is an error, not a no-op. */
export const BUILT_IN_EVENT_DATA = {
  "user.signed_up": z.strictObject({
    displayName: z.string().min(1).max(120).optional(),
    email: z.email().max(254).optional().describe("personal data: stored sealed, shown masked"),
    phone: z
      .string()
      .regex(/^\+[1-9][0-9]{6,14}$/, "phone numbers are E.164, e.g. +919812345678")
      .optional()
      .describe("personal data: stored sealed, shown masked"),
    referralCode: z
      .string()
      .min(3)
      .max(32)
      .optional()
      .describe("the code the user typed at signup: the strongest referral evidence"),
    referralToken: z
      .string()
      .min(16)
      .max(1024)
      .optional()
      .describe(
        "the referral attribution token the app got from the install referrer or a deep link, or the web signup from `ref_token`",
      ),
    ipAddress: z
      .union([z.ipv4(), z.ipv6()])
      .optional()
      .describe("personal data: only a keyed fingerprint with userAgent is kept, never the IP"),
    userAgent: z
      .string()
      .min(1)
      .max(512)
      .optional()
      .describe("personal data: only a keyed fingerprint with ipAddress is kept"),
    deviceId: RefSchema.optional().describe("the device the user signed up on"),
    paymentInstrumentHash: PaymentInstrumentHashSchema,
  }),
  "user.logged_in": z.strictObject({
    deviceId: RefSchema.optional(),
    platform: z.enum(["web", "ios", "android"]).optional(),
    ...signInContext,
  }),
  // Account changes (docs/fraud.md "Signals"): account takeover shows as a new device, then
  // one of these, then a redemption. The new address or number is personal data.
  "user.password_changed": z.strictObject({ deviceId: RefSchema.optional(), ...signInContext }),
  "user.email_changed": z.strictObject({
    email: z.email().max(254).optional().describe("personal data: stored sealed, shown masked"),
    deviceId: RefSchema.optional(),
    ...signInContext,
  }),
  "user.phone_changed": z.strictObject({
    phone: z
      .string()
      .regex(/^\+[1-9][0-9]{6,14}$/, "phone numbers are E.164, e.g. +919812345678")
      .optional()
      .describe("personal data: stored sealed, shown masked"),
    deviceId: RefSchema.optional(),
    ...signInContext,
  }),
  "purchase.completed": z.strictObject({
    ...money,
    orderId: RefSchema,
    merchantId: SlugSchema.optional(),
    category: z.string().min(1).max(64).optional(),
    paymentInstrumentHash: PaymentInstrumentHashSchema,
  }),
  "deposit.completed": z.strictObject({
    ...money,
    depositId: RefSchema.optional(),
    paymentInstrumentHash: PaymentInstrumentHashSchema,
  }),
  "bill.paid": z.strictObject({
    ...money,
    billerId: RefSchema.optional(),
    paymentInstrumentHash: PaymentInstrumentHashSchema,
  }),
  "review.published": z.strictObject({
    reviewId: RefSchema,
    merchantId: SlugSchema.optional(),
    rating: z.number().int().min(1).max(5).optional(),
  }),
  "purchase.confirmed": z
    .strictObject({ originalEventId: EventIdSchema })
    .describe("the purchase can no longer be returned: its pending points become spendable"),
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
    cashbackMinor: AmountMinorSchema,
    transactionId: RefSchema,
    merchantId: SlugSchema.optional(),
    category: z.string().min(1).max(64).optional(),
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
    .refine(
      (type) =>
        (BUILT_IN_EVENT_TYPES as string[]).includes(type) ||
        (WALLET_EVENT_TYPES as string[]).includes(type) ||
        CUSTOM_EVENT_TYPE_PATTERN.test(type),
      "unknown event type: one of the built-in types or custom.<name>",
    ),
  userId: UserIdSchema,
  occurredAt: z.iso.datetime({ offset: true }).describe("when it happened (RFC 3339)"),
  data: z.record(z.string(), z.unknown()).default({}),
});

/** One event as sent, before its `data` is checked against its type. */
export type EventEnvelope = z.infer<typeof EnvelopeSchema>;

/** The batch form of the request body; a body without `events` is one event. */
export const EventsBatchSchema = z.strictObject({
  events: z.array(z.unknown()).min(1).max(MAX_EVENTS_PER_REQUEST),
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
