import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { SegmentsProjection } from "#shared/messages";
import type { PromoFanoutMessage } from "#shared/notify/fanout";
import type { NotificationEventMessage } from "#shared/notify/message";
import { DEFAULT_PREFERENCES } from "#shared/notify/preferences";
import { writePreferences } from "#workers/api/src/features/notifications/preferences-store";
import apiWorker from "#workers/api/src/index";
import { ADMIN_HEADERS, adminPut, api, eventually, uniqueUser } from "./helpers";

/**
 * Promotional sends (docs/notifications.md "Promotional sends"): members' segments projected
 * from their wallets into D1, the admin API, and the fan-out through the api worker's queue
 * handler. Steps are delivered by hand where the test must see what each one sent.
 */

function recordingQueue<T>() {
  const sent: T[] = [];
  const queue = {
    send: async (body: T) => {
      sent.push(body);
    },
    sendBatch: async (batch: Iterable<{ body: T }>) => {
      for (const m of batch) sent.push(m.body);
    },
  } as unknown as Queue<T>;
  return { sent, queue };
}

async function registerUser(userId: string): Promise<void> {
  await env.DB.prepare(
    "INSERT OR IGNORE INTO users (id, display_name, created_at_ms) VALUES (?1, NULL, ?2)",
  )
    .bind(userId, Date.now())
    .run();
}

async function segmentMembers(userId: string): Promise<string[]> {
  const { results } = await env.DB.prepare(
    "SELECT segment FROM member_segments WHERE user_id = ?1 ORDER BY segment",
  )
    .bind(userId)
    .all<{ segment: string }>();
  return results.map((r) => r.segment);
}

async function optIn(userId: string, on: boolean): Promise<void> {
  await writePreferences(env, userId, { ...DEFAULT_PREFERENCES, promotionalOptIn: on }, Date.now());
}

/** `count` members of `segment` straight into D1 (`<prefix>-00001`…), every third opted in. */
async function seedSegment(segment: string, prefix: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(5, "0")}`);
  const optedIn = ids.filter((_, i) => i % 3 === 0);
  for (let at = 0; at < ids.length; at += 500) {
    const chunk = JSON.stringify(ids.slice(at, at + 500));
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO member_segments (segment, user_id) SELECT ?1, value FROM json_each(?2)",
      ).bind(segment, chunk),
      env.DB.prepare(
        `INSERT INTO users (id, display_name, created_at_ms)
         SELECT value, NULL, 0 FROM json_each(?1)`,
      ).bind(chunk),
    ]);
  }
  const prefs = JSON.stringify({ ...DEFAULT_PREFERENCES, promotionalOptIn: true });
  for (let at = 0; at < optedIn.length; at += 500) {
    await env.DB.prepare(
      `INSERT INTO notification_preferences (user_id, prefs, updated_at_ms)
       SELECT value, ?1, 0 FROM json_each(?2)`,
    )
      .bind(prefs, JSON.stringify(optedIn.slice(at, at + 500)))
      .run();
  }
  return optedIn;
}

async function createSend(body: Record<string, unknown>) {
  const response = await api("/admin/v1/notifications/promotions", {
    method: "POST",
    headers: ADMIN_HEADERS,
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; status: string; audience: number };
}

async function readSend(id: string) {
  const response = await api(`/admin/v1/notifications/promotions/${id}`, {
    headers: ADMIN_HEADERS,
  });
  expect(response.status).toBe(200);
  return (await response.json()) as {
    status: string;
    enqueued: number;
    skipped: number;
    audience: number;
  };
}

/** A send created for later (so the real queue's first step waits), then made due. */
async function dueSend(segment: string): Promise<string> {
  const send = await createSend({
    segment,
    headline: "Flash sale",
    body: "Double cashback until midnight",
    url: "https://shop.test/flash",
    sendAtMs: Date.now() + 3_600_000,
  });
  expect(send.status).toBe("scheduled");
  await env.DB.prepare("UPDATE promo_sends SET send_at_ms = ?1 WHERE id = ?2")
    .bind(Date.now() - 1, send.id)
    .run();
  return send.id;
}

/** Delivers fan-out step messages to the api worker, its queues recorded. */
async function deliverSteps(
  bodies: PromoFanoutMessage[],
  ids: string[],
  queues: {
    promotional: ReturnType<typeof recordingQueue<NotificationEventMessage>>;
    fanout: ReturnType<typeof recordingQueue<PromoFanoutMessage>>;
  },
) {
  const batch = createMessageBatch<PromoFanoutMessage>(
    "boomerang-notify-fanout",
    bodies.map((body, i) => ({ id: ids[i] ?? `m${i}`, timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await apiWorker.queue(
    batch,
    { ...env, NOTIFY_PROMOTIONAL: queues.promotional.queue, NOTIFY_FANOUT: queues.fanout.queue },
    ctx,
  );
  const result = await getQueueResult(batch, ctx);
  expect(result.retryMessages).toEqual([]);
}

describe("members' segments in D1", () => {
  it("follow the wallet: set, replaced, emptied", async () => {
    const user = uniqueUser("seg");
    await registerUser(user);
    expect(
      (await adminPut(`/admin/v1/users/${user}/segments`, { segments: ["vip", "beta"] })).status,
    ).toBe(200);
    await eventually(async () => (await segmentMembers(user)).join(",") === "beta,vip");
    await adminPut(`/admin/v1/users/${user}/segments`, { segments: ["students"] });
    await eventually(async () => (await segmentMembers(user)).join(",") === "students");
    await adminPut(`/admin/v1/users/${user}/segments`, { segments: [] });
    await eventually(async () => (await segmentMembers(user)).length === 0);
    const version = await env.DB.prepare(
      "SELECT version FROM member_segment_versions WHERE user_id = ?1",
    )
      .bind(user)
      .first<{ version: number }>();
    expect(version?.version).toBe(3);
  });

  it("never move backwards: a reordered or redelivered message changes nothing", async () => {
    const user = uniqueUser("seg-order");
    const message = (segments: string[], version: number): SegmentsProjection => ({
      kind: "segments",
      userId: user,
      segments,
      version,
    });
    const deliver = async (bodies: SegmentsProjection[]) => {
      const batch = createMessageBatch(
        "boomerang-ledger-events",
        bodies.map((body, i) => ({ id: `s${i}`, timestamp: new Date(), attempts: 1, body })),
      );
      const ctx = createExecutionContext();
      await apiWorker.queue(batch, env, ctx);
      await getQueueResult(batch, ctx);
    };
    await deliver([message(["vip"], 2), message(["old"], 1)]);
    expect(await segmentMembers(user)).toEqual(["vip"]);
    await deliver([message(["old"], 1)]);
    expect(await segmentMembers(user)).toEqual(["vip"]);
    await deliver([message(["vip"], 2)]);
    expect(await segmentMembers(user)).toEqual(["vip"]);
    await deliver([message(["gold", "vip"], 3)]);
    expect(await segmentMembers(user)).toEqual(["gold", "vip"]);
  });
});

describe("a promotional send", () => {
  it("runs through the queues to completion: opted-in members enqueued, the rest skipped", async () => {
    const segment = `promo-${crypto.randomUUID().slice(0, 8)}`;
    const members = Array.from({ length: 5 }, () => uniqueUser("promo"));
    for (const [i, user] of members.entries()) {
      await registerUser(user);
      await adminPut(`/admin/v1/users/${user}/segments`, { segments: [segment] });
      if (i < 3) await optIn(user, true);
      if (i === 3) await optIn(user, false);
    }
    await eventually(async () => {
      const row = await env.DB.prepare(
        "SELECT count(*) AS n FROM member_segments WHERE segment = ?1",
      )
        .bind(segment)
        .first<{ n: number }>();
      return row?.n === 5;
    });
    const send = await createSend({
      segment,
      headline: "Flash sale",
      body: "Double cashback",
      url: "https://shop.test/flash",
    });
    expect(send.audience).toBe(5);
    const done = await eventually(async () => {
      const now = await readSend(send.id);
      return now.status === "completed" ? now : null;
    });
    expect(done).toMatchObject({ enqueued: 3, skipped: 2, audience: 5 });

    const list = await api("/admin/v1/notifications/promotions?limit=100", {
      headers: ADMIN_HEADERS,
    });
    const { sends } = (await list.json()) as { sends: Array<{ id: string }> };
    expect(sends.map((s) => s.id)).toContain(send.id);
  });

  it("reaches exactly the opted-in members once, each step delivered twice", async () => {
    const segment = `twice-${crypto.randomUUID().slice(0, 8)}`;
    const optedIn = await seedSegment(segment, `tw${crypto.randomUUID().slice(0, 6)}`, 2_345);
    const id = await dueSend(segment);
    const promotional = recordingQueue<NotificationEventMessage>();
    const fanout = recordingQueue<PromoFanoutMessage>();
    const queues = { promotional, fanout };

    let step: PromoFanoutMessage = { kind: "promo_step", sendId: id, step: 1 };
    for (let n = 1; n <= 3; n++) {
      // Two copies in one batch, two more in two batches at once, then the first again.
      await deliverSteps([step, step], [`a${n}`, `b${n}`], queues);
      await Promise.all([
        deliverSteps([step], [`c${n}`], queues),
        deliverSteps([step], [`d${n}`], queues),
      ]);
      await deliverSteps([step], [`a${n}`], queues);
      const next = fanout.sent.filter((m) => m.step === n + 1);
      if (n < 3) {
        expect(next).toHaveLength(1);
        step = next[0] as PromoFanoutMessage;
      } else {
        expect(next).toHaveLength(0);
      }
    }

    const ids = promotional.sent.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(promotional.sent.map((e) => e.userId).sort()).toEqual([...optedIn].sort());
    expect(promotional.sent[0]).toMatchObject({
      kind: "notification",
      type: "promotion",
      id: `${id}:${promotional.sent[0]?.userId}`,
      campaignId: id,
      vars: {
        headline: "Flash sale",
        body: "Double cashback until midnight",
        url: "https://shop.test/flash",
      },
    });
    expect(await readSend(id)).toMatchObject({
      status: "completed",
      enqueued: optedIn.length,
      skipped: 2_345 - optedIn.length,
      audience: 2_345,
    });
  });

  it("stops at the next step once cancelled", async () => {
    const segment = `cancel-${crypto.randomUUID().slice(0, 8)}`;
    await seedSegment(segment, `cx${crypto.randomUUID().slice(0, 6)}`, 1_500);
    const id = await dueSend(segment);
    const promotional = recordingQueue<NotificationEventMessage>();
    const fanout = recordingQueue<PromoFanoutMessage>();
    await deliverSteps([{ kind: "promo_step", sendId: id, step: 1 }], ["c1"], {
      promotional,
      fanout,
    });
    const firstPage = promotional.sent.length;
    expect(firstPage).toBe(334); // every third of the first 1,000
    expect(fanout.sent).toEqual([{ kind: "promo_step", sendId: id, step: 2 }]);

    const cancel = await api(`/admin/v1/notifications/promotions/${id}/cancel`, {
      method: "POST",
      headers: ADMIN_HEADERS,
    });
    expect(cancel.status).toBe(200);
    expect(await cancel.json()).toMatchObject({
      status: "cancelled",
      cancelledBy: expect.any(String),
    });

    await deliverSteps([{ kind: "promo_step", sendId: id, step: 2 }], ["c2"], {
      promotional,
      fanout,
    });
    expect(promotional.sent).toHaveLength(firstPage);
    expect(fanout.sent).toHaveLength(1);
    expect(await readSend(id)).toMatchObject({
      status: "cancelled",
      enqueued: firstPage,
      skipped: 666,
    });

    const again = await api(`/admin/v1/notifications/promotions/${id}/cancel`, {
      method: "POST",
      headers: ADMIN_HEADERS,
    });
    expect(again.status).toBe(409);
    const audit = await env.DB.prepare(
      "SELECT count(*) AS n FROM admin_audit_log WHERE path = ?1 AND status = 200",
    )
      .bind(`/admin/v1/notifications/promotions/${id}/cancel`)
      .first<{ n: number }>();
    expect(audit?.n).toBe(1);
  });

  it("refuses a bad segment or URL with a problem", async () => {
    for (const body of [
      { segment: "Not A Slug", headline: "h", body: "b", url: "https://x.test" },
      { segment: "vip", headline: "h", body: "b", url: "javascript:alert(1)" },
      { segment: "vip", headline: "", body: "b", url: "https://x.test" },
    ]) {
      const response = await api("/admin/v1/notifications/promotions", {
        method: "POST",
        headers: ADMIN_HEADERS,
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
    }
  });
});
