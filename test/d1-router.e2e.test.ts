import { createMessageBatch } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { signupWeek } from "#shared/analytics/buckets";
import {
  eachUserDb,
  eachUserDbFrom,
  globalDb,
  userDb,
  userDbCount,
  userIdsByDb,
} from "#shared/db/router";
import type { LedgerEventMessage } from "#shared/messages";
import type { NotificationChannel } from "#shared/notify/catalog";
import { type ChannelAdapter, ChannelError } from "#shared/notify/channel";
import type { NotificationEventMessage } from "#shared/notify/message";
import { DEFAULT_PREFERENCES } from "#shared/notify/preferences";
import { DEFAULT_NOTIFICATION_SETTINGS } from "#shared/notify/settings";
import { shardOf } from "#shared/queues/shards";
import { createApp } from "#workers/api/src/app";
import { refreshWeeks } from "#workers/api/src/features/analytics/rollups";
import { claimOwnerOf, claimsToReview } from "#workers/api/src/features/claims/store";
import {
  usersWithBalancesAfter,
  walletLiabilities,
} from "#workers/api/src/features/ledger/balances-store";
import { consumeLedgerEvents } from "#workers/api/src/features/ledger/consumer";
import { usersWithLoyaltyDue } from "#workers/api/src/features/loyalty/due-store";
import { claimCapSlots } from "#workers/api/src/features/notifications/caps";
import { outboxAdapter } from "#workers/api/src/features/notifications/channels/outbox";
import {
  consumeNotificationDeadLetters,
  type NotifyQueueMessage,
} from "#workers/api/src/features/notifications/consumer";
import { replayDeadLetter } from "#workers/api/src/features/notifications/dead-letters-routes";
import { sweepLostDigestFlushes } from "#workers/api/src/features/notifications/digest-sweep";
import { sweepUnopenedPushes } from "#workers/api/src/features/notifications/escalation";
import {
  readPreferences,
  writePreferences,
} from "#workers/api/src/features/notifications/preferences-store";
import { recordReceipt } from "#workers/api/src/features/notifications/receipts";
import { routeEvents } from "#workers/api/src/features/notifications/router";
import { writeNotificationSettings } from "#workers/api/src/features/notifications/settings-store";
import {
  anchorStatement,
  anchorsOf,
  type ChainAnchor,
} from "#workers/api/src/features/payouts/audit-anchors";
import {
  ALL_MEMBERS,
  audiencePage,
  audienceSize,
} from "#workers/api/src/features/promotions/segments-store";
import { readUser } from "#workers/api/src/features/users/store";
import { ADMIN_HEADERS } from "./helpers";
import { usersOnBothShards } from "./user-dbs";

/**
 * The D1 router (shared/db/router.ts) at one and at two user databases: the ledger-events
 * consumer writes each wallet's balances into its user's database, and the finance totals and
 * the audit fan-out's keyset pages read every user database (docs/scaling.md "D1 router").
 */
const ONE = env;
const TWO = { ...env, USER_DB_SHARDS: "2" };
const RUN = Math.random().toString(36).slice(2, 8);

function balances(userId: string, ledgerSeq: number, confirmedMinor: number, currency: string) {
  return {
    kind: "balances" as const,
    userId,
    ledgerSeq,
    atMs: Date.now(),
    balances: [{ bucket: "confirmed", currency, balanceMinor: confirmedMinor }],
  };
}

async function consume(workerEnv: typeof env, bodies: LedgerEventMessage[]) {
  await consumeLedgerEvents(
    createMessageBatch<LedgerEventMessage>(
      "boomerang-ledger-events",
      bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })),
    ),
    workerEnv,
  );
}

async function storedBalance(db: D1Database, userId: string, currency: string) {
  const row = await db
    .prepare(`SELECT balance_minor FROM wallet_balances WHERE user_id = ?1 AND currency = ?2`)
    .bind(userId, currency)
    .first<{ balance_minor: number }>();
  return row?.balance_minor ?? null;
}

describe("router", () => {
  it("puts every user in the global database at one user database", () => {
    expect(userDbCount(ONE)).toBe(1);
    expect(globalDb(ONE)).toBe(env.DB);
    for (let i = 0; i < 20; i++) expect(userDb(ONE, `u-${i}`)).toBe(env.DB);
    expect(eachUserDb(ONE)).toEqual([env.DB]);
  });

  it("spreads users by hash at two, and refuses a count without its binding", () => {
    expect(userDbCount(TWO)).toBe(2);
    expect(eachUserDb(TWO)).toEqual([env.DB, env.USER_DB_1]);
    for (let i = 0; i < 20; i++) {
      expect(userDb(TWO, `u-${i}`)).toBe(shardOf(`u-${i}`, 2) === 0 ? env.DB : env.USER_DB_1);
    }
    expect(() => eachUserDb({ ...env, USER_DB_SHARDS: "3" })).toThrow(/USER_DB_2/);
  });

  it("starts a budgeted sweep at the database its turn names, each database once", () => {
    expect(eachUserDbFrom(TWO, 0)).toEqual([env.DB, env.USER_DB_1]);
    expect(eachUserDbFrom(TWO, 1)).toEqual([env.USER_DB_1, env.DB]);
    expect(eachUserDbFrom(TWO, 7)).toEqual([env.USER_DB_1, env.DB]);
    expect(eachUserDbFrom(TWO, -1)).toEqual([env.USER_DB_1, env.DB]);
    expect(eachUserDbFrom(ONE, 5)).toEqual([env.DB]);
  });

  it("groups user ids by their database, once each, in the order given", () => {
    const users = usersOnBothShards("group-", 6);
    const groups = userIdsByDb(TWO, [...users, ...users]);
    expect([...groups.keys()].sort((a, b) => (a === env.DB ? -1 : b === env.DB ? 1 : 0))).toEqual([
      env.DB,
      env.USER_DB_1,
    ]);
    expect(groups.get(env.DB)).toEqual(users.filter((u) => shardOf(u, 2) === 0));
    expect(groups.get(env.USER_DB_1)).toEqual(users.filter((u) => shardOf(u, 2) === 1));
    expect([...userIdsByDb(ONE, users)]).toEqual([[env.DB, users]]);
  });

  it("refuses a malformed count instead of reading one database", () => {
    for (const bad of ["two", "0", "65", "1.5"]) {
      expect(() => userDb({ ...env, USER_DB_SHARDS: bad }, "u-1")).toThrow(/USER_DB_SHARDS/);
      expect(() => eachUserDb({ ...env, USER_DB_SHARDS: bad })).toThrow(/USER_DB_SHARDS/);
    }
  });
});

describe("wallet balances at one user database", () => {
  it("the consumer writes them into DB and the readers find them there", async () => {
    const currency = `A${RUN}`;
    const [user] = usersOnBothShards(`zz-one-${RUN}-`, 2);
    await consume(ONE, [balances(user ?? "", 3, 700, currency)]);
    expect(await storedBalance(env.DB, user ?? "", currency)).toBe(700);
    expect(await storedBalance(env.USER_DB_1, user ?? "", currency)).toBeNull();
    const liabilities = (await walletLiabilities(ONE)).filter((r) => r.currency === currency);
    expect(liabilities).toEqual([{ currency, bucket: "confirmed", totalMinor: 700, wallets: 1 }]);
  });
});

describe("wallet balances at two user databases", () => {
  it("each user's balances land in its own database only, newest sequence winning", async () => {
    const currency = `B${RUN}`;
    const users = usersOnBothShards(`zz-two-${RUN}-`, 4);
    await consume(
      TWO,
      users.map((u, i) => balances(u, 5, 100 * (i + 1), currency)),
    );
    // A redelivered older sequence changes nothing.
    await consume(TWO, [balances(users[0] ?? "", 4, 1, currency)]);
    for (const [i, user] of users.entries()) {
      const home = shardOf(user, 2) === 0 ? env.DB : env.USER_DB_1;
      const other = home === env.DB ? env.USER_DB_1 : env.DB;
      expect(await storedBalance(home, user, currency)).toBe(100 * (i + 1));
      expect(await storedBalance(other, user, currency)).toBeNull();
    }
  });

  it("finance totals sum every user database", async () => {
    const currency = `C${RUN}`;
    const users = usersOnBothShards(`zz-sum-${RUN}-`, 6);
    await consume(
      TWO,
      users.map((u) => balances(u, 1, 250, currency)),
    );
    const liabilities = (await walletLiabilities(TWO)).filter((r) => r.currency === currency);
    expect(liabilities).toEqual([{ currency, bucket: "confirmed", totalMinor: 1_500, wallets: 6 }]);
    // Reading only the global database would miss the users on database 1.
    const onGlobal = users.filter((u) => shardOf(u, 2) === 0).length;
    expect(onGlobal).toBeLessThan(6);
  });

  it("the audit fan-out's keyset pages merge both databases in id order, none lost or repeated", async () => {
    const prefix = `zzz-page-${RUN}-`;
    const users = usersOnBothShards(prefix, 7);
    await consume(
      TWO,
      users.map((u) => balances(u, 1, 10, `D${RUN}`)),
    );
    const seen: string[] = [];
    let after = prefix;
    for (;;) {
      const page = await usersWithBalancesAfter(TWO, after, 3);
      const mine = page.filter((u) => u.startsWith(prefix));
      seen.push(...mine);
      if (mine.length < 3) break;
      after = mine[mine.length - 1] ?? "";
    }
    expect(seen).toEqual([...users].sort());
  });
});

describe("loyalty due times at two user databases", () => {
  async function storedDue(db: D1Database, userId: string) {
    const row = await db
      .prepare(`SELECT due_at_ms FROM loyalty_due WHERE user_id = ?1`)
      .bind(userId)
      .first<{ due_at_ms: number | null }>();
    return row === null ? undefined : row.due_at_ms;
  }

  it("the consumer writes each user's due time into its own database, newest seq winning", async () => {
    const users = usersOnBothShards(`zz-due-${RUN}-`, 4);
    await consume(
      TWO,
      users.map((userId, i) => ({ kind: "loyalty_due", userId, seq: 2, dueAtMs: 10 + i })),
    );
    await consume(TWO, [{ kind: "loyalty_due", userId: users[0] ?? "", seq: 1, dueAtMs: 99 }]);
    for (const [i, user] of users.entries()) {
      const home = shardOf(user, 2) === 0 ? env.DB : env.USER_DB_1;
      const other = home === env.DB ? env.USER_DB_1 : env.DB;
      expect(await storedDue(home, user)).toBe(10 + i);
      expect(await storedDue(other, user)).toBeUndefined();
    }
  });

  it("the backstop's due list merges both databases, most overdue first", async () => {
    const users = usersOnBothShards(`zz-due-list-${RUN}-`, 6);
    // Due long ago (1..6 ms after the epoch), so nothing else in this file is more overdue.
    await consume(
      TWO,
      users.map((userId, i) => ({ kind: "loyalty_due", userId, seq: 1, dueAtMs: 6 - i })),
    );
    expect(await usersWithLoyaltyDue(TWO, 100, 4)).toEqual([...users].reverse().slice(0, 4));
    expect(await usersWithLoyaltyDue(TWO, 3, 10)).toEqual([...users].reverse().slice(0, 3));
    // The global database alone would miss the users on database 1.
    expect((await usersWithLoyaltyDue(ONE, 100, 10)).length).toBeLessThan(6);
  });
});

describe("ledger chain anchors at two user databases", () => {
  function anchor(userId: string, status: ChainAnchor["status"]): ChainAnchor {
    return {
      userId,
      headSeq: 3,
      headHash: "a".repeat(64),
      status,
      firstBadSeq: status === "broken" ? 2 : null,
      runId: `run-${RUN}`,
      verifiedAtMs: Date.now(),
    };
  }

  it("each anchor lands in its user's database, and anchorsOf finds them all", async () => {
    const users = usersOnBothShards(`zz-anchor-${RUN}-`, 4);
    for (const user of users) {
      const { db, statement } = anchorStatement(TWO, anchor(user, "ok"));
      expect(db).toBe(shardOf(user, 2) === 0 ? env.DB : env.USER_DB_1);
      await statement;
    }
    const found = await anchorsOf(TWO, [...users, ...users]);
    expect([...found.keys()].sort()).toEqual([...users].sort());
    // The global database alone holds only its own users' anchors.
    expect((await anchorsOf(ONE, users)).size).toBeLessThan(4);
  });

  it("the console's broken-chains list (GET /admin/v1/ledger-chains) pages both databases", async () => {
    const prefix = `zzzz-broken-${RUN}-`;
    const users = usersOnBothShards(prefix, 5);
    for (const [i, user] of users.entries()) {
      await anchorStatement(TWO, anchor(user, i === 2 ? "ok" : "broken")).statement;
    }
    const broken = users.filter((_, i) => i !== 2).sort();
    const seen: string[] = [];
    let after = prefix;
    for (let page = 0; page < 10; page++) {
      const response = await createApp().fetch(
        new Request(
          `https://api.test/admin/v1/ledger-chains?status=broken&limit=2&afterUserId=${encodeURIComponent(after)}`,
          { headers: ADMIN_HEADERS },
        ),
        TWO,
      );
      expect(response.status).toBe(200);
      const body = (await response.json()) as {
        items: Array<{ userId: string; status: string; firstBadSeq: number | null }>;
        nextAfterUserId: string | null;
      };
      for (const item of body.items) {
        expect(item).toMatchObject({ status: "broken", firstBadSeq: 2 });
        seen.push(item.userId);
      }
      if (body.nextAfterUserId === null) break;
      after = body.nextAfterUserId;
    }
    expect(seen.filter((u) => u.startsWith(prefix))).toEqual(broken);
  });
});

/** An admin GET through the api app with `workerEnv` (here: two user databases). */
async function adminGet(workerEnv: typeof env, path: string) {
  const response = await createApp().fetch(
    new Request(`https://api.test${path}`, { headers: ADMIN_HEADERS }),
    workerEnv,
  );
  expect(response.status).toBe(200);
  return response.json();
}

describe("claims at two user databases", () => {
  const BASE_MS = Date.UTC(2001, 0, 1);

  function claim(userId: string, i: number, status: "review" | "open"): LedgerEventMessage {
    return {
      kind: "claim",
      userId,
      claim: {
        claimId: `clm-${RUN}-${i}`,
        clickId: `clk-${i}`,
        offerId: "offer",
        networkId: "net",
        orderId: `ord-${RUN}-${i}`,
        amountMinor: 1_000,
        currency: "INR",
        purchasedAtMs: BASE_MS,
        status,
        txnId: null,
        createdAtMs: BASE_MS + i * 1_000,
        updatedAtMs: BASE_MS + i * 1_000,
      },
    };
  }

  it("the review queue (GET /admin/v1/claims) pages both databases oldest first; the owner and the overview's count find both", async () => {
    // Claims in review on both databases, and one open claim the queue leaves out.
    const users = [...usersOnBothShards(`zz-claim-${RUN}-`, 5), `zz-claim-${RUN}-open`];
    const before = { one: await claimsToReview(ONE), two: await claimsToReview(TWO) };
    await consume(
      TWO,
      users.map((u, i) => claim(u, i, i === 5 ? "open" : "review")),
    );
    for (const [i, user] of users.entries()) {
      expect(await claimOwnerOf(TWO, `clm-${RUN}-${i}`)).toBe(user);
    }
    const inReview = users.slice(0, 5).map((_, i) => `clm-${RUN}-${i}`);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const query = new URLSearchParams({
        status: "review",
        limit: "2",
        from: new Date(BASE_MS).toISOString(),
        to: new Date(BASE_MS + 60_000).toISOString(),
        ...(cursor ? { cursor } : {}),
      });
      const body = (await adminGet(TWO, `/admin/v1/claims?${query}`)) as {
        items: Array<{ id: string; userId: string }>;
        nextCursor: string | null;
      };
      seen.push(...body.items.map((c) => c.id));
      cursor = body.nextCursor;
      if (cursor === null) break;
    }
    expect(seen).toEqual(inReview);
    // One user's claims come from its own database only.
    const mine = (await adminGet(
      TWO,
      `/admin/v1/claims?status=review&userId=${encodeURIComponent(users[1] ?? "")}`,
    )) as { items: Array<{ id: string }> };
    expect(mine.items.map((c) => c.id)).toEqual([`clm-${RUN}-1`]);
    // The overview counts claims to review on every user database.
    const onOne = users.slice(0, 5).filter((u) => shardOf(u, 2) === 1);
    expect(await claimsToReview(TWO)).toBe(before.two + inReview.length);
    expect(await claimsToReview(ONE)).toBe(before.one + inReview.length - onOne.length);
    const overview = (await adminGet(TWO, "/admin/v1/overview")) as {
      attention: { claimsToReview: number };
    };
    expect(overview.attention.claimsToReview).toBe(before.two + inReview.length);
  });
});

describe("notification frequency caps at two user databases", () => {
  it("one batch of claims for users on both databases: each user's cap holds in its own database", async () => {
    const users = usersOnBothShards(`zz-cap-${RUN}-`, 4);
    const nowMs = Date.UTC(2026, 11, 6, 12);
    const cap = { perDay: 1, perWeek: 5 };
    const request = (userId: string, eventId: string) => ({
      claim: { userId, category: "promotional" as const, eventId, timeZone: "UTC", nowMs },
      cap,
    });
    const answers = await claimCapSlots(
      TWO,
      users.flatMap((u) => [request(u, "a"), request(u, "b")]),
    );
    expect(answers).toEqual(users.flatMap(() => [true, false]));
    // A redelivery of the held event keeps its slot; the refused one stays refused.
    expect(
      await claimCapSlots(TWO, [request(users[1] ?? "", "a"), request(users[1] ?? "", "b")]),
    ).toEqual([true, false]);
    for (const user of users) {
      const home = shardOf(user, 2) === 0 ? env.DB : env.USER_DB_1;
      const other = home === env.DB ? env.USER_DB_1 : env.DB;
      const count = (db: D1Database) =>
        db
          .prepare(`SELECT count(*) AS n FROM notification_cap_claims WHERE user_id = ?1`)
          .bind(user)
          .first<{ n: number }>();
      expect((await count(home))?.n).toBe(1);
      expect((await count(other))?.n).toBe(0);
    }
  });
});

describe("the dev notification outbox at two user databases", () => {
  it("each delivery lands in its user's database; GET /admin/v1/dev/notifications merges both, newest first", async () => {
    const users = usersOnBothShards(`zz-outbox-${RUN}-`, 4);
    const kind = "payout_paid" as const;
    let nowMs = Date.UTC(2030, 0, 1);
    for (const user of users) {
      nowMs += 1_000;
      const at = nowMs;
      await outboxAdapter(TWO, "webhook", () => at).send({
        deliveryId: `dlv-${user}`,
        eventId: `ev-${user}`,
        userId: user,
        type: kind,
        category: "transactional",
        message: { title: "t", body: "b", locale: "en" },
        recipient: { channel: "webhook" },
        vars: {},
      });
    }
    for (const user of users) {
      const home = shardOf(user, 2) === 0 ? env.DB : env.USER_DB_1;
      const other = home === env.DB ? env.USER_DB_1 : env.DB;
      const found = (db: D1Database) =>
        db.prepare(`SELECT id FROM notification_outbox WHERE user_id = ?1`).bind(user).first();
      expect(await found(home)).not.toBeNull();
      expect(await found(other)).toBeNull();
    }
    // Created in 2030: newer than anything else in this file, so they are the newest four.
    const listed = (await adminGet(
      { ...TWO, NOTIFY_CHANNEL: "outbox" },
      `/admin/v1/dev/notifications?kind=${kind}&limit=4`,
    )) as { items: Array<{ id: string }> };
    expect(listed.items.map((n) => n.id)).toEqual([...users].reverse().map((u) => `ev-${u}`));
    const one = (await adminGet(
      { ...TWO, NOTIFY_CHANNEL: "outbox" },
      `/admin/v1/dev/notifications?userId=${encodeURIComponent(users[1] ?? "")}`,
    )) as { items: Array<{ id: string }> };
    expect(one.items.map((n) => n.id)).toEqual([`ev-${users[1]}`]);
  });
});

describe("users, their segments and preferences at two user databases", () => {
  const SIGNUP_MS = Date.UTC(2002, 0, 9, 12); // a Wednesday no other test signs users up in

  it("profiles and segments land on each user's database; the audience pages, sizes and segment list gather both", async () => {
    const segment = `seg-${RUN}`;
    const users = usersOnBothShards(`zz-aud-${RUN}-`, 5);
    const before = {
      all: await audienceSize(TWO, ALL_MEMBERS),
      segments: (await adminGet(TWO, "/admin/v1/notifications/segments")) as {
        allMembers: number;
      },
    };
    await consume(TWO, [
      ...users.map((u) => ({
        kind: "profile" as const,
        userId: u,
        displayName: `name ${u}`,
        signedUpAtMs: SIGNUP_MS,
      })),
      ...users.map((u, i) => ({
        kind: "segments" as const,
        userId: u,
        segments: i % 2 === 0 ? [segment, `${segment}-even`] : [segment],
        version: 1,
      })),
    ]);
    // A redelivered older version changes nothing.
    await consume(TWO, [{ kind: "segments", userId: users[0] ?? "", segments: [], version: 0 }]);
    const optedIn = users.filter((_, i) => i % 2 === 1);
    for (const u of optedIn) {
      await writePreferences(TWO, u, { ...DEFAULT_PREFERENCES, promotionalOptIn: true }, 1);
    }
    for (const user of users) {
      const home = shardOf(user, 2) === 0 ? env.DB : env.USER_DB_1;
      const other = home === env.DB ? env.USER_DB_1 : env.DB;
      const rows = (db: D1Database) =>
        db
          .prepare(
            `SELECT (SELECT count(*) FROM users WHERE id = ?1)
                  + (SELECT count(*) FROM member_segments WHERE user_id = ?1)
                  + (SELECT count(*) FROM member_segment_versions WHERE user_id = ?1)
                  + (SELECT count(*) FROM notification_preferences WHERE user_id = ?1) AS n`,
          )
          .bind(user)
          .first<{ n: number }>();
      expect((await rows(home))?.n).toBeGreaterThan(2);
      expect((await rows(other))?.n).toBe(0);
      expect((await readUser(TWO, user))?.displayName).toBe(`name ${user}`);
    }
    // The audience, two members a page, in id order across both databases.
    const seen: Array<{ userId: string; optedIn: boolean }> = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const members = await audiencePage(TWO, segment, after, 2);
      seen.push(...members);
      if (members.length < 2) break;
      after = members.at(-1)?.userId ?? null;
    }
    expect(seen).toEqual(
      [...users].sort().map((u) => ({ userId: u, optedIn: optedIn.includes(u) })),
    );
    const prefs = await readPreferences(TWO, users);
    expect(users.filter((u) => prefs.get(u)?.promotionalOptIn)).toEqual(optedIn);
    expect(await audienceSize(TWO, segment)).toBe(5);
    expect(await audienceSize(TWO, ALL_MEMBERS)).toBe(before.all + 5);
    // The console's picker sums each segment over both databases.
    const listed = (await adminGet(TWO, "/admin/v1/notifications/segments")) as {
      segments: Array<{ segment: string; members: number }>;
      allMembers: number;
    };
    expect(listed.segments.filter((s) => s.segment.startsWith(segment))).toEqual([
      { segment, members: 5 },
      { segment: `${segment}-even`, members: 3 },
    ]);
    expect(listed.allMembers).toBe(before.segments.allMembers + 5);
    // The signup week's cohort counts the members of both databases.
    const week = signupWeek(SIGNUP_MS);
    await refreshWeeks(TWO, [week], Date.now());
    const cohort = await env.DB.prepare(
      "SELECT users FROM analytics_cohorts_weekly WHERE week = ?1 AND currency = ''",
    )
      .bind(week)
      .first<{ users: number }>();
    expect(cohort?.users).toBe(5);
    // The batch that signed them up marked that week dirty.
    const marked = await env.DB.prepare(
      "SELECT count(*) AS n FROM analytics_dirty WHERE kind = 'week' AND key = ?1",
    )
      .bind(week)
      .first<{ n: number }>();
    expect(marked?.n).toBe(1);
  });
});

describe("notification deliveries at two user databases", () => {
  const NOON = Date.UTC(2026, 0, 15, 12, 0);

  function paidEvent(userId: string): NotificationEventMessage {
    return {
      kind: "notification",
      id: `pay:${userId}:paid`,
      userId,
      type: "payout_paid",
      vars: { amount: { amountMinor: 50_000, currency: "INR" }, destination: "UPI ••••21" },
      occurredAtMs: NOON,
    };
  }

  /** A queue that keeps what is sent to it. */
  function keeping() {
    const sent: NotificationEventMessage[] = [];
    return {
      sent,
      queue: {
        send: async (body: NotificationEventMessage) => {
          sent.push(body);
        },
        sendBatch: async (messages: Iterable<{ body: NotificationEventMessage }>) => {
          for (const m of messages) sent.push(m.body);
        },
      },
    };
  }

  async function stored(db: D1Database, userId: string) {
    return db
      .prepare(
        `SELECT id, state, provider_ref, delivered_at_ms, opened_at_ms
         FROM notification_deliveries WHERE user_id = ?1`,
      )
      .bind(userId)
      .first<{
        id: string;
        state: string;
        provider_ref: string | null;
        delivered_at_ms: number | null;
        opened_at_ms: number | null;
      }>();
  }

  it("the router writes each delivery on its user's database; receipts, the user's list, the dead-letter consumer and a replay find it there", async () => {
    const users = usersOnBothShards(`zz-dlv-${RUN}-`, 6);
    const [refused, gaveUp] = [users[4] ?? "", users[5] ?? ""];
    const { queue, sent: published } = keeping();
    const routed = { ...TWO, NOTIFY_TRANSACTIONAL: queue, NOTIFY_PROMOTIONAL: queue };
    for (const u of users) {
      await writePreferences(TWO, u, { ...DEFAULT_PREFERENCES, quietHours: null }, NOON);
    }
    const adapter: ChannelAdapter = {
      channel: "webhook",
      send: async (delivery) => {
        if (delivery.userId === refused) throw new ChannelError("refused", false);
        if (delivery.userId === gaveUp) throw new ChannelError("down", true);
        return { providerRef: `prov-${delivery.userId}` };
      },
    };
    const adapters = new Map<NotificationChannel, ChannelAdapter>([["webhook", adapter]]);
    await routeEvents(
      routed as unknown as typeof env,
      users.map((u) => ({ event: paidEvent(u), attempts: 1 })),
      NOON,
      { adapters },
    );
    const home = (u: string) => (shardOf(u, 2) === 0 ? env.DB : env.USER_DB_1);
    const away = (u: string) => (shardOf(u, 2) === 0 ? env.USER_DB_1 : env.DB);
    for (const u of users) {
      expect(await stored(away(u), u)).toBeNull();
    }
    for (const u of users.slice(0, 4)) {
      expect((await stored(home(u), u))?.state).toBe("sent");
    }
    expect((await stored(home(refused), refused))?.state).toBe("dead");
    expect((await stored(home(gaveUp), gaveUp))?.state).toBe("failed");

    // A provider's receipt names its message id: the global index routes it to the user.
    const [first, second] = [users[0] ?? "", users[1] ?? ""];
    expect(
      await recordReceipt(
        TWO,
        { providerRef: `prov-${first}`, channel: "webhook" },
        "delivered",
        NOON + 1,
      ),
    ).toBe(true);
    expect((await stored(home(first), first))?.delivered_at_ms).toBe(NOON + 1);
    // Our signed link names the delivery id: every user database is asked.
    const secondId = (await stored(home(second), second))?.id ?? "";
    expect(await recordReceipt(TWO, { deliveryId: secondId }, "opened", NOON + 2)).toBe(true);
    expect((await stored(home(second), second))?.opened_at_ms).toBe(NOON + 2);
    expect(await recordReceipt(TWO, { deliveryId: secondId }, "opened", NOON + 3)).toBe(false);

    // The console's deliveries of one user come from its database.
    for (const u of users) {
      const listed = (await adminGet(
        TWO,
        `/admin/v1/users/${encodeURIComponent(u)}/notification-deliveries`,
      )) as {
        items: Array<{ id: string }>;
      };
      expect(listed.items.map((d) => d.id)).toEqual([(await stored(home(u), u))?.id]);
    }

    // The dead-letter queue gives up on the failed one: dead on its database, a letter kept.
    await consumeNotificationDeadLetters(
      createMessageBatch<NotifyQueueMessage>("boomerang-notify-transactional-dlq", [
        { id: "d0", timestamp: new Date(), attempts: 5, body: paidEvent(gaveUp) },
      ]),
      TWO,
      NOON + 4,
    );
    expect((await stored(home(gaveUp), gaveUp))?.state).toBe("dead");
    // A replay of the refused one reopens its delivery on its database and queues the event.
    const letter = await env.DB.prepare(
      "SELECT id FROM notification_dead_letters WHERE user_id = ?1 AND status = 'open'",
    )
      .bind(refused)
      .first<{ id: string }>();
    await replayDeadLetter(routed as unknown as typeof env, letter?.id ?? "", "op", NOON + 5);
    expect((await stored(home(refused), refused))?.state).toBe("pending");
    expect(published.map((e) => e.userId)).toEqual([refused]);
  });
});

describe("the push escalation sweep at two user databases", () => {
  it("claims unopened transactional pushes on both databases and publishes each event once", async () => {
    const users = usersOnBothShards(`zz-esc-${RUN}-`, 4);
    const createdMs = Date.UTC(2026, 0, 10);
    for (const u of users) {
      const event = {
        kind: "notification",
        id: `esc:${u}`,
        userId: u,
        type: "payout_paid",
        vars: {},
        occurredAtMs: createdMs,
      };
      await (shardOf(u, 2) === 0 ? env.DB : env.USER_DB_1)
        .prepare(
          `INSERT INTO notification_deliveries (id, event_id, user_id, type, category, channel,
             state, attempts, created_at_ms, updated_at_ms, event)
           VALUES (?1, ?2, ?3, 'payout_paid', 'transactional', 'push', 'sent', 1, ?4, ?4, ?5)`,
        )
        .bind(`dlv_esc_${u}`, event.id, u, createdMs, JSON.stringify(event))
        .run();
    }
    const published: NotificationEventMessage[] = [];
    const queue = {
      sendBatch: async (messages: Iterable<{ body: NotificationEventMessage }>) => {
        for (const m of messages) published.push(m.body);
      },
    };
    const routed = { ...TWO, NOTIFY_TRANSACTIONAL: queue } as unknown as typeof env;
    const nowMs = Date.UTC(2026, 0, 11);
    await sweepUnopenedPushes(routed, nowMs);
    const mine = published.filter((e) => users.includes(e.userId));
    expect(mine.map((e) => e.id).sort()).toEqual(users.map((u) => `esc:${u}`).sort());
    expect(mine.every((e) => e.escalation === true)).toBe(true);
    // Claimed: a second sweep publishes none of them again.
    published.length = 0;
    await sweepUnopenedPushes(routed, nowMs + 1);
    expect(published.filter((e) => users.includes(e.userId))).toEqual([]);
  });
});

describe("notification digests at two user databases", () => {
  const NOON = Date.UTC(2026, 0, 15, 12, 0);

  it("each user's digest opens, fills and flushes on its database; the lost-flush sweep finds both databases'", async () => {
    await writeNotificationSettings(
      env.DB,
      {
        ...DEFAULT_NOTIFICATION_SETTINGS,
        digest: { windowSeconds: 60, types: ["cashback_earned"] },
      },
      NOON,
    );
    try {
      const users = usersOnBothShards(`zz-dig-${RUN}-`, 4);
      for (const u of users) {
        await writePreferences(TWO, u, { ...DEFAULT_PREFERENCES, quietHours: null }, NOON);
      }
      const published: NotificationEventMessage[] = [];
      const queue = {
        send: async (body: NotificationEventMessage) => {
          published.push(body);
        },
        sendBatch: async (messages: Iterable<{ body: NotificationEventMessage }>) => {
          for (const m of messages) published.push(m.body);
        },
      };
      const routed = {
        ...TWO,
        NOTIFY_TRANSACTIONAL: queue,
        NOTIFY_PROMOTIONAL: queue,
      } as unknown as typeof env;
      const sent: string[] = [];
      const adapters = new Map<NotificationChannel, ChannelAdapter>([
        [
          "webhook",
          {
            channel: "webhook",
            send: async (delivery) => {
              sent.push(`${delivery.userId}:${delivery.message.body.split("\n").length}`);
              return {};
            },
          },
        ],
      ]);
      const earned = (userId: string, n: number): NotificationEventMessage => ({
        kind: "notification",
        id: `txn_${n}_${userId}:earned`,
        userId,
        type: "cashback_earned",
        vars: {
          merchantName: "Shop",
          cashback: { amountMinor: 100 * n, currency: "INR" },
          orderId: `O-${n}`,
        },
        occurredAtMs: NOON + n,
      });
      const events = users.flatMap((u) => [earned(u, 1), earned(u, 2)]);
      await routeEvents(
        routed,
        events.map((event) => ({ event, attempts: 1 })),
        NOON,
        { adapters },
      );
      expect(sent).toEqual([]);
      const count = (db: D1Database, userId: string) =>
        db
          .prepare(
            `SELECT (SELECT count(*) FROM notification_digests WHERE user_id = ?1)
                  + (SELECT count(*) FROM notification_digest_items WHERE user_id = ?1) AS n`,
          )
          .bind(userId)
          .first<{ n: number }>();
      for (const u of users) {
        const home = shardOf(u, 2) === 0 ? env.DB : env.USER_DB_1;
        const other = home === env.DB ? env.USER_DB_1 : env.DB;
        expect((await count(home, u))?.n).toBe(3); // one digest, two items
        expect((await count(other, u))?.n).toBe(0);
      }
      // One flush message per user, each naming its user; suppose they were lost: the sweep
      // finds every open digest past its flush time on both databases.
      expect(published.map((f) => f.userId).sort()).toEqual([...users].sort());
      const lost = published.splice(0);
      const swept = await sweepLostDigestFlushes(routed, NOON + 10 * 60_000);
      expect(swept.resent).toBeGreaterThanOrEqual(users.length);
      expect(
        published
          .filter((f) => users.includes(f.userId))
          .map((f) => f.id)
          .sort(),
      ).toEqual(lost.map((f) => f.id).sort());
      // The flushes close each digest on its user's database and send one message of two lines.
      await routeEvents(
        routed,
        lost.map((event) => ({ event, attempts: 1 })),
        NOON + 60_000,
        { adapters },
      );
      expect(sent.sort()).toEqual(users.map((u) => `${u}:2`).sort());
      // A redelivered flush sends nothing again.
      await routeEvents(
        routed,
        lost.map((event) => ({ event, attempts: 2 })),
        NOON + 61_000,
        { adapters },
      );
      expect(sent).toHaveLength(users.length);
    } finally {
      await writeNotificationSettings(env.DB, DEFAULT_NOTIFICATION_SETTINGS, NOON);
    }
  });
});
