import type { ApiEnv } from "#shared/env";
import type { UserNoticeMessage } from "#shared/messages";
import { createLogger, errorFields } from "#shared/observability/logger";
import { exponentialBackoff } from "#shared/retry/backoff";
import { notifierFor } from "./notifier";

const log = createLogger({ worker: "api", feature: "payouts" });
/** A channel that is down: 30 s, doubling, at most an hour. */
const NOTICE_BACKOFF = { base: 30, cap: 3_600 };

/**
 * Sends wallet notices (payout failed, paid, held) through the configured notifier. Each
 * message is acked or retried on its own; a resend is harmless, since the channel dedups on the
 * notice id. The body is never logged: it can name a destination.
 */
export async function consumeNotices(
  batch: MessageBatch<UserNoticeMessage>,
  env: ApiEnv,
): Promise<void> {
  for (const message of batch.messages) {
    try {
      await notifierFor(env).send({ ...message.body.notice, userId: message.body.userId });
      message.ack();
    } catch (error) {
      log.warn("notice.not_sent", {
        noticeId: message.body.notice.id,
        attempts: message.attempts,
        ...errorFields(error),
      });
      message.retry({ delaySeconds: exponentialBackoff(message.attempts, NOTICE_BACKOFF) });
    }
  }
}
