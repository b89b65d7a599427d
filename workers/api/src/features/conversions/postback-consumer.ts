import type { BatchItem } from "drizzle-orm/batch";
import { faultPoint } from "#durable-objects/shared/faults";
import type { ApiEnv } from "#shared/env";
import type { Observation } from "#shared/fraud/risk-contract";
import type { PostbackMessage } from "#shared/messages";
import { fromGenericBody } from "#shared/networks/generic";
import { createLogger, errorFields } from "#shared/observability/logger";
import { parseGenericPostback } from "#shared/postback/generic-format";
import { exponentialBackoff } from "#shared/retry/backoff";
import { runInBatches } from "../../db/batch";
import { reportOrKeepObservations } from "../fraud/index";
import { postbackRetentionOf } from "../retention/index";
import { applyNormalizedConversion } from "./apply-conversion";
import { recordReceived } from "./store";

const log = createLogger({ worker: "api", feature: "conversions" });

/**
 * A postback can overtake its click (the clicks queue may lag). Waits grow 10, 20, 40, then
 * 60 s: 20 attempts span more than the 15-minute grace, after which the wallet rejects it.
 */
const CLICK_WAIT_BACKOFF = { base: 10, cap: 60 };
/** A failure while processing: 10, 20, 40 … up to 300 s. */
const FAILURE_BACKOFF = { base: 10, cap: 300 };

/**
 * Postbacks consumer. First, every received postback (accepted or not) is written to D1 in
 * one batch, idempotent on the postback id: that is the audit trail. Then each accepted one
 * is normalised and handed to the user's wallet object, which decides and credits in one
 * transaction. Then the batch's conversion observations go to the risk queue in one send
 * (best-effort: kept in D1 for the cron when the send fails, docs/fraud.md "Fail-safe").
 * Messages are acked one by one, so one bad message never replays the others.
 */
export async function consumePostbacks(
  batch: MessageBatch<PostbackMessage>,
  env: ApiEnv,
): Promise<void> {
  await recordReceived(
    env.DB,
    batch.messages.map((m) => m.body),
    postbackRetentionOf(env),
  );

  // Each message's fate, decided after the batch's observations are reported.
  const settled: Array<{
    message: Message<PostbackMessage>;
    outcome: Processed | { kind: "failed" };
  }> = [];
  for (const message of batch.messages) {
    const body = message.body;
    if (body.verdict !== "accepted") {
      message.ack();
      continue;
    }
    try {
      const outcome = await processAccepted(env, body);
      faultPoint("postbacks.after_wallet"); // test/sim: the wallet wrote, the ack is lost
      settled.push({ message, outcome });
    } catch (error) {
      log.error("postback.processing_failed", {
        postbackId: body.postbackId,
        networkId: body.networkId,
        attempts: message.attempts,
        requestId: (body as { requestId?: string }).requestId,
        ...errorFields(error),
      });
      settled.push({ message, outcome: { kind: "failed" } });
    }
  }

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

  const untrusted: BatchItem<"sqlite">[] = [];
  const untrustedMessages: Message<PostbackMessage>[] = [];
  for (const { message, outcome } of settled) {
    const unreported = !reported && "observations" in outcome && outcome.observations.length > 0;
    if (outcome.kind === "failed" || (unreported && outcome.kind !== "retry_later")) {
      message.retry({ delaySeconds: exponentialBackoff(message.attempts, FAILURE_BACKOFF) });
    } else if (outcome.kind === "retry_later") {
      message.retry({ delaySeconds: exponentialBackoff(message.attempts, CLICK_WAIT_BACKOFF) });
    } else if (outcome.kind === "untrusted") {
      untrusted.push(...outcome.statements);
      untrustedMessages.push(message);
    } else {
      message.ack();
    }
  }
  if (untrusted.length > 0) {
    try {
      await runInBatches(env.DB, untrusted);
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
  | { kind: "untrusted"; statements: BatchItem<"sqlite">[] }
);

async function processAccepted(env: ApiEnv, body: PostbackMessage): Promise<Processed> {
  let conversions = body.conversions;
  if (!conversions) {
    const parsed = parseGenericPostback(body.rawBody);
    // Judged at intake; kept in received_postbacks.
    if (!parsed.ok) return { kind: "done", observations: [] };
    conversions = [fromGenericBody(parsed.value)];
  }
  const statements: BatchItem<"sqlite">[] = [];
  const observations: Observation[] = [];
  let waitForClick = false;
  for (const conversion of conversions) {
    const result = await applyNormalizedConversion(env, body.networkId, conversion, {
      sourceId: body.postbackId,
      source: "postback",
      receivedAtMs: body.receivedAtMs,
    });
    // Recorded in D1 only, in one batch with the others: an untrusted sub-ID, or a second
    // user's claim on an order someone else owns (duplicate_order).
    if (result.kind === "untrusted" || result.kind === "duplicate_order") {
      statements.push(result.statement);
    } else {
      if (result.observation) observations.push(result.observation);
      if (result.outcome === "retry_later") waitForClick = true;
    }
  }
  // Every conversion of a postback is idempotent, so retrying the whole message is safe.
  if (waitForClick) return { kind: "retry_later", observations };
  return statements.length > 0
    ? { kind: "untrusted", statements, observations }
    : { kind: "done", observations };
}
