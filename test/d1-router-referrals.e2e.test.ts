import { createMessageBatch } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { beforeAll, describe, expect, it } from "vitest";
import { chainOf } from "#durable-objects/wallet/referrals/referral-chain";
import { referralsBetween } from "#durable-objects/wallet/referrals/risk-lookups";
import type { LedgerEventMessage, ReferralProjection } from "#shared/messages";
import { shardOf } from "#shared/queues/shards";
import { createApp } from "#workers/api/src/app";
import { consumeLedgerEvents } from "#workers/api/src/features/ledger/consumer";
import {
  referralIndexStatement,
  referralProjectionStatements,
} from "#workers/api/src/features/referral-records/index";
import { unrewardedReferralsOf } from "#workers/api/src/features/referral-review/queue-store";
import { ADMIN_HEADERS, mintUserJwt } from "./helpers";
import { homeAndOther, TWO_USER_DBS as TWO, usersOnBothShards } from "./user-dbs";

/**
 * `referrals` behind the D1 router at two user databases (docs/scaling.md "D1 router"): a
 * referral lands in its **referee's** database, so one referrer's referrals are spread over
 * both, and every reader finds them all: the referrer's `GET /v1/me/referrals`, the review
 * queue `GET /admin/v1/referrals`, the funnel `GET /admin/v1/referrals/funnel`, the analytics
 * funnel `GET /admin/v1/analytics/referrals`, and the wallet's chain and velocity lookups.
 */
const RUN = Math.random().toString(36).slice(2, 8);
const DAY_MS = 86_400_000;
/** A UTC day of its own in the past, so no other file's referrals fall into the ranges read. */
const DAY_START_MS = Date.UTC(2019, 0, 1) + Math.floor(Math.random() * 700) * DAY_MS;
const PROGRAM = `prog-${RUN}`;

// Two referees on different databases; their referrer on the first referee's other side.
const referees = usersOnBothShards(`zz-rfe-${RUN}-`, 2);
const referrer = usersOnBothShards(`zz-rfr-${RUN}-`, 2).find(
  (u) => shardOf(u, 2) !== shardOf(referees[0] ?? "", 2),
) as string;

function referral(refereeId: string, i: number): ReferralProjection["referral"] {
  const attributedAtMs = DAY_START_MS + (i + 1) * 3_600_000;
  return {
    id: `ref_${refereeId}`,
    programId: PROGRAM,
    referrerId: referrer,
    refereeId,
    state: i === 0 ? "qualified" : "signed_up",
    method: "code",
    reason: i === 0 ? "qualifying_event" : "signed_up",
    refereeNameMasked: null,
    clickId: null,
    attributedAtMs,
    updatedAtMs: attributedAtMs,
    version: 2,
    ...(i === 0
      ? {
          qualification: {
            ruleId: `rule-${RUN}`,
            ruleVersion: 1,
            qualifiedAtMs: attributedAtMs + 60_000,
            referrerDue: { unit: "EUR", amount: 250 },
          },
        }
      : {}),
  } as ReferralProjection["referral"];
}

async function referralIn(db: D1Database, refereeId: string): Promise<number> {
  const row = await db
    .prepare(`SELECT COUNT(*) AS n FROM referrals WHERE referee_id = ?`)
    .bind(refereeId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

async function get<T>(path: string, authorization: string): Promise<T> {
  const response = await createApp().fetch(
    new Request(`https://api.test${path}`, { headers: { authorization } }),
    TWO,
  );
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as T;
}
const adminGet = <T>(path: string) => get<T>(path, ADMIN_HEADERS.authorization);

describe("referrals at two user databases", () => {
  // The readers' referrals, each written straight into its referee's database as the consumer
  // writes it (the consumer's own test below projects referrals of its own).
  beforeAll(async () => {
    for (const [i, referee] of referees.entries()) {
      const { home } = homeAndOther(referee);
      await drizzle(env.DB).batch([referralIndexStatement(TWO, referral(referee, i))]);
      const [first, ...rest] = referralProjectionStatements(home, referral(referee, i));
      if (first) await drizzle(home).batch([first, ...rest]);
    }
  });

  it("the ledger consumer projects each referral on its referee's database", async () => {
    const own = usersOnBothShards(`zz-rfc-${RUN}-`, 2);
    const bodies: LedgerEventMessage[] = own.map((r, i) => ({
      kind: "referral",
      userId: r,
      referral: { ...referral(r, i), referrerId: `zz-rfc-referrer-${RUN}`, programId: "other" },
    }));
    // Delivered twice: the projection is guarded by its version, so nothing moves.
    for (let delivery = 0; delivery < 2; delivery++) {
      await consumeLedgerEvents(
        createMessageBatch<LedgerEventMessage>(
          "boomerang-ledger-events",
          bodies.map((body, i) => ({
            id: `m-${RUN}-${delivery}-${i}`,
            timestamp: new Date(),
            attempts: 1,
            body,
          })),
        ),
        TWO as never,
      );
    }
    for (const referee of own) {
      const { home, other } = homeAndOther(referee);
      expect(await referralIn(home, referee)).toBe(1);
      expect(await referralIn(other, referee)).toBe(0);
      // And its referrer index row, once, in the global database.
      const indexed = await env.DB.prepare(
        `SELECT referrer_id FROM referral_referrers WHERE referee_id = ?`,
      )
        .bind(referee)
        .all<{ referrer_id: string }>();
      expect(indexed.results).toEqual([{ referrer_id: `zz-rfc-referrer-${RUN}` }]);
    }
  });

  it("the referrer's page lists and counts the referrals of both databases", async () => {
    type Page = {
      friends: Array<{ referralId: string }>;
      nextCursor: string | null;
      counts: { signedUp: number; qualified: number };
      pending: { money: Array<{ currency: string; amountMinor: number }> };
    };
    const auth = `Bearer ${await mintUserJwt(referrer)}`;
    const first = await get<Page>(`/v1/me/referrals?limit=1`, auth);
    expect(first.counts).toMatchObject({ signedUp: 1, qualified: 1 });
    expect(first.pending.money).toEqual([{ currency: "EUR", amountMinor: 250 }]);
    // Newest first, one a page: the cursor carries on into the other database.
    expect(first.friends.map((f) => f.referralId)).toEqual([`ref_${referees[1]}`]);
    expect(first.nextCursor).not.toBeNull();
    const second = await get<Page>(
      `/v1/me/referrals?limit=1&cursor=${encodeURIComponent(first.nextCursor ?? "")}`,
      auth,
    );
    expect(second.friends.map((f) => f.referralId)).toEqual([`ref_${referees[0]}`]);
  });

  it("an index row whose referral is not written yet is skipped", async () => {
    // A crash between the index (committed first) and the referee's database: the referral
    // is not there yet, and the page lists only the referrals that are.
    const pending = `zz-rfe-pending-${RUN}`;
    await drizzle(env.DB).batch([
      referralIndexStatement(TWO, { ...referral(pending, 1), attributedAtMs: DAY_START_MS + 5 }),
    ]);
    const auth = `Bearer ${await mintUserJwt(referrer)}`;
    const page = await get<{ friends: Array<{ referralId: string }> }>(`/v1/me/referrals`, auth);
    expect(page.friends.map((f) => f.referralId)).toEqual(
      [referees[1], referees[0]].map((r) => `ref_${r}`),
    );
  });

  it("the review queue pages over both databases", async () => {
    type List = { items: Array<{ referralId: string }>; nextCursor: string | null };
    const first = await adminGet<List>(`/admin/v1/referrals?referrerId=${referrer}&limit=1`);
    expect(first.items.map((r) => r.referralId)).toEqual([`ref_${referees[0]}`]);
    const second = await adminGet<List>(
      `/admin/v1/referrals?referrerId=${referrer}&limit=1&cursor=${first.nextCursor}`,
    );
    expect(second.items.map((r) => r.referralId)).toEqual([`ref_${referees[1]}`]);
  });

  it("both funnels count the referrals of both databases", async () => {
    const from = new Date(DAY_START_MS).toISOString();
    const to = new Date(DAY_START_MS + DAY_MS).toISOString();
    const funnel = await adminGet<{
      total: { signups: number; qualified: number };
      byReferrer: Array<{ referrerId: string; signups: number }>;
    }>(`/admin/v1/referrals/funnel?referrerId=${referrer}&from=${from}&to=${to}`);
    expect(funnel.total).toMatchObject({ signups: 2, qualified: 1 });
    expect(funnel.byReferrer).toEqual([
      expect.objectContaining({ referrerId: referrer, signups: 2 }),
    ]);
    const day = from.slice(0, 10);
    const analytics = await adminGet<{ totals: { signups: number; qualified: number } }>(
      `/admin/v1/analytics/referrals?from=${day}&to=${day}&programId=${PROGRAM}`,
    );
    expect(analytics.totals).toMatchObject({ signups: 2, qualified: 1 });
  });

  it("the wallet finds each referee's referrer and the referrer's recent referrals", async () => {
    for (const referee of referees) expect(await chainOf(TWO, referee)).toEqual([referrer]);
    const window = { fromMs: DAY_START_MS, toMs: DAY_START_MS + DAY_MS };
    // From the global index: both referees, and the one whose referral is still being written.
    expect(await referralsBetween(TWO, referrer, window, "nobody")).toBe(3);
    expect(await referralsBetween(TWO, referrer, window, referees[0] ?? "")).toBe(2);
  });
});

/** `db` with a count of the statements it was asked to prepare (drizzle prepares each one). */
function counted(db: D1Database): { db: D1Database; asked: () => number } {
  let asked = 0;
  const proxy = new Proxy(db, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (key === "prepare") asked++;
        return value.apply(target, args);
      };
    },
  });
  return { db: proxy, asked: () => asked };
}

describe("one referrer's referrals through the referrer index", () => {
  const pool = usersOnBothShards(`zz-rfi-${RUN}-`, 12);
  const onZero = pool.filter((u) => shardOf(u, 2) === 0).slice(0, 3);
  const mixed = usersOnBothShards(`zz-rfm-${RUN}-`, 6);
  const STATES = ["signed_up", "rewarded", "held"] as const;

  async function seed(referrerId: string, refereeIds: readonly string[]) {
    for (const [i, referee] of refereeIds.entries()) {
      const r = {
        ...referral(referee, i),
        // A program of their own: the funnels above count PROGRAM's referrals.
        programId: `prog-rfi-${RUN}`,
        referrerId,
        state: STATES[i % STATES.length],
        qualification: undefined,
      } as ReferralProjection["referral"];
      await drizzle(env.DB).batch([referralIndexStatement(TWO, r)]);
      const { home } = homeAndOther(referee);
      const [first, ...rest] = referralProjectionStatements(home, r);
      if (first) await drizzle(home).batch([first, ...rest]);
    }
  }

  beforeAll(async () => {
    await seed(`zz-rfi-referrer-${RUN}`, onZero);
    await seed(`zz-rfm-referrer-${RUN}`, mixed);
  });

  it("the review queue filtered by referrer and a ban's sweep ask only the databases of its referees", async () => {
    expect(onZero.length).toBe(3);
    const one = counted(env.USER_DB_1);
    const env1 = { ...TWO, USER_DB_1: one.db };
    const response = await createApp().fetch(
      new Request(`https://api.test/admin/v1/referrals?referrerId=zz-rfi-referrer-${RUN}`, {
        headers: { authorization: ADMIN_HEADERS.authorization },
      }),
      env1,
    );
    expect(response.status, await response.clone().text()).toBe(200);
    const list = (await response.json()) as { items: Array<{ referralId: string }> };
    expect(list.items.map((r) => r.referralId)).toEqual(onZero.map((r) => `ref_${r}`));
    const sweep = await unrewardedReferralsOf(env1, `zz-rfi-referrer-${RUN}`, 10);
    expect(sweep).toEqual(
      [onZero[0], onZero[2]].map((r) => ({ referralId: `ref_${r}`, refereeId: r })),
    );
    // Every referee is on the global database: user database 1 is never asked.
    expect(one.asked()).toBe(0);
  });

  it("over both databases: a state filter pages in signup order and the sweep skips the rewarded", async () => {
    type List = { items: Array<{ referralId: string }>; nextCursor: string | null };
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const list: List = await adminGet<List>(
        `/admin/v1/referrals?referrerId=zz-rfm-referrer-${RUN}&state=signed_up&limit=1${
          cursor ? `&cursor=${cursor}` : ""
        }`,
      );
      seen.push(...list.items.map((r) => r.referralId));
      cursor = list.nextCursor;
      if (cursor === null) break;
    }
    expect(seen).toEqual([mixed[0], mixed[3]].map((r) => `ref_${r}`));
    const sweep = await unrewardedReferralsOf(TWO, `zz-rfm-referrer-${RUN}`, 3);
    expect(sweep.map((s) => s.refereeId)).toEqual([mixed[0], mixed[2], mixed[3]]);
  });

  it("past the index walk's budget, the rest comes from every database after the last index row read", async () => {
    const referrerId = `zz-rfb-referrer-${RUN}`;
    // 2,100 index rows whose referrals are not written (skipped), then one that is, later.
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2100)
       INSERT INTO referral_referrers (referral_id, referrer_id, referee_id, attributed_at_ms)
       SELECT printf('ref_ghost_%05d_%s', i, ?2), ?1, 'zz-ghost-' || i, ?3 + i FROM n`,
    )
      .bind(referrerId, RUN, DAY_START_MS)
      .run();
    const [late] = usersOnBothShards(`zz-rfb-${RUN}-`, 2).filter((u) => shardOf(u, 2) === 1);
    await seed(referrerId, [late as string]);
    const list = await adminGet<{ items: Array<{ referralId: string }> }>(
      `/admin/v1/referrals?referrerId=${referrerId}&limit=5`,
    );
    expect(list.items.map((r) => r.referralId)).toEqual([`ref_${late}`]);
    expect(await unrewardedReferralsOf(TWO, referrerId, 5)).toEqual([
      { referralId: `ref_${late}`, refereeId: late },
    ]);
  });
});
