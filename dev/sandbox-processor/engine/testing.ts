import type { DestinationDetails } from "#shared/payouts/types";
import { SandboxProcessorEngine } from "./engine";
import type { SandboxProcessorOptions } from "./types";

/**
 * Fixtures for tests that drive the sandbox processor (its own and Boomerang's). Not used by
 * production code.
 */
export const PROCESSOR_TEST_API_KEY = "sandbox-processor-api-key-for-tests";
export const PROCESSOR_TEST_WEBHOOK_SECRET = "sandbox-processor-webhook-secret-for-tests";
export const PROCESSOR_TEST_BASE_URL = "https://processor.test";
export const PROCESSOR_TEST_WEBHOOK_URL = "https://api.test/webhooks/payouts/sandbox";
/** 2026-11-21T08:00:00Z */
export const PROCESSOR_T0 = Date.UTC(2026, 10, 21, 8, 0, 0);

export const BANK_OK: Extract<DestinationDetails, { type: "bank" }> = {
  type: "bank",
  accountNumber: "123456789012",
  ifsc: "HDFC0001234",
  holderName: "Asha Rao",
};
export const UPI_OK: Extract<DestinationDetails, { type: "upi" }> = {
  type: "upi",
  vpa: "asha@okbank",
  holderName: null,
};

/** A hand-driven clock. */
export class TestClock {
  nowMs: number;
  constructor(startMs = PROCESSOR_T0) {
    this.nowMs = startMs;
  }
  now = (): number => this.nowMs;
  advance(ms: number): number {
    this.nowMs += ms;
    return this.nowMs;
  }
}

/**
 * An engine with test identity and a fake clock whose webhooks land in `received` (answered
 * by `answer`, 204 unless replaced).
 */
export interface ProcessorHarness {
  clock: TestClock;
  /** Every webhook request delivered (clones: their bodies are still readable). */
  received: Request[];
  /** How the receiving end answers; replace it to make deliveries fail. */
  answer: (request: Request) => Promise<Response>;
  engine: SandboxProcessorEngine;
}

export function testProcessor(options: Partial<SandboxProcessorOptions> = {}): ProcessorHarness {
  const clock = new TestClock();
  const received: Request[] = [];
  const harness: ProcessorHarness = {
    clock,
    received,
    answer: async (_request: Request): Promise<Response> => new Response(null, { status: 204 }),
    engine: new SandboxProcessorEngine(
      {
        apiKey: PROCESSOR_TEST_API_KEY,
        webhookSecret: PROCESSOR_TEST_WEBHOOK_SECRET,
        webhookUrl: PROCESSOR_TEST_WEBHOOK_URL,
        ...options,
      },
      {
        now: clock.now,
        deliver: (request: Request): Promise<Response> => {
          received.push(request.clone());
          return harness.answer(request);
        },
      },
    ),
  };
  return harness;
}

/** A `POST /v1/payouts` request with the test key. */
export function createRequest(
  body: {
    payoutId: string;
    amountMinor?: number;
    currency?: string;
    destination?: DestinationDetails;
    metadata?: { userId: string };
  },
  headers: Record<string, string> = {},
): Request {
  return new Request(`${PROCESSOR_TEST_BASE_URL}/v1/payouts`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${PROCESSOR_TEST_API_KEY}`,
      "content-type": "application/json",
      "idempotency-key": body.payoutId,
      ...headers,
    },
    body: JSON.stringify({
      amountMinor: 50_000,
      currency: "INR",
      destination: BANK_OK,
      metadata: { userId: "user-1" },
      ...body,
    }),
  });
}

/** An authorised GET against the processor's `/v1` API. */
export function getRequest(path: string): Request {
  return new Request(`${PROCESSOR_TEST_BASE_URL}${path}`, {
    headers: { authorization: `Bearer ${PROCESSOR_TEST_API_KEY}` },
  });
}
