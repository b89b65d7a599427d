import { type DbRouterEnv, globalDb } from "#shared/db/router";
import type { ApiEnv } from "#shared/env";
import {
  categoryOf,
  NOTIFICATION_TYPES,
  type NotificationCategory,
  type NotificationChannel,
  redactSecrets,
} from "#shared/notify/catalog";
import {
  type ChannelAdapter,
  ChannelError,
  type Recipient,
  type RenderedMessage,
} from "#shared/notify/channel";
import { deliveryIdFor } from "#shared/notify/delivery-id";
import type { NotificationEventMessage } from "#shared/notify/message";
import { decideDelivery } from "#shared/notify/policy";
import type { NotificationPreferences } from "#shared/notify/preferences";
import {
  canSignReceipts,
  clickUrl,
  openPixelUrl,
  pushReceiptUrl,
} from "#shared/notify/receipt-links";
import { capFor, type NotificationSettings } from "#shared/notify/settings";
import { unsubscribeUrlFor } from "#shared/notify/unsubscribe";
import { createLogger } from "#shared/observability/logger";
import { exponentialBackoff } from "#shared/retry/backoff";
import { batchPerDb, groupByDb, type OnDb } from "../../db/batch";
import { type CapRequest, claimCapSlots, isCapped } from "./caps";
import { type AdapterEnv, type AdapterOptions, adaptersFor } from "./channels/index";
import { deadLetterStatement } from "./dead-letters";
import {
  AWAITING_PUSH_OPEN,
  claimDeliveries,
  type DeliveryKey,
  type DeliveryOutcome,
  decisionStatement,
  FINAL_STATES,
  outcomeStatement,
  readDeliveries,
} from "./deliveries";
import {
  type DigestStep,
  type FlushedDigest,
  isDigestible,
  renderDigest,
  runDigestSteps,
} from "./digests";
import { resolveMerchantNames } from "./merchant-names";
import { readPreferences } from "./preferences-store";
import { providerRefStatement } from "./provider-refs";
import { recipientsFor } from "./recipients";
import { defaultPreferencesFor, readNotificationSettings } from "./settings-store";
import { loadTemplateBook } from "./templates-store";

const log = createLogger({ worker: "api", feature: "notifications" });

/** A channel that is down: 30 s, doubling, at most an hour (shared/retry/backoff.ts). */
export const NOTIFY_BACKOFF = { base: 30, cap: 3_600 };
/** The longest delay a queue message may carry: a deferral further out is decided again then. */
export const MAX_QUEUE_DELAY_SEC = 43_200;
/** How long a consumer holds a delivery it is sending before another may claim it. */
const SEND_LEASE_MS = 60_000;

export type RouterEnv = Pick<
  ApiEnv,
  | "DB"
  | "CONFIG_KV"
  | "WALLET"
  | "NOTIFY_TRANSACTIONAL"
  | "NOTIFY_PROMOTIONAL"
  | "NOTIFY_CHANNEL"
  | "NOTIFY_WEBHOOK_URL"
  | "NOTIFY_WEBHOOK_SECRET"
  | "ALLOW_INSECURE_URLS"
  | "EMAIL_PROVIDER"
  | "SMS_PROVIDER"
  | "WEB_PUSH"
  | "NOTIFY_LINK_KEY"
  | "NOTIFY_LINK_BASE_URL"
> &
  AdapterEnv;

export interface RouterOptions extends AdapterOptions {
  /** Adapters to use instead of the configured ones (tests). */
  adapters?: Map<NotificationChannel, ChannelAdapter>;
  /** The delivery decision (shared/notify/policy.ts); tests pass one that defers. */
  decide?: typeof decideDelivery;
}

/** One event of a queue batch with how often the queue has delivered it. */
export interface InboundEvent {
  event: NotificationEventMessage;
  attempts: number;
}

/** What the consumer does with the message that carried an event. */
export type EventOutcome = { action: "ack" } | { action: "retry"; delaySeconds: number };

interface Candidate {
  key: DeliveryKey;
  index: number;
  event: NotificationEventMessage;
  channel: NotificationChannel;
  category: NotificationCategory;
  prefs: NotificationPreferences;
  recipient: Recipient | null;
}

/** Pure: seconds until `untilMs`, within what a queue message may carry (at least 1). */
export function deferDelaySeconds(untilMs: number, nowMs: number): number {
  return Math.min(MAX_QUEUE_DELAY_SEC, Math.max(1, Math.ceil((untilMs - nowMs) / 1000)));
}

/**
 * Routes one queue batch of notification events: preferences for every recipient at once, then
 * for each event and each channel the operator configured a decision (shared/notify/policy.ts):
 *
 * - send: the recipients are looked up, the template rendered, the delivery claimed in D1 and
 *   handed to the channel's adapter. A delivery already `sent` is never sent again.
 * - defer: recorded `deferred`; the event is published again with a delay (at most 12 hours)
 *   and decided again when it arrives.
 * - skip: recorded `skipped` with the reason.
 *
 * D1 is written in batches per queue batch. A retryable channel failure retries the event with
 * the backoff helper; a non-retryable one dead-letters that delivery at once.
 */
export async function routeEvents(
  env: RouterEnv,
  inbound: readonly InboundEvent[],
  nowMs: number,
  options: RouterOptions = {},
): Promise<EventOutcome[]> {
  const outcomes: EventOutcome[] = inbound.map(() => ({ action: "ack" }));
  const adapters = options.adapters ?? adaptersFor(env, options);
  const channels = [...adapters.keys()];
  const known = inbound
    .map((item, index) => ({ ...item, index }))
    .filter(({ event }) => {
      if (Object.hasOwn(NOTIFICATION_TYPES, event.type)) return true;
      log.error("notification.unknown_type", { eventId: event.id, type: String(event.type) });
      return false;
    });
  if (known.length === 0 || channels.length === 0) return outcomes;
  // Merchants by display name, not catalog id: one D1 read for the batch (merchant-names.ts).
  const valid = await resolveMerchantNames(env.DB, known);

  // The operator's settings once a batch: defaults for users without preferences, the
  // promotional send window, caps, digests (features/notifications/settings-store.ts).
  const { settings } = await readNotificationSettings(env.DB);
  const { routed, digests } = await digestEvents(env, settings, valid, nowMs);
  if (routed.length === 0) return outcomes;
  const userIds = [...new Set(routed.map(({ event }) => event.userId))];
  const prefsByUser = await readPreferences(env, userIds, defaultPreferencesFor(settings));
  const recipientsByUser = new Map(
    await Promise.all(
      userIds.map(async (userId) => [userId, await recipientsFor(env, userId, channels)] as const),
    ),
  );

  const candidates: Candidate[] = [];
  for (const { event, index } of routed) {
    const category = categoryOf(event.type);
    const prefs = prefsByUser.get(event.userId) as NotificationPreferences;
    // An escalation of an unopened push goes by e-mail only (escalation.ts).
    for (const channel of event.escalation ? channels.filter((c) => c === "email") : channels) {
      const recipients = (recipientsByUser.get(event.userId) ?? []).filter(
        (r) => r.channel === channel,
      );
      const base = { index, event, channel, category, prefs };
      const keyOf = (id: string): DeliveryKey => ({
        id,
        eventId: event.id,
        userId: event.userId,
        type: event.type,
        category,
        channel,
      });
      if (recipients.length === 0) {
        const id = await deliveryIdFor(event.id, channel, noRecipient(channel));
        candidates.push({ ...base, key: keyOf(id), recipient: null });
      }
      for (const recipient of recipients) {
        const id = await deliveryIdFor(event.id, channel, recipient);
        candidates.push({ ...base, key: keyOf(id), recipient });
      }
    }
  }

  const existing = await readDeliveries(
    env,
    candidates.map((c) => c.key),
  );
  // Deliveries live in their user's database (shared/db/router.ts): decisions and outcomes
  // are grouped per database, one D1 batch each.
  const decisions: OnDb[] = [];
  const toSend: Candidate[] = [];
  const deferUntil = new Map<number, number>();
  const retryAfter = new Map<number, number>();
  for (const candidate of candidates) {
    const row = existing.get(candidate.key.id);
    if (row && FINAL_STATES.includes(row.state)) continue;
    if (row?.state === "sending" && (row.leaseUntilMs ?? 0) >= nowMs) {
      // Another consumer is sending it: look again once its lease has run out.
      const waitSec = deferDelaySeconds((row.leaseUntilMs ?? nowMs) + 1_000, nowMs);
      retryAfter.set(candidate.index, Math.max(retryAfter.get(candidate.index) ?? 0, waitSec));
      continue;
    }
    const decision = (options.decide ?? decideDelivery)({
      type: candidate.event.type,
      category: candidate.category,
      channel: candidate.channel,
      nowMs,
      prefs: candidate.prefs,
      sendWindow: settings.sendWindow,
    });
    if (decision.action === "skip") {
      decisions.push(
        decisionStatement(env, candidate.key, "skipped", decision.reason, null, nowMs),
      );
    } else if (decision.action === "defer") {
      decisions.push(
        decisionStatement(env, candidate.key, "deferred", decision.reason, decision.untilMs, nowMs),
      );
      const current = deferUntil.get(candidate.index);
      deferUntil.set(candidate.index, Math.min(current ?? decision.untilMs, decision.untilMs));
    } else if (candidate.recipient === null) {
      decisions.push(decisionStatement(env, candidate.key, "skipped", "no_recipient", null, nowMs));
    } else {
      toSend.push(candidate);
    }
  }
  // Frequency caps: one slot per (user, category, event), whatever the channels.
  const refused = await refusedByCaps(env, settings, toSend, nowMs);
  const held = heldForPush(settings, candidates, toSend, existing, refused);
  const allowed = toSend.filter((c) => !refused.has(c.event.id) && !held.has(c.key.id));
  for (const candidate of toSend) {
    if (refused.has(candidate.event.id)) {
      decisions.push(decisionStatement(env, candidate.key, "skipped", "capped", null, nowMs));
    } else if (held.has(candidate.key.id)) {
      // Escalation: the e-mail waits for the push to be opened (escalation.ts sweeps it).
      const hours = settings.escalateUnopenedPushAfterHours ?? 0;
      decisions.push(
        decisionStatement(
          env,
          candidate.key,
          "deferred",
          AWAITING_PUSH_OPEN,
          nowMs + hours * 3_600_000,
          nowMs,
        ),
      );
    }
  }
  await batchPerDb(groupByDb(decisions));

  const claimed = await claimDeliveries(
    env,
    allowed.map((c) => c.key),
    nowMs,
    SEND_LEASE_MS,
  );
  const sending = allowed.filter((c) => claimed.has(c.key.id));
  // The operator's templates, once per batch (features/notifications/templates-store.ts).
  const book = sending.length > 0 ? await loadTemplateBook(env, settings.defaultLocale) : null;
  const unsubscribeUrls = await unsubscribeLinks(env, sending, nowMs);
  const results = await Promise.all(
    sending.map(async (candidate) => {
      try {
        const { prefs, event } = candidate;
        const digest = digests.get(candidate.index);
        const rendered = digest
          ? renderDigest(digest, prefs.locale, prefs.timeZone)
          : (book as NonNullable<typeof book>).render(
              event.type,
              event.vars,
              prefs.locale,
              prefs.timeZone,
            );
        const unsubscribeUrl = unsubscribeUrls.get(event.userId);
        const message: RenderedMessage = await withReceiptLinks(
          env,
          settings,
          candidate,
          candidate.category === "promotional" && unsubscribeUrl
            ? { ...rendered, unsubscribeUrl }
            : rendered,
        );
        const adapter = adapters.get(candidate.channel) as ChannelAdapter;
        const sent = await adapter.send({
          deliveryId: candidate.key.id,
          eventId: event.id,
          userId: event.userId,
          type: event.type,
          category: candidate.category,
          message,
          recipient: candidate.recipient as Recipient,
          vars: event.vars,
        });
        const outcome: DeliveryOutcome = {
          ...sentOutcome(candidate.key.id, sent.providerRef),
          ...(sent.delivered ? { delivered: true } : {}),
          ...(keepsEvent(settings, candidate) ? { event: JSON.stringify(event) } : {}),
        };
        return { candidate, outcome };
      } catch (error) {
        const retryable = !(error instanceof ChannelError) || error.retryable;
        // Stored as the delivery's reason (and a dead letter's error): never a step-up code,
        // whatever an adapter's error quoted.
        const reason = redactSecrets(
          error instanceof Error ? error.message : "unknown error",
          candidate.event.type,
          candidate.event.vars,
        );
        log.warn("notification.not_sent", {
          deliveryId: candidate.key.id,
          eventId: candidate.event.id,
          channel: candidate.channel,
          retryable,
          error: error instanceof Error ? error.name : "unknown",
        });
        const outcome: DeliveryOutcome = {
          id: candidate.key.id,
          state: retryable ? "failed" : "dead",
          reason,
          // A push that cannot be delivered is escalated too (its e-mail is held).
          ...(keepsEvent(settings, candidate) ? { event: JSON.stringify(candidate.event) } : {}),
        };
        return { candidate, outcome };
      }
    }),
  );

  const writes: OnDb[] = [];
  // Global rows first (dead letters, provider ids → users), then the deliveries on their
  // users' databases: a delivery is never dead without its letter, and a provider's receipt
  // for a sent message finds its user. At one user database all of it is one batch.
  const globalWrites: D1PreparedStatement[] = [];
  for (const { candidate, outcome } of results) {
    writes.push(outcomeStatement(env, candidate.event.userId, outcome, nowMs));
    if (outcome.state === "sent" && outcome.providerRef) {
      globalWrites.push(
        providerRefStatement(
          env,
          {
            channel: candidate.channel,
            providerRef: outcome.providerRef,
            userId: candidate.event.userId,
          },
          nowMs,
        ),
      );
    }
    if (outcome.state === "dead") {
      globalWrites.push(
        deadLetterStatement(
          globalDb(env),
          {
            deliveryId: candidate.key.id,
            event: candidate.event,
            channel: candidate.channel,
            error: outcome.reason,
            attempts: claimed.get(candidate.key.id) ?? 1,
          },
          nowMs,
        ),
      );
    } else if (outcome.state === "failed") {
      const attempts = inbound[candidate.index]?.attempts ?? 1;
      const delay = exponentialBackoff(attempts, NOTIFY_BACKOFF);
      retryAfter.set(candidate.index, Math.max(retryAfter.get(candidate.index) ?? 0, delay));
    }
  }
  await batchPerDb(groupByDb(writes), globalDb(env), globalWrites);

  for (const [index, delaySeconds] of retryAfter) {
    outcomes[index] = { action: "retry", delaySeconds };
  }
  // Deferred events go back on their queue with a delay; one that also retries needs no copy.
  const republish = [...deferUntil].filter(([index]) => !retryAfter.has(index));
  await republishDeferred(env, inbound, republish, nowMs, outcomes);
  return outcomes;
}

/**
 * Digests (features/notifications/digests.ts): an event of a digestible type (never critical)
 * joins its user's open digest instead of going now; the one that opens it publishes a delayed
 * flush message (the event with `digestId`, id `${firstEventId}:digest`) on its queue. A flush
 * message closes the digest and is routed as one event rendered with `renderDigest`.
 * The whole batch's joins and flushes are one D1 batch (`runDigestSteps`), in batch order.
 */
async function digestEvents<T extends { event: NotificationEventMessage; index: number }>(
  env: RouterEnv,
  settings: NotificationSettings,
  events: readonly T[],
  nowMs: number,
): Promise<{ routed: T[]; digests: Map<number, FlushedDigest> }> {
  const digests = new Map<number, FlushedDigest>();
  const stepped: Array<{ item: T; step: DigestStep }> = [];
  /** Per event: routed now (no step), or waiting for its step's result. */
  const plan: Array<{ item: T; stepAt: number | null }> = [];
  for (const item of events) {
    const { event } = item;
    if (event.digestId !== undefined) {
      plan.push({ item, stepAt: stepped.length });
      stepped.push({
        item,
        step: { kind: "flush", digestId: event.digestId, userId: event.userId },
      });
    } else if (
      categoryOf(event.type) === "critical" ||
      event.escalation ||
      !isDigestible(settings, event.type)
    ) {
      plan.push({ item, stepAt: null });
    } else {
      plan.push({ item, stepAt: stepped.length });
      stepped.push({ item, step: { kind: "join", event } });
    }
  }
  const results = await runDigestSteps(
    env,
    stepped.map(({ step }) => step),
    settings.digest.windowSeconds,
    nowMs,
  );
  const routed: T[] = [];
  const flushes = new Map<NotificationCategory, MessageSendRequest<NotificationEventMessage>[]>();
  for (const { item, stepAt } of plan) {
    const result = stepAt === null ? null : results[stepAt];
    if (result === null) {
      routed.push(item);
    } else if (result?.action === "flush") {
      if (result.digest === null || result.digest.items.length === 0) continue;
      digests.set(item.index, result.digest);
      routed.push(item);
    } else if (result?.action === "opened") {
      const category = categoryOf(item.event.type);
      const list = flushes.get(category) ?? [];
      list.push({
        body: { ...item.event, id: `${item.event.id}:digest`, digestId: result.digestId },
        delaySeconds: deferDelaySeconds(result.flushAtMs, nowMs),
      });
      flushes.set(category, list);
    }
  }
  // The opened digests' flush messages, one send per queue (a queue batch holds at most 100).
  for (const [category, list] of flushes) {
    for (let at = 0; at < list.length; at += 100) {
      await queueFor(env, category).sendBatch(list.slice(at, at + 100));
    }
  }
  return { routed, digests };
}

/**
 * The events the operator's caps refuse: each (user, capped category, event) claims one slot
 * (features/notifications/caps.ts), all in one D1 batch whose conditional claims run in
 * order in one transaction, so concurrent events of one user never pass a cap. Critical is
 * never capped; a redelivered event keeps its slot.
 */
async function refusedByCaps(
  env: DbRouterEnv,
  settings: NotificationSettings,
  toSend: readonly Candidate[],
  nowMs: number,
): Promise<Set<string>> {
  const requests: CapRequest[] = [];
  const asked = new Set<string>();
  for (const candidate of toSend) {
    const { event, category, prefs } = candidate;
    if (asked.has(event.id)) continue;
    const cap = capFor(settings, category);
    if (!isCapped(category, cap)) continue;
    asked.add(event.id);
    requests.push({
      claim: { userId: event.userId, category, eventId: event.id, timeZone: prefs.timeZone, nowMs },
      cap,
    });
  }
  const answers = await claimCapSlots(env, requests);
  return new Set(requests.filter((_, i) => !answers[i]).map(({ claim }) => claim.eventId));
}

/**
 * Escalation (the operator's `escalateUnopenedPushAfterHours`): a transactional event going to
 * a push subscription holds its e-mail deliveries, which the escalation sweep sends if no push
 * of the event is opened in time. Held only when a push of the event is being sent now or
 * already was (a redelivered event finds its push final); never for an escalation itself.
 */
function heldForPush(
  settings: NotificationSettings,
  candidates: readonly Candidate[],
  toSend: readonly Candidate[],
  existing: ReadonlyMap<string, { state: string }>,
  refused: ReadonlySet<string>,
): Set<string> {
  const held = new Set<string>();
  if (settings.escalateUnopenedPushAfterHours === null) return held;
  const sending = new Set(toSend.map((c) => c.key.id));
  const pushed = new Set<string>();
  for (const c of candidates) {
    if (c.channel !== "push" || c.recipient === null || refused.has(c.event.id)) continue;
    const state = existing.get(c.key.id)?.state;
    if (sending.has(c.key.id) || state === "sent" || state === "sending") pushed.add(c.event.id);
  }
  for (const c of toSend) {
    if (
      c.channel === "email" &&
      c.category === "transactional" &&
      !c.event.escalation &&
      pushed.has(c.event.id)
    ) {
      held.add(c.key.id);
    }
  }
  return held;
}

/** A transactional push keeps its event for the escalation sweep while escalation is on. */
function keepsEvent(settings: NotificationSettings, candidate: Candidate): boolean {
  return (
    candidate.channel === "push" &&
    candidate.category === "transactional" &&
    settings.escalateUnopenedPushAfterHours !== null
  );
}

/**
 * Receipt links (shared/notify/receipt-links.ts), when NOTIFY_LINK_KEY and
 * NOTIFY_LINK_BASE_URL are set: a push carries its signed receipt URL; an e-mail gets the open
 * pixel and its link through the signed click redirect when the operator tracks them.
 */
async function withReceiptLinks(
  env: RouterEnv,
  settings: NotificationSettings,
  candidate: Candidate,
  message: RenderedMessage,
): Promise<RenderedMessage> {
  if (!canSignReceipts(env)) return message;
  // The link names the user, so its receipt goes straight to the user's database.
  const id = { id: candidate.key.id, userId: candidate.key.userId };
  if (candidate.channel === "push") {
    return { ...message, receiptUrl: await pushReceiptUrl(env, id) };
  }
  if (candidate.channel !== "email") return message;
  const { opens, clicks } = settings.emailTracking;
  let tracked = message;
  if (opens) tracked = { ...tracked, openPixelUrl: await openPixelUrl(env, id) };
  if (clicks && tracked.url) tracked = { ...tracked, url: await clickUrl(env, id, tracked.url) };
  return tracked;
}

/** One signed unsubscribe link per user with a promotional message to send (when configured). */
async function unsubscribeLinks(
  env: RouterEnv,
  sending: readonly Candidate[],
  nowMs: number,
): Promise<Map<string, string>> {
  const links = new Map<string, string>();
  if (!env.NOTIFY_LINK_KEY || !env.NOTIFY_LINK_BASE_URL) return links;
  for (const { category, event } of sending) {
    if (category !== "promotional" || links.has(event.userId)) continue;
    links.set(event.userId, await unsubscribeUrlFor(env, event.userId, nowMs));
  }
  return links;
}

async function republishDeferred(
  env: RouterEnv,
  inbound: readonly InboundEvent[],
  deferred: ReadonlyArray<readonly [number, number]>,
  nowMs: number,
  outcomes: EventOutcome[],
): Promise<void> {
  const byQueue = new Map<Queue<NotificationEventMessage>, Array<readonly [number, number]>>();
  for (const entry of deferred) {
    const event = inbound[entry[0]]?.event as NotificationEventMessage;
    const queue = queueFor(env, categoryOf(event.type));
    byQueue.set(queue, [...(byQueue.get(queue) ?? []), entry]);
  }
  for (const [queue, entries] of byQueue) {
    try {
      await queue.sendBatch(
        entries.map(([index, untilMs]) => ({
          body: (inbound[index] as InboundEvent).event,
          delaySeconds: deferDelaySeconds(untilMs, nowMs),
        })),
      );
    } catch {
      // The queue did not take them: the original messages wait and come back instead.
      for (const [index, untilMs] of entries) {
        outcomes[index] = { action: "retry", delaySeconds: deferDelaySeconds(untilMs, nowMs) };
      }
    }
  }
}

/** The queue an event of `category` travels on. */
export function queueFor(
  env: Pick<ApiEnv, "NOTIFY_TRANSACTIONAL" | "NOTIFY_PROMOTIONAL">,
  category: NotificationCategory,
): Queue<NotificationEventMessage> {
  return category === "promotional" ? env.NOTIFY_PROMOTIONAL : env.NOTIFY_TRANSACTIONAL;
}

function sentOutcome(id: string, providerRef: string | undefined): DeliveryOutcome {
  return { id, state: "sent", providerRef: providerRef ?? null };
}

/** The recipient a channel's "no address" row is keyed on (recorded as skipped). */
function noRecipient(channel: NotificationChannel): Recipient {
  switch (channel) {
    case "webhook":
      return { channel };
    case "email":
      return { channel, address: "" };
    case "sms":
      return { channel, phone: "" };
    case "push":
      return { channel, subscription: { endpoint: "", p256dh: "", auth: "" } };
  }
}
