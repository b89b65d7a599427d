import { toHex } from "#shared/crypto/encoding";
import { hmacSha256, sha256 } from "#shared/crypto/hmac";
import type { DestinationDetails } from "#shared/payouts/types";
import type { SandboxPayoutRecord, SandboxPayoutStatus, SandboxWebhookType } from "./types";

/**
 * The sandbox processor's wire formats (snake_case JSON, ISO 8601 UTC times with milliseconds).
 * Key order is fixed, so one state always serialises to the same bytes.
 */

export interface SandboxPayoutWire {
  payout_id: string;
  reference: string;
  status: SandboxPayoutStatus;
  amount_minor: number;
  currency: string;
  failure_code: string | null;
  created_at: string;
  updated_at: string;
}

export interface SandboxWebhookWire {
  id: string;
  type: SandboxWebhookType;
  created_at: string;
  data: {
    payout_id: string;
    reference: string;
    status: Exclude<SandboxPayoutStatus, "accepted">;
    failure_code: string | null;
    amount_minor: number;
    currency: string;
  };
}

/**
 * Webhook signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * Header names are case-insensitive; this is how the processor spells it.
 */
export const SANDBOX_SIGNATURE_HEADER = "X-Sandbox-Signature";

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

export function payoutWire(record: SandboxPayoutRecord): SandboxPayoutWire {
  return {
    payout_id: record.payoutId,
    reference: record.reference,
    status: record.status,
    amount_minor: record.amountMinor,
    currency: record.currency,
    failure_code: record.failureCode,
    created_at: isoTime(record.createdAtMs),
    updated_at: isoTime(record.updatedAtMs),
  };
}

/** The body of the event for the payout's current status (not `accepted`: no event for that). */
export function webhookWire(
  record: SandboxPayoutRecord & { status: Exclude<SandboxPayoutStatus, "accepted"> },
  eventId: string,
  atMs: number,
): SandboxWebhookWire {
  return {
    id: eventId,
    type: `payout.${record.status}`,
    created_at: isoTime(atMs),
    data: {
      payout_id: record.payoutId,
      reference: record.reference,
      status: record.status,
      failure_code: record.failureCode,
      amount_minor: record.amountMinor,
      currency: record.currency,
    },
  };
}

/** The string the webhook MAC covers. */
export function canonicalWebhookString(timestampSec: number, rawBody: string): string {
  return `${timestampSec}.${rawBody}`;
}

/**
 * The `X-Sandbox-Signature` value for a body sent at `timestampSec`.
 *
 * @example
 * const header = await signSandboxWebhook(secret, body, Math.floor(Date.now() / 1000));
 * // "t=1795248000,v1=5f0c…"
 */
export async function signSandboxWebhook(
  secret: string,
  rawBody: string,
  timestampSec: number,
): Promise<string> {
  const mac = await hmacSha256(secret, canonicalWebhookString(timestampSec, rawBody));
  return `t=${timestampSec},v1=${toHex(mac)}`;
}

/**
 * SHA-256 (hex) of a canonical form of the request body: equal for equal requests whatever
 * the key order or whitespace, and it keeps no account number in the processor's state.
 */
export async function requestFingerprint(input: {
  payoutId: string;
  amountMinor: number;
  currency: string;
  destination: DestinationDetails;
  userId: string | null;
}): Promise<string> {
  const d = input.destination;
  const destination =
    d.type === "bank"
      ? [d.type, d.accountNumber, d.ifsc, d.holderName]
      : d.type === "upi"
        ? [d.type, d.vpa, d.holderName ?? null]
        : [d.type, d.productId, d.brand];
  const canonical = JSON.stringify([
    input.payoutId,
    input.amountMinor,
    input.currency,
    destination,
    input.userId,
  ]);
  return toHex(await sha256(canonical));
}
