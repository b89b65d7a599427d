import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { type DbRouterEnv, globalDb } from "#shared/db/router";
import { notificationProviderRefs } from "#shared/db/schema";

/**
 * D1 `notification_provider_refs` (global): the user of each provider message id. A provider's
 * receipt names only its own id (Resend `email_id`, Twilio `MessageSid`), which we do not
 * choose and so cannot make carry the user; this index routes the receipt to the user database
 * holding the delivery (docs/scaling.md "D1 router").
 */

/** Records whose message a provider id is; a repeat (a redelivered outcome) changes nothing. */
export function providerRefStatement(
  env: DbRouterEnv,
  ref: { channel: string; providerRef: string; userId: string },
  nowMs: number,
): D1PreparedStatement {
  return globalDb(env)
    .prepare(
      `INSERT INTO notification_provider_refs (channel, provider_ref, user_id, created_at_ms)
       VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING`,
    )
    .bind(ref.channel, ref.providerRef, ref.userId, nowMs);
}

/** The user whose message the provider id names, or null (unknown, or sent before the index). */
export async function userOfProviderRef(
  env: DbRouterEnv,
  channel: string,
  providerRef: string,
): Promise<string | null> {
  const row = await drizzle(globalDb(env))
    .select({ userId: notificationProviderRefs.userId })
    .from(notificationProviderRefs)
    .where(
      and(
        eq(notificationProviderRefs.channel, channel),
        eq(notificationProviderRefs.providerRef, providerRef),
      ),
    )
    .get();
  return row?.userId ?? null;
}
