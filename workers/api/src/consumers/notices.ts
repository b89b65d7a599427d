import type { ApiEnv } from "#shared/env";
import type { UserNoticeMessage } from "#shared/messages";
import { notifierFor } from "../payouts/notifier";

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
      console.error("notice not sent; will retry", {
        noticeId: message.body.notice.id,
        error: String(error),
      });
      message.retry({ delaySeconds: Math.min(30 * 2 ** (message.attempts - 1), 3_600) });
    }
  }
}
