import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { toBase64Url } from "#shared/crypto/encoding";
import { hmacSha256 } from "#shared/crypto/hmac";
import { pushReceiptUrl } from "#shared/notify/receipt-links";
import { shardOf } from "#shared/queues/shards";
import { createApp } from "#workers/api/src/app";
import { TWO_USER_DBS as TWO, usersOnBothShards } from "./user-dbs";

/**
 * Our signed receipt links at two user databases (docs/scaling.md "D1 router"): a link names
 * its delivery's user inside the MAC, so its receipt is one UPDATE on the user's database; a
 * link signed before links named the user still records, by asking every user database.
 */
const RUN = Math.random().toString(36).slice(2, 8);
const KEY = env.NOTIFY_LINK_KEY as string;
const LINKS = { NOTIFY_LINK_KEY: KEY, NOTIFY_LINK_BASE_URL: "https://api.test" };

/** A sent push on user database 1, and its user. */
async function sentPush(tag: string): Promise<{ id: string; userId: string }> {
  const [userId] = usersOnBothShards(`rcpt-${tag}-${RUN}-`, 2).filter((u) => shardOf(u, 2) === 1);
  const id = `dlv_${Array.from(`${tag}${RUN}`, (ch) => ch.charCodeAt(0).toString(16))
    .join("")
    .padEnd(40, "0")
    .slice(0, 40)}`;
  await env.USER_DB_1.prepare(
    `INSERT INTO notification_deliveries (id, event_id, user_id, type, category, channel, state,
       created_at_ms, updated_at_ms) VALUES (?1, ?2, ?3, 'payout_paid', 'transactional', 'push', 'sent', 1, 1)`,
  )
    .bind(id, `evt-${tag}-${RUN}`, userId)
    .run();
  return { id, userId: userId as string };
}

/** The statements on `notification_deliveries` each database was asked to prepare. */
function counting() {
  const asked = new Map<string, number>();
  const wrap = (name: string, db: D1Database) =>
    new Proxy(db, {
      get(target, key) {
        const value = Reflect.get(target, key, target);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          if (key === "prepare" && String(args[0]).includes("notification_deliveries")) {
            asked.set(name, (asked.get(name) ?? 0) + 1);
          }
          return value.apply(target, args);
        };
      },
    });
  return {
    env: { ...TWO, DB: wrap("DB", env.DB), USER_DB_1: wrap("USER_DB_1", env.USER_DB_1) },
    asked: (name: string) => asked.get(name) ?? 0,
  };
}

async function post(url: string, bindings: object): Promise<Response> {
  return createApp().fetch(new Request(url, { method: "POST" }), bindings);
}

async function receiptsOf(id: string) {
  return env.USER_DB_1.prepare(
    "SELECT delivered_at_ms AS delivered, opened_at_ms AS opened FROM notification_deliveries WHERE id = ?1",
  )
    .bind(id)
    .first<{ delivered: number | null; opened: number | null }>();
}

describe("signed receipt links at two user databases", () => {
  it("a link names its user: the receipt is recorded on the user's database only", async () => {
    const delivery = await sentPush("new");
    const url = await pushReceiptUrl(LINKS, delivery);
    const { env: counted, asked } = counting();
    const shown = await post(`${url}&event=shown`, counted);
    expect(shown.status, await shown.clone().text()).toBe(200);
    expect(await shown.json()).toEqual({ recorded: true });
    expect((await receiptsOf(delivery.id))?.delivered).not.toBeNull();
    // The global database (user database 0) is never asked for the delivery.
    expect(asked("DB")).toBe(0);
    expect(asked("USER_DB_1")).toBeGreaterThan(0);
    // The user is inside the MAC: a link pointed at another user records nothing.
    const t = new URL(url).searchParams.get("t") as string;
    const [kind, id, , mac] = t.split(".");
    const other = `${kind}.${id}.someone-else.${mac}`;
    const forged = await post(
      `https://api.test/v1/notifications/receipts/push?t=${other}&event=clicked`,
      TWO,
    );
    expect(forged.status).toBe(403);
    expect((await receiptsOf(delivery.id))?.opened).toBeNull();
  });

  it("a link signed before links named the user still records, asking every database", async () => {
    const delivery = await sentPush("old");
    const mac = await hmacSha256(KEY, `boomerang-receipt:v1:push:${delivery.id}:`);
    const t = `push.${delivery.id}.${toBase64Url(mac)}`;
    const { env: counted, asked } = counting();
    const clicked = await post(
      `https://api.test/v1/notifications/receipts/push?t=${t}&event=clicked`,
      counted,
    );
    expect(clicked.status, await clicked.clone().text()).toBe(200);
    expect(await clicked.json()).toEqual({ recorded: true });
    expect((await receiptsOf(delivery.id))?.opened).not.toBeNull();
    expect(asked("DB")).toBeGreaterThan(0);
  });
});
