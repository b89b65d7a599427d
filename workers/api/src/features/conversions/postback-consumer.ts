import type { BatchItem } from "drizzle-orm/batch";
import type { ApiEnv } from "#shared/env";
import type { PostbackMessage } from "#shared/messages";
import { fromGenericBody } from "#shared/networks/generic";
import { createLogger, errorFields } from "#shared/observability/logger";
import { parseGenericPostback } from "#shared/postback/generic-format";
import { exponentialBackoff } from "#shared/retry/backoff";
import { runInBatches } from "../../db/batch";
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
 * transaction. Messages are acked one by one, so one bad message never replays the others.
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

  const untrusted: BatchItem<"sqlite">[] = [];
  const untrustedMessages: Message<PostbackMessage>[] = [];
  for (const message of batch.messages) {
    const body = message.body;
    if (body.verdict !== "accepted") {
      message.ack();
      continue;
    }
    try {
      const outcome = await processAccepted(env, body);
      if (outcome.kind === "untrusted") {
        untrusted.push(...outcome.statements);
        untrustedMessages.push(message);
      } else if (outcome.kind === "retry_later") {
        message.retry({ delaySeconds: exponentialBackoff(message.attempts, CLICK_WAIT_BACKOFF) });
      } else {
        message.ack();
      }
    } catch (error) {
      log.error("postback.processing_failed", {
        postbackId: body.postbackId,
        networkId: body.networkId,
        attempts: message.attempts,
        requestId: (body as { requestId?: string }).requestId,
        ...errorFields(error),
      });
      message.retry({ delaySeconds: exponentialBackoff(message.attempts, FAILURE_BACKOFF) });
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

type Processed =
  | { kind: "done" }
  | { kind: "retry_later" }
  | { kind: "untrusted"; statements: BatchItem<"sqlite">[] };

async function processAccepted(env: ApiEnv, body: PostbackMessage): Promise<Processed> {
  let conversions = body.conversions;
  if (!conversions) {
    const parsed = parseGenericPostback(body.rawBody);
    if (!parsed.ok) return { kind: "done" }; // judged at intake; kept in received_postbacks
    conversions = [fromGenericBody(parsed.value)];
  }
  const statements: BatchItem<"sqlite">[] = [];
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
    } else if (result.outcome === "retry_later") waitForClick = true;
  }
  // Every conversion of a postback is idempotent, so retrying the whole message is safe.
  if (waitForClick) return { kind: "retry_later" };
  return statements.length > 0 ? { kind: "untrusted", statements } : { kind: "done" };
}
