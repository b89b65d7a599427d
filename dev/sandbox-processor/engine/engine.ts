import { toHex, utf8 } from "#shared/crypto/encoding";
import { constantTimeEqual } from "#shared/crypto/hmac";
import type { DestinationDetails } from "#shared/payouts/types";
import { exponentialBackoff } from "#shared/retry/backoff";
import { Mulberry32 } from "../../sandbox-network/engine/prng";
import { handleProcessorRequest } from "./http";
import {
  SANDBOX_PROCESSOR_LIMITS as LIMITS,
  NO_PROCESSOR_FAULTS,
  type SandboxDeliveryOutcome,
  type SandboxDeliverySummary,
  type SandboxPayoutRecord,
  type SandboxProcessorFaults,
  type SandboxProcessorOptions,
  type SandboxProcessorRuntime,
  type SandboxProcessorState,
  type SandboxWebhookEntry,
} from "./types";
import {
  payoutWire,
  SANDBOX_SIGNATURE_HEADER,
  type SandboxPayoutWire,
  signSandboxWebhook,
  webhookWire,
} from "./wire";

/**
 * Magic destination values: what a test or a demo types to get each outcome.
 *
 * - bank IFSC `SBIN0000000` → refused at submission (422 `ifsc_invalid`);
 * - bank account number ending `0000` → accepted, then failed `account_invalid`;
 * - bank account number ending `0009` → accepted, then failed `account_closed`;
 * - UPI VPA starting `fail` → accepted, then failed `vpa_invalid`;
 * - anything else → accepted, then completed.
 */
export const SANDBOX_MAGIC = {
  refusedIfsc: "SBIN0000000",
  invalidAccountSuffix: "0000",
  closedAccountSuffix: "0009",
  failingVpaPrefix: "fail",
} as const;

const IFSC_PATTERN = /^[A-Z]{4}0[A-Z0-9]{6}$/;
const ACCOUNT_PATTERN = /^\d{6,20}$/;
const VPA_PATTERN = /^[A-Za-z0-9._-]{2,256}@[A-Za-z][A-Za-z0-9.-]{1,63}$/;

export interface SubmissionRefusal {
  failureCode: string;
  message: string;
}

/**
 * Why the processor refuses a destination at submission, or null. Messages never repeat the
 * destination's values.
 */
export function submissionRefusal(destination: DestinationDetails): SubmissionRefusal | null {
  switch (destination.type) {
    case "bank":
      if (!ACCOUNT_PATTERN.test(destination.accountNumber)) {
        return {
          failureCode: "account_invalid",
          message: "the account number must be 6-20 digits",
        };
      }
      if (!IFSC_PATTERN.test(destination.ifsc) || destination.ifsc === SANDBOX_MAGIC.refusedIfsc) {
        return { failureCode: "ifsc_invalid", message: "the IFSC does not identify a bank branch" };
      }
      return null;
    case "upi":
      return VPA_PATTERN.test(destination.vpa)
        ? null
        : { failureCode: "vpa_invalid", message: "the VPA is not a valid UPI address" };
    case "gift_card":
      return null;
  }
}

/** How an accepted payout ends, from the magic destination values. */
export function finalOutcome(destination: DestinationDetails): SandboxPayoutRecord["outcome"] {
  if (destination.type === "bank") {
    if (destination.accountNumber.endsWith(SANDBOX_MAGIC.invalidAccountSuffix)) {
      return { status: "failed", failureCode: "account_invalid" };
    }
    if (destination.accountNumber.endsWith(SANDBOX_MAGIC.closedAccountSuffix)) {
      return { status: "failed", failureCode: "account_closed" };
    }
  }
  if (destination.type === "upi" && destination.vpa.startsWith(SANDBOX_MAGIC.failingVpaPrefix)) {
    return { status: "failed", failureCode: "vpa_invalid" };
  }
  return { status: "completed", failureCode: null };
}

export interface SubmitInput {
  payoutId: string;
  amountMinor: number;
  currency: string;
  destination: DestinationDetails;
  /** `requestFingerprint()` of the request body: a replay must carry the same one. */
  fingerprint: string;
}

export type SubmitOutcome =
  | { kind: "created"; payout: SandboxPayoutWire }
  /** Same key, same body: the payout as it is now. */
  | { kind: "replayed"; payout: SandboxPayoutWire }
  /** Same key, different body. */
  | { kind: "conflict" }
  | { kind: "rejected"; failureCode: string; message: string }
  | { kind: "limit_exceeded" };

/**
 * A payout processor that lives in memory, for tests and local demos: it accepts payouts
 * idempotently (the payout id is the idempotency key), moves each through `processing` to
 * `completed` or `failed` on a schedule, queues a signed webhook for every move and delivers
 * them through the injected `deliver`, with the faults real processors have (outages, lost
 * responses, duplicated and reordered webhooks). `handle(request)` is its HTTP API (http.ts).
 *
 * Deterministic given the clock, the seed and the calls, except the random `epoch` that keeps
 * references and event ids unique across resets.
 *
 * @example
 * const sent: Request[] = [];
 * const engine = new SandboxProcessorEngine(
 *   { apiKey: KEY, webhookSecret: SECRET, webhookUrl: "https://api.test/webhooks/payouts/sandbox" },
 *   { now: () => clock, deliver: async (r) => { sent.push(r); return new Response(null, { status: 204 }); } },
 * );
 * await engine.handle(new Request("https://processor.test/v1/payouts", { method: "POST", … }));
 * await engine.deliverWebhooks({ force: true }); // payout.processing, then payout.completed
 */
export class SandboxProcessorEngine {
  readonly apiKey: string;
  readonly webhookSecret: string;
  readonly webhookUrl: string;
  readonly seed: number;
  readonly processingDelayMs: number;
  readonly finalDelayMs: number;

  #now: () => number;
  #deliver: (request: Request) => Promise<Response>;
  #epoch: string;
  #prng: Mulberry32;
  #nextSeq = 1;
  #faults: SandboxProcessorFaults = structuredClone(NO_PROCESSOR_FAULTS);
  #payouts = new Map<string, SandboxPayoutRecord>();
  #outbox: SandboxWebhookEntry[] = [];
  /** Events a delivery run is sending right now (memory only: a restart retries them). */
  #inFlight = new Set<string>();
  #revision = 0;

  constructor(options: SandboxProcessorOptions, runtime: SandboxProcessorRuntime = {}) {
    if (options.apiKey.length < 16) throw new RangeError("apiKey must be at least 16 characters");
    if (options.webhookSecret.length < 16) {
      throw new RangeError("webhookSecret must be at least 16 characters");
    }
    if (!/^https?:\/\/[^\s]+$/.test(options.webhookUrl)) {
      throw new RangeError("webhookUrl must be an http(s) URL");
    }
    this.apiKey = options.apiKey;
    this.webhookSecret = options.webhookSecret;
    this.webhookUrl = options.webhookUrl;
    this.seed = options.seed ?? 1;
    if (!Number.isSafeInteger(this.seed)) throw new RangeError("seed must be an integer");
    this.processingDelayMs = checkDelay(options.processingDelayMs ?? 0, "processingDelayMs");
    this.finalDelayMs = checkDelay(options.finalDelayMs ?? 0, "finalDelayMs");
    this.#now = runtime.now ?? (() => Date.now());
    this.#deliver = runtime.deliver ?? ((request) => fetch(request));
    this.#prng = new Mulberry32(this.seed);
    this.#epoch = newEpoch();
  }

  /**
   * Rebuilds a processor from `toState()` with the given identity and runtime (a worker whose
   * configured key or delays changed keeps its payouts), continuing the same random sequence.
   */
  static restore(
    state: SandboxProcessorState,
    options: SandboxProcessorOptions,
    runtime: SandboxProcessorRuntime = {},
  ): SandboxProcessorEngine {
    if (state.version !== 1) throw new RangeError("unknown sandbox processor state version");
    const engine = new SandboxProcessorEngine({ ...options, seed: state.seed }, runtime);
    engine.#epoch = state.epoch;
    engine.#prng = new Mulberry32(state.prngState);
    engine.#nextSeq = state.nextSeq;
    engine.#faults = structuredClone(state.faults);
    for (const payout of state.payouts)
      engine.#payouts.set(payout.payoutId, structuredClone(payout));
    engine.#outbox = structuredClone(state.outbox);
    return engine;
  }

  toState(): SandboxProcessorState {
    return structuredClone({
      version: 1,
      epoch: this.#epoch,
      seed: this.seed,
      prngState: this.#prng.state,
      nextSeq: this.#nextSeq,
      faults: this.#faults,
      payouts: [...this.#payouts.values()],
      outbox: this.#outbox,
    });
  }

  /** Goes up on every change of state: a host saves when it moved. */
  get revision(): number {
    return this.#revision;
  }

  /** Part of every reference and event id; new on each fresh processor and reset. */
  get epoch(): string {
    return this.#epoch;
  }

  now(): number {
    return this.#now();
  }

  /**
   * The processor's HTTP API: `/v1/*` (Bearer apiKey) and `/control/*` (no auth, local only).
   * Usable as an adapter's `ProcessorFetcher`.
   */
  handle(request: Request): Promise<Response> {
    return handleProcessorRequest(this, request);
  }

  /** Whether an `Authorization` header carries the API key (constant time). */
  authorize(header: string | null): boolean {
    const match = /^Bearer (.+)$/i.exec(header ?? "");
    if (!match) return false;
    return constantTimeEqual(utf8.encode(match[1] as string), utf8.encode(this.apiKey));
  }

  // ---- payouts --------------------------------------------------------------------------

  /**
   * Accepts a payout, or answers with what happened to the one already under this id. Never
   * creates a second payout for one id.
   */
  submit(input: SubmitInput, nowMs: number): SubmitOutcome {
    const existing = this.#payouts.get(input.payoutId);
    if (existing !== undefined) {
      return existing.fingerprint === input.fingerprint
        ? { kind: "replayed", payout: payoutWire(existing) }
        : { kind: "conflict" };
    }
    const refusal = submissionRefusal(input.destination);
    if (refusal !== null) return { kind: "rejected", ...refusal };
    if (this.#payouts.size >= LIMITS.maxPayouts) return { kind: "limit_exceeded" };
    const seq = this.#nextSeq++;
    const record: SandboxPayoutRecord = {
      payoutId: input.payoutId,
      reference: `sbxpo_${this.#epoch}_${String(seq).padStart(6, "0")}`,
      status: "accepted",
      amountMinor: input.amountMinor,
      currency: input.currency,
      failureCode: null,
      createdAtMs: nowMs,
      updatedAtMs: nowMs,
      fingerprint: input.fingerprint,
      outcome: finalOutcome(input.destination),
      next: { status: "processing", dueAtMs: nowMs + this.processingDelayMs },
    };
    this.#payouts.set(record.payoutId, record);
    this.#revision++;
    return { kind: "created", payout: payoutWire(record) };
  }

  payout(payoutId: string): SandboxPayoutWire | null {
    const record = this.#payouts.get(payoutId);
    return record === undefined ? null : payoutWire(record);
  }

  /** Every payout, in the order they were created. */
  payouts(): SandboxPayoutWire[] {
    return [...this.#payouts.values()].map(payoutWire);
  }

  /**
   * Payouts created or updated in [fromMs, toMs), by (updated_at, payout_id): what
   * reconciliation reads.
   */
  report(fromMs: number, toMs: number): SandboxPayoutWire[] {
    const inRange = (ms: number) => ms >= fromMs && ms < toMs;
    return [...this.#payouts.values()]
      .filter((p) => inRange(p.updatedAtMs) || inRange(p.createdAtMs))
      .sort(
        (a, b) =>
          a.updatedAtMs - b.updatedAtMs ||
          (a.payoutId < b.payoutId ? -1 : a.payoutId > b.payoutId ? 1 : 0),
      )
      .map(payoutWire);
  }

  /**
   * Applies every status change due at `nowMs` (all of them with `force`), queuing a webhook
   * for each. A change that fell due earlier happens at its due time, so the report and the
   * events say when it happened, not when someone looked. Returns how many changes it applied.
   */
  advance(nowMs: number, force = false): number {
    let applied = 0;
    for (;;) {
      const due = [...this.#payouts.values()].filter(
        (p) => p.next !== null && (force || p.next.dueAtMs <= nowMs),
      );
      if (due.length === 0) break;
      due.sort(
        (a, b) =>
          (a.next?.dueAtMs ?? 0) - (b.next?.dueAtMs ?? 0) ||
          a.createdAtMs - b.createdAtMs ||
          (a.reference < b.reference ? -1 : 1),
      );
      for (const record of due) {
        this.#transition(record, nowMs);
        applied++;
      }
    }
    if (applied > 0) this.#revision++;
    return applied;
  }

  #transition(record: SandboxPayoutRecord, nowMs: number): void {
    const next = record.next;
    if (next === null) return;
    const atMs = Math.max(record.updatedAtMs, Math.min(next.dueAtMs, nowMs));
    record.status = next.status;
    record.updatedAtMs = atMs;
    if (next.status === "processing") {
      record.next = { status: record.outcome.status, dueAtMs: atMs + this.finalDelayMs };
    } else {
      record.failureCode = record.outcome.failureCode;
      record.next = null;
    }
    const status = next.status;
    const seq = this.#nextSeq++;
    const eventId = `evt_${this.#epoch}_${String(seq).padStart(6, "0")}`;
    this.#outbox.push({
      seq,
      eventId,
      type: `payout.${status}`,
      payoutId: record.payoutId,
      status,
      body: JSON.stringify(webhookWire({ ...record, status }, eventId, atMs)),
      createdAtMs: atMs,
      nextAttemptAtMs: atMs,
      attempts: 0,
    });
  }

  // ---- webhooks -------------------------------------------------------------------------

  /** Webhooks produced and not yet delivered, by next attempt. */
  pendingWebhooks(): SandboxWebhookEntry[] {
    return structuredClone(this.#outbox).sort(
      (a, b) => a.nextAttemptAtMs - b.nextAttemptAtMs || a.seq - b.seq,
    );
  }

  /** When the next status change or webhook attempt is due; null when nothing is scheduled. */
  nextDueAtMs(): number | null {
    let next: number | null = null;
    for (const payout of this.#payouts.values()) {
      if (payout.next !== null && (next === null || payout.next.dueAtMs < next)) {
        next = payout.next.dueAtMs;
      }
    }
    for (const entry of this.#outbox) {
      if (next === null || entry.nextAttemptAtMs < next) next = entry.nextAttemptAtMs;
    }
    return next;
  }

  /**
   * Applies the status changes due now and delivers every webhook due now, one request at a
   * time, signed with the current time. `force` first applies every scheduled change and
   * sends every queued webhook, whatever its delay or retry backoff.
   *
   * A delivery that throws or is answered with anything but 2xx stays queued and is retried
   * later (backoff from 5 s, doubling, at most 5 min; dropped after 10 attempts). An event
   * counts as delivered when any of its copies got a 2xx.
   */
  async deliverWebhooks(options: { force?: boolean } = {}): Promise<SandboxDeliverySummary> {
    const force = options.force === true;
    const nowMs = this.#now();
    this.advance(nowMs, force);
    // Taken synchronously: a second run interleaving with this one skips what is in flight.
    const due = this.#outbox
      .filter(
        (entry) => !this.#inFlight.has(entry.eventId) && (force || entry.nextAttemptAtMs <= nowMs),
      )
      .sort((a, b) => a.nextAttemptAtMs - b.nextAttemptAtMs || a.seq - b.seq);
    const delivered: SandboxDeliveryOutcome[] = [];
    const failed: SandboxDeliveryOutcome[] = [];
    const abandoned: string[] = [];
    if (due.length > 0) {
      const copies = due.flatMap((entry) =>
        this.#faults.duplicateWebhooks
          ? [
              { entry, copy: 1 },
              { entry, copy: 2 },
            ]
          : [{ entry, copy: 1 }],
      );
      if (this.#faults.shuffleWebhooks) this.#prng.shuffle(copies);
      // Counted as failed until a copy succeeds: a host that saves now and crashes mid-run
      // delivers them again later (at least once, as real processors do).
      for (const entry of due) {
        this.#inFlight.add(entry.eventId);
        entry.attempts++;
        entry.nextAttemptAtMs = nowMs + retryDelayMs(entry.attempts);
      }
      this.#revision++;
      const succeeded = new Set<string>();
      try {
        const timestampSec = Math.floor(nowMs / 1000);
        for (const { entry, copy } of copies) {
          const outcome = await this.#send(entry, copy, timestampSec);
          const ok =
            outcome.httpStatus !== null && outcome.httpStatus >= 200 && outcome.httpStatus < 300;
          if (ok) succeeded.add(entry.eventId);
          (ok ? delivered : failed).push(outcome);
        }
      } finally {
        for (const entry of due) this.#inFlight.delete(entry.eventId);
      }
      const taken = new Set(due);
      this.#outbox = this.#outbox.filter((entry) => {
        if (succeeded.has(entry.eventId)) return false;
        if (taken.has(entry) && entry.attempts >= LIMITS.maxAttempts) {
          abandoned.push(entry.eventId);
          return false;
        }
        return true;
      });
      this.#revision++;
    }
    return {
      delivered,
      failed,
      abandoned,
      pending: this.#outbox.length,
      nextDueAtMs: this.nextDueAtMs(),
    };
  }

  async #send(
    entry: SandboxWebhookEntry,
    copy: number,
    timestampSec: number,
  ): Promise<SandboxDeliveryOutcome> {
    const request = new Request(this.webhookUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "boomerang-sandbox-processor",
        [SANDBOX_SIGNATURE_HEADER]: await signSandboxWebhook(
          this.webhookSecret,
          entry.body,
          timestampSec,
        ),
      },
      body: entry.body,
    });
    let httpStatus: number | null = null;
    let response: string;
    try {
      const answer = await this.#deliver(request);
      httpStatus = answer.status;
      response = (await answer.text()).slice(0, LIMITS.maxResponseChars);
    } catch (error) {
      response = String(error).slice(0, LIMITS.maxResponseChars);
    }
    return {
      eventId: entry.eventId,
      type: entry.type,
      payoutId: entry.payoutId,
      status: entry.status,
      copy,
      attempt: entry.attempts,
      httpStatus,
      response,
    };
  }

  // ---- faults ---------------------------------------------------------------------------

  faults(): SandboxProcessorFaults {
    return structuredClone(this.#faults);
  }

  /** Changes the fields given and keeps the rest. */
  setFaults(patch: Partial<SandboxProcessorFaults>): SandboxProcessorFaults {
    const next = { ...this.#faults, ...definedFields(patch) };
    checkTimes(next.down, "down");
    checkTimes(next.reportDown, "reportDown");
    if (!Number.isSafeInteger(next.lostResponses) || next.lostResponses < 0) {
      throw new RangeError("lostResponses must be a non-negative integer");
    }
    if (typeof next.duplicateWebhooks !== "boolean" || typeof next.shuffleWebhooks !== "boolean") {
      throw new RangeError("duplicateWebhooks and shuffleWebhooks must be booleans");
    }
    this.#faults = structuredClone(next);
    this.#revision++;
    return this.faults();
  }

  clearFaults(): SandboxProcessorFaults {
    this.#faults = structuredClone(NO_PROCESSOR_FAULTS);
    this.#revision++;
    return this.faults();
  }

  /** Whether this call to `/v1/payouts` hits the `down` fault (counting it down). */
  takeDown(): boolean {
    return this.#takeTimes("down");
  }

  /** Whether this call to `/v1/reports/payouts` hits the `reportDown` fault. */
  takeReportDown(): boolean {
    return this.#takeTimes("reportDown");
  }

  /** Whether this successful create loses its response (counting it down). */
  takeLostResponse(): boolean {
    if (this.#faults.lostResponses <= 0) return false;
    this.#faults.lostResponses--;
    this.#revision++;
    return true;
  }

  #takeTimes(name: "down" | "reportDown"): boolean {
    const fault = this.#faults[name];
    if (fault === null) return false;
    this.#faults[name] = fault.times > 1 ? { times: fault.times - 1 } : null;
    this.#revision++;
    return true;
  }

  /** Forgets every payout, webhook and fault, and starts a new epoch. */
  reset(): void {
    this.#payouts = new Map();
    this.#outbox = [];
    this.#inFlight = new Set();
    this.#faults = structuredClone(NO_PROCESSOR_FAULTS);
    this.#prng = new Mulberry32(this.seed);
    this.#nextSeq = 1;
    this.#epoch = newEpoch();
    this.#revision++;
  }
}

function retryDelayMs(attempts: number): number {
  return exponentialBackoff(attempts, { base: LIMITS.retryBaseMs, cap: LIMITS.retryMaxMs });
}

function newEpoch(): string {
  return toHex(crypto.getRandomValues(new Uint8Array(4)));
}

function checkDelay(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0 || value > LIMITS.maxDelayMs) {
    throw new RangeError(`${name} must be an integer from 0 to ${LIMITS.maxDelayMs}`);
  }
  return value;
}

function checkTimes(fault: { times: number } | null, name: string): void {
  if (fault === null) return;
  if (!Number.isSafeInteger(fault.times) || fault.times < 1 || fault.times > 1_000_000) {
    throw new RangeError(`${name}.times must be an integer from 1 to 1000000`);
  }
}

function definedFields<T extends object>(patch: Partial<T>): Partial<T> {
  return Object.fromEntries(
    Object.entries(patch).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}
