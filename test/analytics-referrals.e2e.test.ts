import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { linkKeyRing } from "#shared/links/link-keys";
import { signAttributionToken } from "#shared/referrals/attribution-token";
import { TEST_KEYS, withKey } from "./access-keys";
import { eventId } from "./events-client";
import { ADMIN_HEADERS, api, eventually, uniqueUser } from "./helpers";
import { publishRuleSet, referralCode, sendAccepted } from "./referral-helpers";

/**
 * The referral funnel per program in the analytics section (docs/analytics.md "Referral
 * funnel"), through the real workers: two referrers get their codes through the member API,
 * their links are clicked (rows as the CLICKS consumer stores them), friends sign up through
 * the events worker with a token or a typed code, and two of them qualify under a published
 * campaign. `GET /admin/v1/analytics/referrals` equals an oracle of that population, agrees
 * with `GET /admin/v1/referrals/funnel` on the shared stages, and sets the previous period
 * apart.
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const T0 = Date.now() - 5 * MINUTE_MS;

async function clickAt(referrerId: string, atMs: number): Promise<string> {
  const clickId = `clk_${uniqueUser("c").replace(/-/g, "_")}`;
  await env.DB.prepare(
    `INSERT INTO referral_clicks (click_id, code, referrer_id, program_id, platform, fingerprint,
       clicked_at_ms) VALUES (?, 'ANYCODE', ?, 'default', 'web', ?, ?)`,
  )
    .bind(clickId, referrerId, `fp-${clickId}`, atMs)
    .run();
  return signAttributionToken(linkKeyRing(env).current.key, {
    clickId,
    referrerId,
    programId: "default",
    code: "ANYCODE",
    platform: "web",
    clickedAtSec: Math.floor(atMs / 1000),
  });
}

const event = (type: string, userId: string, atMs: number, data: object) => ({
  id: eventId(type.slice(0, 3)),
  type,
  userId,
  occurredAt: new Date(atMs).toISOString(),
  data,
});

type Counts = {
  codesIssued: number;
  sharers: number;
  clicks: number;
  signups: number;
  qualified: number;
  rewarded: number;
};
interface Answer {
  from: string;
  to: string;
  totals: Counts & { signupOfClicksBps: number | null; qualifiedOfSignupsBps: number | null };
  previousTotals: Counts;
  perDay: Array<Counts & { day: string }>;
  byProgram: Array<Counts & { programId: string }>;
}

async function get<T>(path: string, key?: string): Promise<T> {
  const response = await api(path, key ? withKey(key) : { headers: ADMIN_HEADERS });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as T;
}

describe("the referral funnel per program", () => {
  const [r1, r2] = [uniqueUser("ar1"), uniqueUser("ar2")];
  const [ana, ben, cai, dan] = ["ana", "ben", "cai", "dan"].map(uniqueUser) as [
    string,
    string,
    string,
    string,
  ];

  beforeAll(async () => {
    await publishRuleSet(
      {
        timeZone: "UTC",
        groups: [{ name: "base", mode: "stackable" }],
        rules: [
          {
            id: "an2-deposit",
            name: "an2-deposit",
            eventTypes: ["deposit.completed"],
            conditions: { all: [{ attr: "referral.state", op: "eq", value: "signed_up" }] },
            effects: [
              { kind: "referral_reward", referrer: { amountMinor: 1_000, currency: "INR" } },
            ],
            priority: 10,
            group: "base",
            active: true,
          },
        ],
      },
      "analytics referrals",
    );
    const code1 = await referralCode(r1);
    await referralCode(r2);
    const [t1, t2] = [
      await clickAt(r1, T0 - 60 * MINUTE_MS),
      await clickAt(r1, T0 - 50 * MINUTE_MS),
    ];
    await clickAt(r1, T0 - 40 * MINUTE_MS); // nobody signed up from it
    const t3 = await clickAt(r2, T0 - 45 * MINUTE_MS);
    await clickAt(r2, T0 - 44 * MINUTE_MS);
    await clickAt(r2, T0 - 35 * DAY_MS); // the previous period
    const signedUpAtMs = T0 - 30 * MINUTE_MS;
    await sendAccepted(event("user.signed_up", ana, signedUpAtMs, { referralToken: t1 }));
    await sendAccepted(event("user.signed_up", ben, signedUpAtMs, { referralToken: t2 }));
    await sendAccepted(event("user.signed_up", cai, signedUpAtMs, { referralCode: code1 }));
    await sendAccepted(event("user.signed_up", dan, signedUpAtMs, { referralToken: t3 }));
    for (const referee of [ana, dan]) {
      await sendAccepted(
        event("deposit.completed", referee, T0 - 10 * MINUTE_MS, {
          amountMinor: 100,
          currency: "INR",
        }),
      );
    }
    await eventually(() =>
      env.DB.prepare(
        `SELECT COUNT(*) AS n FROM referrals WHERE referrer_id IN (?, ?) AND state = 'rewarded'
         HAVING n = 2`,
      )
        .bind(r1, r2)
        .first(),
    );
    await eventually(() =>
      env.DB.prepare(`SELECT COUNT(*) AS n FROM referrals WHERE referrer_id IN (?, ?) HAVING n = 4`)
        .bind(r1, r2)
        .first(),
    );
  });

  it("share → click → signup → qualified → rewarded equals the oracle, with the previous period", async () => {
    const f = await get<Answer>("/admin/v1/analytics/referrals?programId=default");
    const oracle = { codesIssued: 2, sharers: 2, clicks: 5, signups: 4, qualified: 2, rewarded: 2 };
    expect(f.totals).toMatchObject({
      ...oracle,
      signupOfClicksBps: 8_000,
      qualifiedOfSignupsBps: 5_000,
    });
    expect(f.previousTotals).toMatchObject({ clicks: 1, sharers: 1, signups: 0, codesIssued: 0 });
    expect(f.byProgram).toEqual([expect.objectContaining({ programId: "default", ...oracle })]);
    for (const key of Object.keys(oracle) as Array<keyof Counts>) {
      if (key === "sharers") continue; // distinct per day, not additive
      expect(f.perDay.reduce((s, d) => s + d[key], 0)).toBe(oracle[key]);
    }
    // The same stages as the referral funnel's over the same instants.
    const from = new Date(`${f.from}T00:00:00Z`).toISOString();
    const to = new Date(Date.parse(`${f.to}T00:00:00Z`) + DAY_MS).toISOString();
    const classic = await get<{ total: Counts }>(
      `/admin/v1/referrals/funnel?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
    );
    expect(classic.total).toMatchObject({
      clicks: f.totals.clicks,
      signups: f.totals.signups,
      qualified: f.totals.qualified,
      rewarded: f.totals.rewarded,
    });
  });

  it("another program has nothing; every role reads it; a bad day is a 400", async () => {
    const other = await get<Answer>(
      "/admin/v1/analytics/referrals?programId=no-such-program",
      TEST_KEYS.support,
    );
    expect(other.totals).toMatchObject({ clicks: 0, signups: 0, signupOfClicksBps: null });
    expect(other.byProgram).toEqual([]);
    const bad = await api("/admin/v1/analytics/referrals?from=2026-02-30", {
      headers: ADMIN_HEADERS,
    });
    expect(bad.status).toBe(400);
  });
});
