import { faultPoint } from "#durable-objects/shared/faults";
import { mapBounded } from "#shared/async/map-bounded";
import type { ApiEnv } from "#shared/env";
import type { Observation } from "#shared/fraud/risk-contract";
import type { PostbackMessage } from "#shared/messages";
import { fromGenericBody } from "#shared/networks/generic";
import { createLogger, errorFields } from "#shared/observability/logger";
import { parseGenericPostback } from "#shared/postback/generic-format";
import { exponentialBackoff } from "#shared/retry/backoff";
import { type RoutedWrite, runInBatches, writesByDb } from "../../db/batch";
import { type ConversionEvent, type ConversionOutcome, walletOf } from "../../wallet-client";
import { reportOrKeepObservations } from "../fraud/index";
import { postbackRetentionOf } from "../retention/index";
import {
  type ApplyResult,
  type AttributedConversion,
  attributeConversion,
  type PreparedConversion,
  walletApplied,
} from "./apply-conversion";
import { claimOrdersStatements, type OrderClaim, orderKey } from "./order-claims-store";
import { receivedStatements } from "./store";

const log = createLogger({ worker: "api", feature: "conversions" });

/**
 * A postback can overtake its click (the clicks queue may lag). Waits grow 10, 20, 40, then
 * 60 s: 20 attempts span more than the 15-minute grace, after which the wallet rejects it.
 */
const CLICK_WAIT_BACKOFF = { base: 10, cap: 60 };
/** A failure while processing: 10, 20, 40 … up to 300 s. */
const FAILURE_BACKOFF = { base: 10, cap: 300 };

/**
 * Postbacks consumer. First each accepted postback is normalised and attributed (sub-ID
 * verified, no D1 write); then ONE D1 batch writes every received postback (accepted or not,
 * idempotent on the postback id: the audit trail) and claims every attributed order (first
 * claimant wins) and reads the owners back. Then each user's conversions go to their wallet
 * object, which decides and credits in one transaction. Then the batch's conversion
 * observations go to the risk queue in one send (best-effort: kept in D1 for the cron when the
 * send fails, docs/fraud.md "Fail-safe").
 * Messages are acked one by one, so one bad message never replays the others.
 */
export async function consumePostbacks(
  batch: MessageBatch<PostbackMessage>,
  env: ApiEnv,
): Promise<void> {
  const accepted = batch.messages.filter((m) => m.body.verdict === "accepted");
  const attributed = await attributeBatch(env, accepted);
  const owners = await recordAndClaim(
    env,
    batch.messages.map((m) => m.body),
    attributed,
  );
  for (const message of batch.messages) if (message.body.verdict !== "accepted") message.ack();

  // Each message's fate, decided after the batch's observations are reported.
  const settled = await processBatch(env, attributed, owners);

  // The wallets have them: scoring hears of the batch's conversions in one send. A failed send
  // keeps them in D1 and the messages are acked as usual; only when that write fails too are
  // the messages that carried observations retried (the wallet answers `duplicate`).
  let reported = true;
  try {
    await reportOrKeepObservations(
      env,
      settled.flatMap(({ outcome }) => ("observations" in outcome ? outcome.observations : [])),
      Date.now(),
    );
  } catch {
    reported = false;
  }

  const untrusted: RoutedWrite[] = [];
  const untrustedMessages: Message<PostbackMessage>[] = [];
  for (const { message, outcome } of settled) {
    const unreported = !reported && "observations" in outcome && outcome.observations.length > 0;
    if (outcome.kind === "failed" || (unreported && outcome.kind !== "retry_later")) {
      message.retry({ delaySeconds: exponentialBackoff(message.attempts, FAILURE_BACKOFF) });
    } else if (outcome.kind === "retry_later") {
      message.retry({ delaySeconds: exponentialBackoff(message.attempts, CLICK_WAIT_BACKOFF) });
    } else if (outcome.kind === "untrusted") {
      untrusted.push(...outcome.writes);
      untrustedMessages.push(message);
    } else {
      message.ack();
    }
  }
  if (untrusted.length > 0) {
    try {
      // One batch per database: the claimants' own records on their user databases, the
      // records without a user on the global one (transactions-store.ts).
      await Promise.all(
        [...writesByDb(untrusted)].map(([db, statements]) => runInBatches(db, statements)),
      );
      for (const m of untrustedMessages) m.ack();
    } catch (error) {
      log.error("postback.untrusted_record_failed", {
        statements: untrusted.length,
        ...errorFields(error),
      });
      for (const m of untrustedMessages) m.retry({ delaySeconds: 30 });
    }
  }
}

/** What one accepted postback came to, with the observations of the conversions applied. */
type Processed = { observations: Observation[] } & (
  | { kind: "done" }
  | { kind: "retry_later" }
  | { kind: "untrusted"; writes: RoutedWrite[] }
);

/** What the wallet answers for one conversion (the part the consumer reads). */
type WalletAnswer = { outcome: ConversionOutcome; reason: string | null };

/** How many users' wallets one batch calls at once. */
export const WALLET_CALLS_IN_FLIGHT = 8;

/** One accepted message on its way: its prepared conversions, then their results. */
interface Pending {
  message: Message<PostbackMessage>;
  prepared: PreparedConversion[];
  results: Array<ApplyResult | null>;
  failed: boolean;
}

/** One accepted message after attribution: its conversions, each awaiting its order's owner. */
interface Attributed {
  message: Message<PostbackMessage>;
  conversions: Array<AttributedConversion | PreparedConversion>;
  failed: boolean;
}

/** Each accepted message parsed and its conversions attributed; one that throws fails alone. */
async function attributeBatch(
  env: ApiEnv,
  messages: readonly Message<PostbackMessage>[],
): Promise<Attributed[]> {
  return mapBounded(messages, WALLET_CALLS_IN_FLIGHT, async (message) => {
    const item: Attributed = { message, conversions: [], failed: false };
    try {
      item.conversions = await attributeMessage(env, message.body);
    } catch (error) {
      logFailure(message, error);
      item.failed = true;
    }
    return item;
  });
}

/**
 * ONE D1 round trip for the batch: every received postback recorded, every attributed order
 * claimed in delivery order (insert-or-keep, so the first claimant wins and a redelivery finds
 * its own claim), and the owners read back, by `orderKey`. A failure fails the whole batch
 * (all retried, every statement idempotent), as recording the received postbacks always did.
 */
async function recordAndClaim(
  env: ApiEnv,
  bodies: PostbackMessage[],
  attributed: readonly Attributed[],
): Promise<Map<string, string>> {
  const claims: OrderClaim[] = [];
  for (const item of attributed) {
    if (item.failed) continue;
    for (const c of item.conversions) if (c.kind === "attributed" && c.claim) claims.push(c.claim);
  }
  const received = receivedStatements(env.DB, bodies, postbackRetentionOf(env));
  const claimed = claimOrdersStatements(env.DB, claims);
  const statements = [...received.statements, ...claimed.statements];
  if (statements.length === 0) return new Map();
  const results = await env.DB.batch(statements);
  received.report(results.slice(0, received.statements.length));
  return claims.length > 0 ? claimed.ownersOf(results.at(-1)) : new Map();
}

/**
 * The batch's attributed messages: each conversion completed with its order's owner (the
 * wallet event, or the `duplicate_order` record), then every user's wallet events applied in
 * ONE wallet call
 * (`applyConversions`: one storage transaction, the same ledger path and keys as one at a
 * time), up to WALLET_CALLS_IN_FLIGHT users at once. A user's call that fails is tried again
 * event by event, so one bad message never fails the others; a message any of whose
 * conversions failed is retried whole (every conversion is idempotent).
 */
async function processBatch(
  env: ApiEnv,
  attributed: readonly Attributed[],
  owners: ReadonlyMap<string, string>,
): Promise<Array<{ message: Message<PostbackMessage>; outcome: Processed | { kind: "failed" } }>> {
  const pending: Pending[] = await mapBounded(attributed, WALLET_CALLS_IN_FLIGHT, async (a) => {
    const item: Pending = { message: a.message, prepared: [], results: [], failed: a.failed };
    if (item.failed) return item;
    try {
      item.prepared = await Promise.all(
        a.conversions.map((c) => (c.kind === "attributed" ? c.complete(ownerOf(c, owners)) : c)),
      );
      item.results = item.prepared.map((p) => (p.kind === "wallet" ? null : p));
    } catch (error) {
      logFailure(a.message, error);
      item.failed = true;
    }
    return item;
  });

  // Each user's events, in delivery order, with where each result goes.
  const byUser = new Map<string, Array<{ item: Pending; index: number; event: ConversionEvent }>>();
  for (const item of pending) {
    if (item.failed) continue;
    for (const [index, p] of item.prepared.entries()) {
      if (p.kind !== "wallet") continue;
      const list = byUser.get(p.event.userId) ?? [];
      list.push({ item, index, event: p.event });
      byUser.set(p.event.userId, list);
    }
  }
  await mapBounded([...byUser.entries()], WALLET_CALLS_IN_FLIGHT, async ([userId, slots]) => {
    const wallet = walletOf(env, userId);
    try {
      const results = await wallet.applyConversions(slots.map((s) => s.event));
      for (const [i, slot] of slots.entries()) {
        slot.item.results[slot.index] = walletApplied(slot.event, results[i] as WalletAnswer);
      }
      return;
    } catch (error) {
      if (slots.length === 1) {
        logFailure((slots[0] as (typeof slots)[0]).item.message, error);
        (slots[0] as (typeof slots)[0]).item.failed = true;
        return;
      }
    }
    // The user's call failed as a whole: each event alone, so only the bad one fails.
    for (const slot of slots) {
      if (slot.item.failed) continue;
      try {
        const [result] = await wallet.applyConversions([slot.event]);
        slot.item.results[slot.index] = walletApplied(slot.event, result as WalletAnswer);
      } catch (error) {
        logFailure(slot.item.message, error);
        slot.item.failed = true;
      }
    }
  });

  return pending.map((item) => {
    if (!item.failed) {
      try {
        faultPoint("postbacks.after_wallet"); // test/sim: the wallet wrote, the ack is lost
      } catch (error) {
        logFailure(item.message, error);
        item.failed = true;
      }
    }
    return {
      message: item.message,
      outcome: item.failed ? { kind: "failed" as const } : outcomeOf(item.results as ApplyResult[]),
    };
  });
}

async function attributeMessage(
  env: ApiEnv,
  body: PostbackMessage,
): Promise<Array<AttributedConversion | PreparedConversion>> {
  let conversions = body.conversions;
  if (!conversions) {
    const parsed = parseGenericPostback(body.rawBody);
    // Judged at intake; kept in received_postbacks.
    if (!parsed.ok) return [];
    conversions = [fromGenericBody(parsed.value)];
  }
  const prepared: Array<AttributedConversion | PreparedConversion> = [];
  for (const conversion of conversions) {
    prepared.push(
      await attributeConversion(env, body.networkId, conversion, {
        sourceId: body.postbackId,
        source: "postback",
        receivedAtMs: body.receivedAtMs,
      }),
    );
  }
  return prepared;
}

/** The owner the batch's claim read for `c`'s order; null when `c` makes no claim. */
function ownerOf(c: AttributedConversion, owners: ReadonlyMap<string, string>): string | null {
  if (!c.claim) return null;
  const owner = owners.get(orderKey(c.claim.networkId, c.claim.orderId));
  // The insert either wrote this claim or met another one; the read sees one of them.
  if (owner === undefined) throw new Error("order claim vanished after insert");
  return owner;
}

function outcomeOf(results: readonly ApplyResult[]): Processed {
  const writes: RoutedWrite[] = [];
  const observations: Observation[] = [];
  let waitForClick = false;
  for (const result of results) {
    // Recorded in D1 only, in one batch with the others: an untrusted sub-ID, or a second
    // user's claim on an order someone else owns (duplicate_order).
    if (result.kind === "untrusted" || result.kind === "duplicate_order") {
      writes.push(result.write);
    } else {
      if (result.observation) observations.push(result.observation);
      if (result.outcome === "retry_later") waitForClick = true;
    }
  }
  // Every conversion of a postback is idempotent, so retrying the whole message is safe.
  if (waitForClick) return { kind: "retry_later", observations };
  return writes.length > 0
    ? { kind: "untrusted", writes, observations }
    : { kind: "done", observations };
}

function logFailure(message: Message<PostbackMessage>, error: unknown): void {
  const body = message.body;
  log.error("postback.processing_failed", {
    postbackId: body.postbackId,
    networkId: body.networkId,
    attempts: message.attempts,
    requestId: (body as { requestId?: string }).requestId,
    ...errorFields(error),
  });
}
