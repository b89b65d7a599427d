import { toHex } from "#shared/crypto/encoding";
import { sha256 } from "#shared/crypto/hmac";
import { type KeyRing, open, seal } from "#shared/crypto/sealed";
import type { FirstPartyEvent } from "#shared/events/event-schema";
import type { LinkKey } from "#shared/fraud/identity-links";
import { observationMessage } from "#shared/fraud/observation-message";
import type { Observation } from "#shared/fraud/risk-contract";
import type { NotificationChannel } from "#shared/notify/catalog";
import type { PushSubscriptionKeys, Recipient } from "#shared/notify/channel";
import type { WalletTx } from "../core/wallet-tx";
import { readContact } from "../events/event-store";
import { contactContext, maskedContact } from "../events/events";
import { eventObservation } from "../events/risk-observations";
import { noteReported } from "../risk/known-activity";

/**
 * Where a user's notifications go (docs/notifications.md "Channels"): their Web Push
 * subscriptions and the contact channels they set for notifications. Everything is sealed
 * under the destinations' key ring and opened only to send (recipientsFor); nothing of it is
 * logged or put on a queue.
 */

export const MAX_PUSH_SUBSCRIPTIONS = 10;

export interface PushSubscriptionView {
  id: string;
  /** The push service (e.g. https://fcm.googleapis.com), so the user can tell devices apart. */
  origin: string;
  createdAtMs: number;
}

export type SavePushResult =
  | { ok: true; subscription: PushSubscriptionView; created: boolean }
  | { ok: false; reason: "too_many" | "no_key_ring" };

export interface NotificationContacts {
  email?: string;
  phone?: string;
}

export interface PreparedPush {
  id: string;
  digest: string;
  origin: string;
  sealed: string;
}

function pushContext(userId: string, id: string): string {
  return `push:${userId}:${id}`;
}

function notifyContactContext(userId: string): string {
  return `notify-contact:${userId}`;
}

export async function endpointDigest(endpoint: string): Promise<string> {
  return toHex(await sha256(endpoint));
}

/** Seals a subscription (async, before the transaction); the id is kept for a re-subscription. */
export async function preparePush(
  sql: SqlStorage,
  ring: KeyRing,
  userId: string,
  subscription: PushSubscriptionKeys,
): Promise<PreparedPush> {
  const digest = await endpointDigest(subscription.endpoint);
  const existing = sql
    .exec<{ id: string }>(`SELECT id FROM push_subscriptions WHERE endpoint_digest = ?`, digest)
    .toArray()[0];
  const id = existing?.id ?? `psub_${crypto.randomUUID().replaceAll("-", "")}`;
  const { endpoint, p256dh, auth } = subscription;
  return {
    id,
    digest,
    origin: new URL(endpoint).origin,
    sealed: await seal(ring, JSON.stringify({ endpoint, p256dh, auth }), pushContext(userId, id)),
  };
}

/** Saves in one transaction: the same endpoint again replaces its keys; an 11th is refused. */
export function commitPush(tx: WalletTx, prepared: PreparedPush, nowMs: number): SavePushResult {
  const existing = tx.sql
    .exec<{ id: string; created_at_ms: number }>(
      `SELECT id, created_at_ms FROM push_subscriptions WHERE endpoint_digest = ?`,
      prepared.digest,
    )
    .toArray()[0];
  if (existing) {
    tx.sql.exec(
      `UPDATE push_subscriptions SET sealed = ? WHERE id = ?`,
      prepared.sealed,
      existing.id,
    );
    return {
      ok: true,
      created: false,
      subscription: {
        id: existing.id,
        origin: prepared.origin,
        createdAtMs: existing.created_at_ms,
      },
    };
  }
  const count = tx.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM push_subscriptions`).one().n;
  if (count >= MAX_PUSH_SUBSCRIPTIONS) return { ok: false, reason: "too_many" };
  tx.sql.exec(
    `INSERT INTO push_subscriptions (id, endpoint_digest, origin, sealed, created_at_ms)
     VALUES (?, ?, ?, ?, ?)`,
    prepared.id,
    prepared.digest,
    prepared.origin,
    prepared.sealed,
    nowMs,
  );
  return {
    ok: true,
    created: true,
    subscription: { id: prepared.id, origin: prepared.origin, createdAtMs: nowMs },
  };
}

export function listPushSubscriptions(sql: SqlStorage): PushSubscriptionView[] {
  return sql
    .exec<{ id: string; origin: string; created_at_ms: number }>(
      `SELECT id, origin, created_at_ms FROM push_subscriptions ORDER BY created_at_ms, id`,
    )
    .toArray()
    .map((r) => ({ id: r.id, origin: r.origin, createdAtMs: r.created_at_ms }));
}

export function removePushSubscription(sql: SqlStorage, id: string): boolean {
  return (
    sql.exec(`DELETE FROM push_subscriptions WHERE id = ? RETURNING id`, id).toArray().length > 0
  );
}

export function removePushByDigest(sql: SqlStorage, digest: string): boolean {
  return (
    sql
      .exec(`DELETE FROM push_subscriptions WHERE endpoint_digest = ? RETURNING id`, digest)
      .toArray().length > 0
  );
}

/**
 * Seals the contact channels set for notifications and builds the risk observations a change of
 * them makes, like `user.email_changed` / `user.phone_changed` events (hashed identifiers only).
 */
export async function prepareContacts(
  sql: SqlStorage,
  ring: KeyRing,
  linkKey: LinkKey | null,
  userId: string,
  contacts: NotificationContacts,
  nowMs: number,
): Promise<{ sealed: string; masked: Record<string, string>; observations: Observation[] }> {
  const clean: Record<string, string> = {};
  if (contacts.email) clean.email = contacts.email;
  if (contacts.phone) clean.phone = contacts.phone;
  const before = await openNotifyContacts(sql, ring, userId);
  const observations: Observation[] = [];
  const changes = [
    { field: "email", type: "user.email_changed" },
    { field: "phone", type: "user.phone_changed" },
  ] as const;
  for (const { field, type } of changes) {
    const value = clean[field];
    if (value === undefined || value === before?.[field]) continue;
    const event: FirstPartyEvent = {
      id: `notify-contact:${field}:${nowMs}`,
      type,
      userId,
      occurredAtMs: nowMs,
      data: { [field]: value },
    };
    const observation = await eventObservation(linkKey, userId, event);
    if (observation) observations.push(observation);
  }
  return {
    sealed: await seal(ring, JSON.stringify(clean), notifyContactContext(userId)),
    masked: maskedContact(clean),
    observations,
  };
}

export function commitContacts(
  tx: WalletTx,
  prepared: { sealed: string; masked: Record<string, string>; observations: Observation[] },
  nowMs: number,
): void {
  tx.sql.exec(
    `INSERT INTO notification_contacts (id, sealed, masked_json, updated_at_ms) VALUES (1, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET sealed = excluded.sealed, masked_json = excluded.masked_json,
       updated_at_ms = excluded.updated_at_ms`,
    prepared.sealed,
    JSON.stringify(prepared.masked),
    nowMs,
  );
  for (const observation of prepared.observations) {
    noteReported(tx.sql, observation);
    tx.enqueue(observationMessage(observation));
  }
}

export function maskedNotifyContacts(
  sql: SqlStorage,
): { masked: Record<string, string>; updatedAtMs: number } | null {
  const row = sql
    .exec<{ masked_json: string; updated_at_ms: number }>(
      `SELECT masked_json, updated_at_ms FROM notification_contacts WHERE id = 1`,
    )
    .toArray()[0];
  return row
    ? {
        masked: JSON.parse(row.masked_json) as Record<string, string>,
        updatedAtMs: row.updated_at_ms,
      }
    : null;
}

async function openNotifyContacts(
  sql: SqlStorage,
  ring: KeyRing,
  userId: string,
): Promise<NotificationContacts | null> {
  const row = sql
    .exec<{ sealed: string }>(`SELECT sealed FROM notification_contacts WHERE id = 1`)
    .toArray()[0];
  if (!row) return null;
  const opened = await open(ring, row.sealed, notifyContactContext(userId));
  return opened.ok ? (JSON.parse(opened.plaintext) as NotificationContacts) : null;
}

async function openSignupContact(
  sql: SqlStorage,
  ring: KeyRing,
  userId: string,
): Promise<NotificationContacts | null> {
  const contact = readContact(sql);
  if (!contact) return null;
  const opened = await open(ring, contact.sealed, contactContext(userId));
  return opened.ok ? (JSON.parse(opened.plaintext) as NotificationContacts) : null;
}

/**
 * The recipients of one user on the given channels, opened for a send: the e-mail and phone set
 * for notifications, else the signup's; every push subscription; the operator's webhook always.
 * A value that does not open (another key ring, tampering) is left out, never guessed.
 */
export async function openRecipients(
  sql: SqlStorage,
  ring: KeyRing | null,
  userId: string,
  channels: readonly NotificationChannel[],
): Promise<Recipient[]> {
  const recipients: Recipient[] = [];
  const wants = new Set(channels);
  if (wants.has("webhook")) recipients.push({ channel: "webhook" });
  if (!ring) return recipients;
  if (wants.has("email") || wants.has("sms")) {
    const set = (await openNotifyContacts(sql, ring, userId)) ?? {};
    const signup = (await openSignupContact(sql, ring, userId)) ?? {};
    const email = set.email ?? signup.email;
    const phone = set.phone ?? signup.phone;
    if (wants.has("email") && email) recipients.push({ channel: "email", address: email });
    if (wants.has("sms") && phone) recipients.push({ channel: "sms", phone });
  }
  if (wants.has("push")) {
    const rows = sql
      .exec<{ id: string; sealed: string }>(
        `SELECT id, sealed FROM push_subscriptions ORDER BY created_at_ms, id`,
      )
      .toArray();
    for (const row of rows) {
      const opened = await open(ring, row.sealed, pushContext(userId, row.id));
      if (!opened.ok) continue;
      recipients.push({
        channel: "push",
        subscription: JSON.parse(opened.plaintext) as PushSubscriptionKeys,
      });
    }
  }
  return recipients;
}
