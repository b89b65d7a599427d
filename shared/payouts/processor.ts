import type { DestinationDetails } from "./types";

/**
 * The processor adapter interface: everything Boomerang needs from a payout processor
 * (RazorpayX, Cashfree, Stripe, the sandbox). docs/payouts.md says how to add one.
 *
 * Adapters never throw for expected outcomes: a refused payout, a processor that is down or a
 * webhook that does not verify are results, so the callers' handling is exhaustive.
 */

/** The processor's view of one payout. */
export type ProcessorStatus = "accepted" | "processing" | "completed" | "failed";

export interface ProcessorPayout {
  /** Our payout id, sent as the processor's idempotency key and echoed back. */
  payoutId: string;
  /** The processor's own id for the payout. */
  processorRef: string;
  status: ProcessorStatus;
  amountMinor: number;
  currency: string;
  /** Set when failed: a code from the processor, mapped to ours (types.ts) where known. */
  failureCode: string | null;
  updatedAtMs: number;
}

export interface PayoutRequest {
  payoutId: string;
  userId: string;
  amountMinor: number;
  currency: string;
  destination: DestinationDetails;
}

export type CreateResult =
  | { kind: "accepted"; payout: ProcessorPayout }
  /** Refused for good at submission (e.g. the account fails validation): credit back. */
  | { kind: "rejected"; failureCode: string; message: string }
  /** Down, timed out, 5xx, 429: the outcome is unknown; look it up before trying again. */
  | { kind: "unavailable"; reason: string };

export type LookupResult =
  | { kind: "found"; payout: ProcessorPayout }
  | { kind: "not_found" }
  | { kind: "unavailable"; reason: string };

/** A verified webhook: the processor says a payout moved. */
export interface ProcessorEvent {
  /** Unique per event: replays of one event carry the same id. */
  eventId: string;
  payoutId: string;
  processorRef: string;
  status: Exclude<ProcessorStatus, "accepted">;
  failureCode: string | null;
  /** What the processor says it moved, when its webhooks carry it; null when they do not. */
  amountMinor: number | null;
  currency: string | null;
  occurredAtMs: number;
}

export type WebhookResult =
  | { ok: true; event: ProcessorEvent }
  | { ok: false; reason: "bad_signature" | "stale" | "malformed"; detail: string };

export type ReportResult =
  | { kind: "ok"; payouts: ProcessorPayout[] }
  | { kind: "unavailable"; reason: string };

export interface PayoutProcessor {
  readonly id: string;
  create(request: PayoutRequest): Promise<CreateResult>;
  lookup(payoutId: string): Promise<LookupResult>;
  /** Verifies and parses a webhook request; reads the body once. */
  parseWebhook(request: Request, nowMs: number): Promise<WebhookResult>;
  /** Every payout the processor created or updated in [fromMs, toMs), for reconciliation. */
  report(fromMs: number, toMs: number): Promise<ReportResult>;
}

/** How adapters reach the processor: `fetch` in production, an in-process handler in tests. */
export type ProcessorFetcher = (request: Request) => Promise<Response>;
