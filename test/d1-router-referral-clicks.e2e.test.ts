import { createMessageBatch } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { fingerprintClicks } from "#durable-objects/wallet/referrals/fingerprint-clicks";
import type { ClicksQueueMessage } from "#shared/messages";
import { createApp } from "#workers/api/src/app";
import { consumeClicks } from "#workers/api/src/features/clicks/consumer";
import { pruneReferralClicks } from "#workers/api/src/features/referrals/index";
import { ADMIN_HEADERS } from "./helpers";
import { homeAndOther, TWO_USER_DBS as TWO, usersOnBothShards } from "./user-dbs";

/**
 * `referral_clicks` behind the D1 router at two user databases (docs/scaling.md "D1 router"):
 * a click lands in its referrer's database, and every reader finds the clicks of referrers on
 * both: the funnel `GET /admin/v1/referrals/funnel`, the analytics funnel
 * `GET /admin/v1/analytics/referrals`, a signup's fingerprint match and the retention cron.
 */
const RUN = Math.random().toString(36).slice(2, 8);
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** A UTC day of its own in the past, so no other file's clicks fall into the ranges read. */
const DAY_START_MS = Date.UTC(2019, 0, 1) + Math.floor(Math.random() * 700) * DAY_MS;
const PROGRAM = `prog-${RUN}`;

const clickIdOf = (tag: string) => `clk_${RUN}_${tag}`.replace(/-/g, "_");
const fingerprintOf = (tag: string) =>
  `${`fp${RUN}${tag}`.replace(/[^A-Za-z0-9]/g, "")}`.padEnd(43, "x");

function clickMessage(referrerId: string, tag: string, clickedAtMs: number, fingerprint: string) {
  return {
    kind: "referral_click",
    clickId: clickIdOf(tag),
    code: "ANYCODE",
    referrerId,
    programId: PROGRAM,
    platform: "web",
    fingerprint,
    clickedAtMs,
  };
}

/** A click stored straight into its referrer's database, as the consumer stores it. */
async function storeClick(referrerId: string, tag: string, clickedAtMs: number, fp: string) {
  const c = clickMessage(referrerId, tag, clickedAtMs, fp);
  await homeAndOther(referrerId)
    .home.prepare(
      `INSERT INTO referral_clicks (click_id, code, referrer_id, program_id, platform, fingerprint,
         clicked_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(c.clickId, c.code, c.referrerId, c.programId, c.platform, c.fingerprint, c.clickedAtMs)
    .run();
}

async function clicksIn(db: D1Database, referrerId: string): Promise<number> {
  const row = await db
    .prepare(`SELECT COUNT(*) AS n FROM referral_clicks WHERE referrer_id = ?`)
    .bind(referrerId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** An admin GET through the api app at two user databases. */
async function adminGet<T>(path: string): Promise<T> {
  const response = await createApp().fetch(
    new Request(`https://api.test${path}`, { headers: ADMIN_HEADERS }),
    TWO,
  );
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as T;
}

describe("referral clicks at two user databases", () => {
  const referrers = usersOnBothShards(`zz-rclk-${RUN}-`, 2);
  const fingerprint = fingerprintOf("shared");
  // Two clicks per referrer, an hour apart, all with one fingerprint, each on the referrer's
  // database (the readers' tests; the consumer's own test below stores clicks of its own).
  beforeAll(async () => {
    for (const [i, r] of referrers.entries()) {
      await storeClick(r, `${i}a`, DAY_START_MS + (2 * i + 1) * HOUR_MS, fingerprint);
      await storeClick(r, `${i}b`, DAY_START_MS + (2 * i + 2) * HOUR_MS, fingerprint);
    }
  });

  it("the CLICKS consumer stores each click on its referrer's database, once", async () => {
    // Two clicks per referrer of its own, a week before the others; delivered twice.
    const own = usersOnBothShards(`zz-rclk-c-${RUN}-`, 2);
    const atMs = DAY_START_MS - 7 * DAY_MS;
    const bodies = own.flatMap((r, i) => [
      clickMessage(r, `c${i}a`, atMs, fingerprintOf("consumer")),
      clickMessage(r, `c${i}b`, atMs + HOUR_MS, fingerprintOf("consumer")),
    ]);
    for (let delivery = 0; delivery < 2; delivery++) {
      const batch = createMessageBatch<ClicksQueueMessage>(
        "boomerang-clicks",
        bodies.map((body, i) => ({
          id: `m-${RUN}-${delivery}-${i}`,
          timestamp: new Date(),
          attempts: 1,
          body: body as unknown as ClicksQueueMessage,
        })),
      );
      await consumeClicks(batch, TWO as never);
    }
    for (const referrer of own) {
      const { home, other } = homeAndOther(referrer);
      expect(await clicksIn(home, referrer)).toBe(2);
      expect(await clicksIn(other, referrer)).toBe(0);
    }
  });

  it("the funnel counts each referrer's clicks and times their referrals from them", async () => {
    // Each referrer's first click brought a referee (a referral in the global database while
    // `referrals` is not routed) who qualified 30 minutes (referrer 0) or 90 minutes (referrer
    // 1) after the click.
    for (const [i, referrer] of referrers.entries()) {
      const clickedAtMs = DAY_START_MS + (2 * i + 1) * HOUR_MS;
      await env.DB.prepare(
        `INSERT INTO referrals (referral_id, program_id, referrer_id, referee_id, state, method,
           reason, click_id, attributed_at_ms, updated_at_ms, version, rule_id, qualified_at_ms)
         VALUES (?, ?, ?, ?, 'qualified', 'link', 'qualified', ?, ?, ?, 1, ?, ?)`,
      )
        .bind(
          `ref_${RUN}_${i}`,
          PROGRAM,
          referrer,
          `zz-rclk-referee-${RUN}-${i}`,
          clickIdOf(`${i}a`),
          clickedAtMs + 60_000,
          clickedAtMs + 60_000,
          `rule-${RUN}`,
          clickedAtMs + (i === 0 ? 30 : 90) * 60_000,
        )
        .run();
    }
    const from = new Date(DAY_START_MS).toISOString();
    const to = new Date(DAY_START_MS + DAY_MS).toISOString();
    type Times = { referrals: number; medianMs: number | null };
    type Funnel = {
      total: { clicks: number; signups: number; clickToQualification: Times };
      byReferrer: Array<{ referrerId: string; clicks: number | null; clickToQualification: Times }>;
    };
    for (const [i, referrer] of referrers.entries()) {
      const one = await adminGet<Funnel>(
        `/admin/v1/referrals/funnel?referrerId=${referrer}&from=${from}&to=${to}`,
      );
      expect(one.total).toMatchObject({
        clicks: 2,
        signups: 1,
        clickToQualification: { referrals: 1, medianMs: (i === 0 ? 30 : 90) * 60_000 },
      });
    }
    const all = await adminGet<Funnel>(`/admin/v1/referrals/funnel?from=${from}&to=${to}`);
    expect(all.total.clicks).toBe(4);
    // Nearest rank: the median of {30, 90} minutes is the first, the 90th percentile the second.
    expect(all.total.clickToQualification).toEqual({
      referrals: 2,
      medianMs: 30 * 60_000,
      p90Ms: 90 * 60_000,
    });
    for (const [i, referrer] of referrers.entries()) {
      expect(all.byReferrer.find((r) => r.referrerId === referrer)).toMatchObject({
        clicks: 2,
        clickToQualification: { referrals: 1, medianMs: (i === 0 ? 30 : 90) * 60_000 },
      });
    }
  });

  it("the analytics funnel adds every database's clicks and sharers", async () => {
    const day = new Date(DAY_START_MS).toISOString().slice(0, 10);
    const figures = await adminGet<{
      totals: { clicks: number; sharers: number; signups: number };
      perDay: Array<{ day: string; clicks: number; sharers: number }>;
      byProgram: Array<{ programId: string; clicks: number; sharers: number }>;
    }>(`/admin/v1/analytics/referrals?from=${day}&to=${day}&programId=${PROGRAM}`);
    expect(figures.totals).toMatchObject({ clicks: 4, sharers: 2, signups: 2 });
    expect(figures.perDay).toEqual([expect.objectContaining({ day, clicks: 4, sharers: 2 })]);
    expect(figures.byProgram).toEqual([
      expect.objectContaining({ programId: PROGRAM, clicks: 4, sharers: 2 }),
    ]);
  });

  it("a signup's fingerprint finds the clicks on both databases, in touch order", async () => {
    const signedUpAtMs = DAY_START_MS + 5 * HOUR_MS;
    const program = {
      programId: PROGRAM,
      touch: "first",
      probabilisticWindowHours: 24,
    } as unknown as Parameters<typeof fingerprintClicks>[3];
    const first = await fingerprintClicks(TWO, fingerprint, signedUpAtMs, program);
    expect(first.map((c) => c.clickId)).toEqual(
      ["0a", "0b", "1a", "1b"].map((tag) => clickIdOf(tag)),
    );
    const last = await fingerprintClicks(TWO, fingerprint, signedUpAtMs, {
      ...program,
      touch: "last",
    } as typeof program);
    expect(last.map((c) => c.clickId)).toEqual(
      ["1b", "1a", "0b", "0a"].map((tag) => clickIdOf(tag)),
    );
  });

  it("the retention cron prunes old clicks on every user database", async () => {
    // These clicks are years old: past every attribution window.
    const report = await pruneReferralClicks(TWO, Date.now());
    expect(report.more).toBe(false);
    for (const referrer of referrers) {
      expect(await clicksIn(env.DB, referrer)).toBe(0);
      expect(await clicksIn(env.USER_DB_1, referrer)).toBe(0);
    }
  });
});
