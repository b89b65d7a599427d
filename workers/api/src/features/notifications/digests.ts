import { type DbRouterEnv, userDb } from "#shared/db/router";
import type { NotificationType } from "#shared/notify/catalog";
import type { RenderedMessage } from "#shared/notify/channel";
import type { NotificationEventMessage, NotificationVarValue } from "#shared/notify/message";
import { renderTemplate } from "#shared/notify/render";
import type { NotificationSettings } from "#shared/notify/settings";
import { DEFAULT_TEMPLATES } from "#shared/notify/templates";

/**
 * Digests: a burst of one digestible type for one user (five credits in a minute) becomes one
 * message. The first event opens a digest and the caller schedules its flush `windowSeconds`
 * later (a delayed queue message); later events join the open digest; the flush closes it and
 * renders one message listing them all. Joining and closing are each one D1 transaction, so an
 * event joins either the digest being flushed (and is listed) or a new one, never neither.
 * `notification_digests` and `notification_digest_items` are user tables spread over the user
 * databases (shared/db/placement.ts `ROUTED`): a digest and its items live in their user's.
 */

/** Pure: whether an event of this type is digested rather than sent on its own. */
export function isDigestible(settings: NotificationSettings, type: NotificationType): boolean {
  return settings.digest.types.includes(type);
}

export type DigestJoin =
  /** The event opened a digest: schedule flushDigest(digestId) at flushAtMs. */
  | { action: "opened"; digestId: string; flushAtMs: number }
  /** The event joined an open digest whose flush is already scheduled: nothing to send now. */
  | { action: "joined"; digestId: string; flushAtMs: number }
  /** A redelivery of an event already in a digest: nothing to do. */
  | { action: "duplicate" };

type DigestEvent = Pick<
  NotificationEventMessage,
  "id" | "userId" | "type" | "vars" | "occurredAtMs"
>;

/** One step of a router batch's digest work, in the batch's order. */
export type DigestStep =
  /** An event of a digestible type joins its user's open digest (opening one when none is). */
  | { kind: "join"; event: DigestEvent }
  /**
   * A flush message: close the digest (if still open) and read what it lists. The message is
   * the opening event with `digestId` added, so it has always named the user, whose database
   * holds the digest.
   */
  | { kind: "flush"; digestId: string; userId: string };

export type DigestStepResult =
  | DigestJoin
  /** The digest as closed, now or by an earlier delivery of the flush; null when there is none. */
  | { action: "flush"; digest: FlushedDigest | null };

/**
 * A router batch's digest work: digests live in their user's database (shared/db/placement.ts
 * `ROUTED`), so the steps are grouped per user database and each group is one D1 batch
 * (`stepsOn`); a user's steps keep their order in their group. Answers one result per step,
 * in the order given.
 */
export async function runDigestSteps(
  env: DbRouterEnv,
  steps: readonly DigestStep[],
  windowSeconds: number,
  nowMs: number,
): Promise<DigestStepResult[]> {
  const groups = new Map<D1Database, number[]>();
  steps.forEach((step, i) => {
    const db = userDb(env, step.kind === "flush" ? step.userId : step.event.userId);
    groups.set(db, [...(groups.get(db) ?? []), i]);
  });
  const answers: DigestStepResult[] = new Array(steps.length);
  await Promise.all(
    [...groups].map(async ([db, at]) => {
      const results = await stepsOn(
        db,
        at.map((i) => steps[i] as DigestStep),
        windowSeconds,
        nowMs,
      );
      at.forEach((i, k) => {
        answers[i] = results[k] as DigestStepResult;
      });
    }),
  );
  return answers;
}

/**
 * One user database's digest work in ONE D1 batch: per join an upsert on the user's open digest
 * of that type (`ON CONFLICT … DO UPDATE`) and the event's row, per flush the close, all in the
 * batch's order in its one transaction (so an event joins either the digest being flushed or
 * a new one, and a later join of the batch sees an earlier one's digest), then three reads:
 * which digest each joined event is in, and the flushed digests' heads and items. Answers one
 * result per step, in order.
 */
async function stepsOn(
  db: D1Database,
  steps: readonly DigestStep[],
  windowSeconds: number,
  nowMs: number,
): Promise<DigestStepResult[]> {
  if (steps.length === 0) return [];
  const flushAtMs = nowMs + windowSeconds * 1000;
  const statements: D1PreparedStatement[] = [];
  /** Per step: the index of its upsert (joins) and the digest id it proposed. */
  const plan: Array<{ upsertAt: number; proposedId: string } | null> = [];
  const joinKeys: Array<[string, string, string]> = [];
  const flushIds: string[] = [];
  for (const step of steps) {
    if (step.kind === "flush") {
      flushIds.push(step.digestId);
      plan.push(null);
      statements.push(
        db
          .prepare(
            `UPDATE notification_digests SET flushed_at_ms = ?2
             WHERE id = ?1 AND flushed_at_ms IS NULL`,
          )
          .bind(step.digestId, nowMs),
      );
      continue;
    }
    const { event } = step;
    const proposedId = `dg_${crypto.randomUUID()}`;
    plan.push({ upsertAt: statements.length, proposedId });
    joinKeys.push([event.userId, event.type, event.id]);
    statements.push(
      // Open a digest, or count one more in the open one; neither for an event already listed.
      db
        .prepare(
          `INSERT INTO notification_digests
             (id, user_id, type, first_event_id, item_count, opened_at_ms, flush_at_ms)
           SELECT ?1, ?2, ?3, ?4, 1, ?5, ?6
           WHERE NOT EXISTS (SELECT 1 FROM notification_digest_items
                             WHERE user_id = ?2 AND type = ?3 AND event_id = ?4)
           ON CONFLICT (user_id, type) WHERE flushed_at_ms IS NULL
           DO UPDATE SET item_count = item_count + 1`,
        )
        .bind(proposedId, event.userId, event.type, event.id, nowMs, flushAtMs),
      db
        .prepare(
          `INSERT INTO notification_digest_items
             (user_id, type, event_id, digest_id, vars, occurred_at_ms)
           SELECT ?1, ?2, ?3, id, ?4, ?5 FROM notification_digests
           WHERE user_id = ?1 AND type = ?2 AND flushed_at_ms IS NULL
           ON CONFLICT (user_id, type, event_id) DO NOTHING`,
        )
        .bind(event.userId, event.type, event.id, JSON.stringify(event.vars), event.occurredAtMs),
    );
  }
  const readsAt = statements.length;
  statements.push(
    db
      .prepare(
        `SELECT i.user_id, i.type, i.event_id, d.id, d.flush_at_ms FROM json_each(?1) j
         JOIN notification_digest_items i
           ON i.user_id = json_extract(j.value, '$[0]')
          AND i.type = json_extract(j.value, '$[1]')
          AND i.event_id = json_extract(j.value, '$[2]')
         JOIN notification_digests d ON d.id = i.digest_id`,
      )
      .bind(JSON.stringify(joinKeys)),
    db
      .prepare(
        `SELECT id, user_id, type, first_event_id FROM notification_digests
         WHERE id IN (SELECT value FROM json_each(?1)) AND flushed_at_ms IS NOT NULL`,
      )
      .bind(JSON.stringify(flushIds)),
    db
      .prepare(
        `SELECT digest_id, event_id, vars, occurred_at_ms FROM notification_digest_items
         WHERE digest_id IN (SELECT value FROM json_each(?1))
         ORDER BY digest_id, occurred_at_ms, event_id`,
      )
      .bind(JSON.stringify(flushIds)),
  );
  const results = await db.batch(statements);
  const joined = new Map(
    (
      (results[readsAt]?.results ?? []) as Array<{
        user_id: string;
        type: string;
        event_id: string;
        id: string;
        flush_at_ms: number;
      }>
    ).map((r) => [JSON.stringify([r.user_id, r.type, r.event_id]), r]),
  );
  const heads = new Map(
    (
      (results[readsAt + 1]?.results ?? []) as Array<{
        id: string;
        user_id: string;
        type: NotificationType;
        first_event_id: string;
      }>
    ).map((r) => [r.id, r]),
  );
  const itemsOf = new Map<string, FlushedDigest["items"]>();
  for (const r of (results[readsAt + 2]?.results ?? []) as Array<{
    digest_id: string;
    event_id: string;
    vars: string;
    occurred_at_ms: number;
  }>) {
    const items = itemsOf.get(r.digest_id) ?? [];
    items.push({
      eventId: r.event_id,
      vars: JSON.parse(r.vars) as Record<string, NotificationVarValue>,
      occurredAtMs: r.occurred_at_ms,
    });
    itemsOf.set(r.digest_id, items);
  }
  return steps.map((step, i): DigestStepResult => {
    if (step.kind === "flush") {
      const head = heads.get(step.digestId);
      if (!head) return { action: "flush", digest: null };
      return {
        action: "flush",
        digest: {
          digestId: step.digestId,
          userId: head.user_id,
          type: head.type,
          firstEventId: head.first_event_id,
          items: itemsOf.get(step.digestId) ?? [],
        },
      };
    }
    const { upsertAt, proposedId } = plan[i] as { upsertAt: number; proposedId: string };
    const { event } = step;
    const digest = joined.get(JSON.stringify([event.userId, event.type, event.id]));
    if (!digest || (results[upsertAt]?.meta.changes ?? 0) === 0) return { action: "duplicate" };
    return digest.id === proposedId
      ? { action: "opened", digestId: digest.id, flushAtMs: digest.flush_at_ms }
      : { action: "joined", digestId: digest.id, flushAtMs: digest.flush_at_ms };
  });
}

/** Joins an event to its user's open digest of its type, opening one when none is open. */
export async function joinDigest(
  env: DbRouterEnv,
  event: DigestEvent,
  windowSeconds: number,
  nowMs: number,
): Promise<DigestJoin> {
  const [result] = await runDigestSteps(env, [{ kind: "join", event }], windowSeconds, nowMs);
  return result && result.action !== "flush" ? result : { action: "duplicate" };
}

export interface FlushedDigest {
  digestId: string;
  userId: string;
  type: NotificationType;
  /** The event that opened it: `${firstEventId}:digest` is the digest message's idempotency key. */
  firstEventId: string;
  items: Array<{
    eventId: string;
    vars: Record<string, NotificationVarValue>;
    occurredAtMs: number;
  }>;
}

/**
 * Closes a digest and returns what it lists, oldest first; null when it was flushed already
 * (a redelivered flush message), so a digest is sent at most once per flush.
 */
export async function flushDigest(
  env: DbRouterEnv,
  digest: { digestId: string; userId: string },
  nowMs: number,
): Promise<FlushedDigest | null> {
  const { digestId } = digest;
  const db = userDb(env, digest.userId);
  const [closed, items] = await db.batch([
    db
      .prepare(
        `UPDATE notification_digests SET flushed_at_ms = ?2
         WHERE id = ?1 AND flushed_at_ms IS NULL
         RETURNING user_id, type, first_event_id`,
      )
      .bind(digestId, nowMs),
    db
      .prepare(
        `SELECT event_id, vars, occurred_at_ms FROM notification_digest_items
         WHERE digest_id = ? ORDER BY occurred_at_ms, event_id`,
      )
      .bind(digestId),
  ]);
  return digestFromRows(digestId, closed, items);
}

/** A digest from its head row and its items' rows, as one batch read them; null without a head. */
function digestFromRows(
  digestId: string,
  head: D1Result | undefined,
  items: D1Result | undefined,
): FlushedDigest | null {
  const row = head?.results[0] as
    | { user_id: string; type: NotificationType; first_event_id: string }
    | undefined;
  if (!row) return null;
  return {
    digestId,
    userId: row.user_id,
    type: row.type,
    firstEventId: row.first_event_id,
    items: (
      (items?.results ?? []) as Array<{ event_id: string; vars: string; occurred_at_ms: number }>
    ).map((r) => ({
      eventId: r.event_id,
      vars: JSON.parse(r.vars) as Record<string, NotificationVarValue>,
      occurredAtMs: r.occurred_at_ms,
    })),
  };
}

/**
 * Pure: one message listing a digest's events, each line rendered with the type's built-in
 * template body; one event renders as that event's own message.
 */
export function renderDigest(
  digest: Pick<FlushedDigest, "type" | "items">,
  locale: string,
  timeZone: string,
): RenderedMessage {
  const template = DEFAULT_TEMPLATES[digest.type];
  const lines = digest.items.map((item) =>
    renderTemplate(digest.type, template, item.vars, locale, timeZone),
  );
  if (lines.length === 1 && lines[0]) return lines[0];
  return {
    locale,
    title: `${template.title} (${lines.length})`,
    body: lines.map((line) => `• ${line.body}`).join("\n"),
  };
}
