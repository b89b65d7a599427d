import type { DbRouterEnv } from "#shared/db/router";
import { createLogger, errorFields } from "#shared/observability/logger";
import { type ReferralClickRow, referralClickRowOf } from "./click-rows";
import { insertReferralClicks } from "./clicks-store";

const log = createLogger({ worker: "api", feature: "referrals" });

/**
 * The referral clicks of one CLICKS batch into D1 `referral_clicks`: one D1 batch per referrer
 * database (clicks-store.ts), idempotent on the click id (delivery is at least once). A malformed message is acked
 * and logged with nothing from its body; a failed write retries the clicks of this batch.
 *
 * @example
 * await storeReferralClicks(env, referralMessages);
 */
export async function storeReferralClicks(
  env: DbRouterEnv,
  messages: readonly Message<unknown>[],
): Promise<void> {
  const valid: Array<{ message: Message<unknown>; row: ReferralClickRow }> = [];
  for (const message of messages) {
    const row = referralClickRowOf(message.body);
    if (row) {
      valid.push({ message, row });
    } else {
      // The message id only: the body may hold anything, personal data included.
      log.error("referral_click.malformed", { messageId: message.id });
      message.ack();
    }
  }
  if (valid.length === 0) return;
  try {
    await insertReferralClicks(
      env,
      valid.map((v) => v.row),
    );
    for (const { message } of valid) message.ack();
  } catch (error) {
    log.error("referral_click.store_failed", { clicks: valid.length, ...errorFields(error) });
    for (const { message } of valid) message.retry({ delaySeconds: 10 });
  }
}
