/**
 * Types of the sandbox payout processor (docs/sandbox.md, "The sandbox payout processor"):
 * its options, its serialisable state and its faults. camelCase here; the processor's HTTP
 * API speaks snake_case JSON (wire.ts).
 */

/** A payout's status at the processor, as its API and webhooks carry it. */
export type SandboxPayoutStatus = "accepted" | "processing" | "completed" | "failed";
export type SandboxFinalStatus = "completed" | "failed";
export type SandboxWebhookType = "payout.processing" | "payout.completed" | "payout.failed";

/** Bounds, so a runaway test or demo cannot grow the processor (or its Durable Object) forever. */
export const SANDBOX_PROCESSOR_LIMITS = {
  maxPayouts: 10_000,
  maxAmountMinor: 1_000_000_000_000,
  /** Delivery attempts per webhook before the processor gives up on it. */
  maxAttempts: 10,
  /** Retry backoff after a failed delivery: first delay, doubling, capped. */
  retryBaseMs: 5_000,
  retryMaxMs: 300_000,
  maxDelayMs: 86_400_000,
  /** Request bodies the processor reads (`POST /v1/payouts`, control bodies). */
  maxRequestBytes: 16 * 1024,
  /** Characters of a receiver's answer kept in a delivery summary. */
  maxResponseChars: 500,
} as const;

export interface SandboxProcessorOptions {
  /** The `Authorization: Bearer` token `/v1/*` requires (at least 16 characters). */
  apiKey: string;
  /** Signs webhooks (at least 16 characters). */
  webhookSecret: string;
  /** Where webhooks are POSTed, e.g. `http://localhost:8787/webhooks/payouts/sandbox`. */
  webhookUrl: string;
  /** PRNG seed for shuffled delivery; default 1. */
  seed?: number;
  /** From acceptance to the `processing` event; default 0. */
  processingDelayMs?: number;
  /** From the `processing` event to the final one; default 0. */
  finalDelayMs?: number;
}

export interface SandboxProcessorRuntime {
  /** The processor's clock (epoch ms); default `Date.now`. */
  now?: () => number;
  /** Sends one webhook request; default the global `fetch`. */
  deliver?: (request: Request) => Promise<Response>;
}

/** One payout as the processor holds it. No destination: only a fingerprint of the request. */
export interface SandboxPayoutRecord {
  payoutId: string;
  reference: string;
  status: SandboxPayoutStatus;
  amountMinor: number;
  currency: string;
  failureCode: string | null;
  createdAtMs: number;
  updatedAtMs: number;
  /** SHA-256 (hex) of the canonical request body: a replay must match it. */
  fingerprint: string;
  /** How it ends, decided at acceptance from the magic destination values. */
  outcome: { status: SandboxFinalStatus; failureCode: string | null };
  /** The next status change and when it is due; null once final. */
  next: { status: Exclude<SandboxPayoutStatus, "accepted">; dueAtMs: number } | null;
}

/** A webhook produced and not yet delivered (or being retried). */
export interface SandboxWebhookEntry {
  seq: number;
  eventId: string;
  type: SandboxWebhookType;
  payoutId: string;
  status: Exclude<SandboxPayoutStatus, "accepted">;
  /** The exact JSON body; every delivery of the event sends these bytes. */
  body: string;
  createdAtMs: number;
  nextAttemptAtMs: number;
  attempts: number;
}

export interface SandboxProcessorFaults {
  /** The next `times` calls to `/v1/payouts` (POST and GET) answer 503 and do nothing. */
  down: { times: number } | null;
  /** The next `times` calls to `/v1/reports/payouts` answer 503. */
  reportDown: { times: number } | null;
  /** The next n successful `POST /v1/payouts` take effect but answer 500 (a lost response). */
  lostResponses: number;
  /** Every webhook is sent twice per delivery (same id, same body). */
  duplicateWebhooks: boolean;
  /** Due webhooks go out in a seeded random order. */
  shuffleWebhooks: boolean;
}

export const NO_PROCESSOR_FAULTS: SandboxProcessorFaults = {
  down: null,
  reportDown: null,
  lostResponses: 0,
  duplicateWebhooks: false,
  shuffleWebhooks: false,
};

/** One webhook request sent by `deliverWebhooks`. */
export interface SandboxDeliveryOutcome {
  eventId: string;
  type: SandboxWebhookType;
  payoutId: string;
  /** The payout status the event carries. */
  status: Exclude<SandboxPayoutStatus, "accepted">;
  /** 1, or 2 for the extra copy of `duplicateWebhooks`. */
  copy: number;
  attempt: number;
  /** The receiver's status; null when the request threw. */
  httpStatus: number | null;
  /** The start of the receiver's answer, or the error the request threw. */
  response: string;
}

export interface SandboxDeliverySummary {
  /** Requests the receiver answered 2xx. */
  delivered: SandboxDeliveryOutcome[];
  /** Requests that failed (non-2xx or threw); their events stay queued unless `abandoned`. */
  failed: SandboxDeliveryOutcome[];
  /** Events dropped after `maxAttempts` failed deliveries. */
  abandoned: string[];
  /** Webhooks still queued. */
  pending: number;
  /** When the next status change or queued webhook is due; null when nothing is. */
  nextDueAtMs: number | null;
}

/** The whole processor as plain JSON (what the Durable Object stores). */
export interface SandboxProcessorState {
  version: 1;
  /** Random per fresh processor, so ids never repeat across resets. */
  epoch: string;
  seed: number;
  prngState: number;
  nextSeq: number;
  faults: SandboxProcessorFaults;
  payouts: SandboxPayoutRecord[];
  outbox: SandboxWebhookEntry[];
}
