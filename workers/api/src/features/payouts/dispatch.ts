import type { ApiEnv } from "#shared/env";
import { createLogger, errorFields } from "#shared/observability/logger";
import type { PayoutProcessor, ProcessorPayout } from "#shared/payouts/processor";
import type { PayoutDispatchMessage } from "#shared/payouts/types";
import { exponentialBackoff } from "#shared/retry/backoff";
import { walletOf } from "../../wallet-client";
import { processorViewOf } from "./processor-client";
import { recordPayoutOwner } from "./store";

const log = createLogger({ worker: "api", feature: "payouts" });
/** A processor that is down: base·2^(attempt−1) seconds, at most 12 hours. */
const MAX_DISPATCH_DELAY_SEC = 12 * 3_600;
/** An unreachable wallet while dead-lettering: 60 s doubling, at most an hour. */
const DEAD_LETTER_BACKOFF = { base: 60, cap: 3_600 };

/**
 * The payout dispatch consumer: hands queued payouts to the processor.
 *
 * No double payout, by three locks: the payout id is the processor's idempotency key; every
 * attempt after the first asks the processor whether an earlier one went through before
 * creating anything; and the wallet claims each attempt atomically, so a payout that has
 * moved on (submitted, paid, cancelled) is skipped by a late or duplicate message.
 *
 * A processor that is down is retried through the queue with exponential backoff; after the
 * last retry the message goes to the dead-letter queue, whose consumer marks the payout
 * `stuck` with its money still reserved, for an operator to retry or cancel.
 */

type Outcome = "done" | "retry";

export async function consumePayoutDispatch(
  batch: MessageBatch<PayoutDispatchMessage>,
  env: ApiEnv,
  processor: PayoutProcessor,
): Promise<void> {
  const baseSec = Number(env.PAYOUT_RETRY_BASE_SEC ?? "30");
  for (const message of batch.messages) {
    let outcome: Outcome;
    try {
      outcome = await dispatchOne(env, processor, message.body);
    } catch (error) {
      log.error("payout.dispatch_failed", {
        payoutId: message.body.payoutId,
        attempts: message.attempts,
        ...errorFields(error),
      });
      outcome = "retry";
    }
    if (outcome === "done") message.ack();
    else
      message.retry({
        delaySeconds: exponentialBackoff(message.attempts, {
          base: baseSec,
          cap: MAX_DISPATCH_DELAY_SEC,
        }),
      });
  }
}

async function dispatchOne(
  env: ApiEnv,
  processor: PayoutProcessor,
  { payoutId, userId }: PayoutDispatchMessage,
): Promise<Outcome> {
  // The directory row comes before the processor can know the payout, so every webhook for
  // it finds the wallet. The projection fills in the rest (its version is higher).
  await recordPayoutOwner(env, payoutId, userId, Date.now());

  const wallet = walletOf(env, userId);
  const claim = await wallet.claimDispatch(payoutId);
  if (claim.action === "skip" || claim.action === "unreadable") return "done";

  const apply = async (payout: ProcessorPayout) => {
    await wallet.applyProcessorState(payoutId, processorViewOf(payout), {
      eventId: null,
      processorId: processor.id,
    });
  };

  if (claim.action === "lookup_first") {
    const found = await processor.lookup(payoutId);
    if (found.kind === "found") {
      await apply(found.payout);
      return "done";
    }
    if (found.kind === "unavailable") {
      await wallet.recordPayoutUnavailable(payoutId, claim.payout.attempts, found.reason);
      return "retry";
    }
    // not_found: no earlier attempt went through; submitting is safe.
  }

  const created = await processor.create({
    payoutId,
    userId: claim.userId,
    amountMinor: claim.payout.amountMinor,
    currency: claim.payout.currency,
    destination: claim.destination,
  });
  switch (created.kind) {
    case "accepted":
      await apply(created.payout);
      return "done";
    case "rejected":
      await wallet.recordPayoutRejected(payoutId, claim.payout.attempts, created.failureCode);
      return "done";
    case "unavailable":
      await wallet.recordPayoutUnavailable(payoutId, claim.payout.attempts, created.reason);
      return "retry";
  }
}

/** Dead-lettered dispatches: retries are exhausted. Nothing moves; the payout waits for an operator. */
export async function consumePayoutDeadLetters(
  batch: MessageBatch<PayoutDispatchMessage>,
  env: ApiEnv,
): Promise<void> {
  for (const message of batch.messages) {
    try {
      await walletOf(env, message.body.userId).markPayoutStuck(
        message.body.payoutId,
        "retries exhausted: the processor stayed unavailable",
      );
      message.ack();
    } catch (error) {
      log.error("payout.dead_letter_failed", {
        payoutId: message.body.payoutId,
        ...errorFields(error),
      });
      // The wallet is unreachable: back off (up to an hour) rather than burn the retries.
      message.retry({ delaySeconds: exponentialBackoff(message.attempts, DEAD_LETTER_BACKOFF) });
    }
  }
}
