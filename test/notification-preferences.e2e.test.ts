import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DEFAULT_NOTIFICATION_SETTINGS } from "#shared/notify/settings";
import { signUnsubscribeToken, unsubscribeUrlFor } from "#shared/notify/unsubscribe";
import { claimCapSlot } from "#workers/api/src/features/notifications/caps";
import {
  flushDigest,
  joinDigest,
  renderDigest,
} from "#workers/api/src/features/notifications/digests";
import { readPreferences } from "#workers/api/src/features/notifications/preferences-store";
import { TEST_KEYS, withKey } from "./access-keys";
import { ADMIN_HEADERS, adminPut, api, mintUserJwt, uniqueUser } from "./helpers";

/** Preferences, operator settings, caps, digests and the signed unsubscribe link, through the real worker. */

const PATH = "/v1/me/notification-preferences";

async function asUser(userId: string, method: string, body?: unknown): Promise<Response> {
  const token = await mintUserJwt(userId);
  return api(PATH, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

describe("GET/PUT /v1/me/notification-preferences", () => {
  it("reads the defaults, then saves a change and reads it back", async () => {
    const user = uniqueUser("prefs");
    const first = await asUser(user, "GET");
    expect(first.status).toBe(200);
    const defaults = (await first.json()) as Record<string, unknown>;
    expect(defaults).toMatchObject({
      timeZone: "UTC",
      promotionalOptIn: false,
      quietHours: { start: "22:00", end: "08:00" },
      updatedAt: null,
    });

    const put = await asUser(user, "PUT", {
      timeZone: "Australia/Lord_Howe",
      locale: "en-AU",
      promotionalOptIn: true,
      quietHours: { start: "21:30", end: 420 },
      channels: { promotional: { sms: false }, transactional: { email: false } },
    });
    expect(put.status).toBe(200);
    const saved = (await put.json()) as {
      quietHours: unknown;
      channels: Record<string, Record<string, boolean>>;
    };
    expect(saved.quietHours).toEqual({ start: "21:30", end: "07:00" });
    expect(saved.channels.promotional).toEqual({
      webhook: true,
      email: true,
      push: true,
      sms: false,
    });
    expect(saved.channels.transactional?.email).toBe(false);

    const again = (await (await asUser(user, "GET")).json()) as Record<string, unknown>;
    expect(again).toMatchObject({
      timeZone: "Australia/Lord_Howe",
      locale: "en-AU",
      promotionalOptIn: true,
    });
    // The consumer's bulk read sees the same.
    const stored = (await readPreferences(env, [user])).get(user);
    expect(stored?.quietHours).toEqual({ startMinute: 21 * 60 + 30, endMinute: 420 });
  });

  it.each([
    { label: "an unknown zone", body: { timeZone: "Mars/Olympus" } },
    { label: "a locale that is not BCP 47", body: { locale: "english please" } },
    { label: "a bad time", body: { quietHours: { start: "24:00", end: "07:00" } } },
    { label: "equal bounds", body: { quietHours: { start: "07:00", end: 420 } } },
    { label: "an unknown key", body: { marketing: true } },
    { label: "an unknown channel", body: { channels: { promotional: { fax: false } } } },
    { label: "an unknown category", body: { channels: { spam: { sms: false } } } },
  ])("refuses $label with a 400 problem and writes nothing", async ({ body }) => {
    const user = uniqueUser("prefs-bad");
    const response = await asUser(user, "PUT", body);
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    expect(
      ((await (await asUser(user, "GET")).json()) as { updatedAt: unknown }).updatedAt,
    ).toBeNull();
  });

  it.each(["critical", "transactional"])(
    "refuses turning off every channel of %s with a 422 problem",
    async (category) => {
      const user = uniqueUser("prefs-422");
      const off = { webhook: false, email: false, push: false, sms: false };
      const response = await asUser(user, "PUT", { channels: { [category]: off } });
      expect(response.status).toBe(422);
      const problem = (await response.json()) as { code: string; errors: Array<{ path: string }> };
      expect(problem.code).toBe("channels_required");
      expect(problem.errors.map((e) => e.path)).toEqual([`channels.${category}`]);
      // Three of four off is allowed.
      const ok = await asUser(user, "PUT", { channels: { [category]: { ...off, push: true } } });
      expect(ok.status).toBe(200);
    },
  );

  it("needs a user token", async () => {
    expect((await api(PATH)).status).toBe(401);
  });
});

describe("admin: one user's preferences", () => {
  it("support reads, support may not change, finance changes; unknown users are 404", async () => {
    const user = uniqueUser("prefs-admin");
    expect((await adminPut(`/admin/v1/users/${user}`, {})).status).toBe(200);
    const path = `/admin/v1/users/${user}/notification-preferences`;
    expect((await api(path, withKey(TEST_KEYS.support))).status).toBe(200);
    const body = JSON.stringify({ promotionalOptIn: true });
    const bySupport = await api(path, withKey(TEST_KEYS.support, { method: "PUT", body }));
    expect(bySupport.status).toBe(403);
    const byFinance = await api(path, withKey(TEST_KEYS.finance, { method: "PUT", body }));
    expect(byFinance.status).toBe(200);
    expect(((await byFinance.json()) as { promotionalOptIn: boolean }).promotionalOptIn).toBe(true);
    const read = (await (await api(path, withKey(TEST_KEYS.support))).json()) as Record<
      string,
      unknown
    >;
    expect(read.promotionalOptIn).toBe(true);
    expect(
      (
        await api("/admin/v1/users/nobody-here/notification-preferences", {
          headers: ADMIN_HEADERS,
        })
      ).status,
    ).toBe(404);
  });
});

describe("operator notification settings", () => {
  it("reads the defaults, saves valid settings, refuses bad ones, and new users get the default zone", async () => {
    const got = (await (
      await api("/admin/v1/notification-settings", { headers: ADMIN_HEADERS })
    ).json()) as Record<string, unknown>;
    expect(got).toMatchObject({
      sendWindow: { start: "09:00", end: "21:00" },
      caps: { promotional: { perDay: 2, perWeek: 5 } },
    });
    const settings = {
      sendWindow: { start: "10:00", end: "20:30" },
      caps: {
        transactional: { perDay: null, perWeek: null },
        promotional: { perDay: 1, perWeek: 3 },
      },
      digest: { windowSeconds: 120, types: ["cashback_earned", "points_earned"] },
      defaultTimeZone: "Asia/Kolkata",
      defaultLocale: "en-IN",
    };
    const bad = [
      { ...settings, sendWindow: { start: "10:00", end: "10:00" } },
      { ...settings, caps: { ...settings.caps, promotional: { perDay: 4, perWeek: 3 } } },
      { ...settings, digest: { windowSeconds: 60, types: ["step_up_code"] } },
      { ...settings, defaultTimeZone: "Nowhere/Else" },
      { ...settings, extra: 1 },
    ];
    for (const body of bad) {
      expect(
        (await adminPut("/admin/v1/notification-settings", body)).status,
        JSON.stringify(body),
      ).toBe(400);
    }
    const byViewer = await api(
      "/admin/v1/notification-settings",
      withKey(TEST_KEYS.viewer, { method: "PUT", body: JSON.stringify(settings) }),
    );
    expect(byViewer.status).toBe(403);
    const saved = await api(
      "/admin/v1/notification-settings",
      withKey(TEST_KEYS.catalog, { method: "PUT", body: JSON.stringify(settings) }),
    );
    expect(saved.status).toBe(200);
    expect(await saved.json()).toMatchObject({
      ...settings,
      sendWindow: { start: "10:00", end: "20:30" },
    });
    const fresh = (await (await asUser(uniqueUser("prefs-default"), "GET")).json()) as Record<
      string,
      unknown
    >;
    expect(fresh).toMatchObject({ timeZone: "Asia/Kolkata", locale: "en-IN" });
    // Back to the defaults for the other tests in this file.
    const d = DEFAULT_NOTIFICATION_SETTINGS;
    expect(
      (
        await adminPut("/admin/v1/notification-settings", {
          ...d,
          sendWindow: { start: d.sendWindow?.startMinute, end: d.sendWindow?.endMinute },
        })
      ).status,
    ).toBe(200);
  });
});

describe("frequency caps", () => {
  it("under 20 concurrent claims exactly the daily cap succeeds, and a redelivery keeps its slot", async () => {
    const user = uniqueUser("caps");
    const nowMs = Date.UTC(2026, 11, 6, 12);
    const cap = { perDay: 3, perWeek: 10 };
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        claimCapSlot(
          env,
          {
            userId: user,
            category: "promotional",
            eventId: `ev-${i}`,
            timeZone: "Asia/Kolkata",
            nowMs,
          },
          cap,
        ),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(3);
    const winner = results.indexOf(true);
    expect(
      await claimCapSlot(
        env,
        {
          userId: user,
          category: "promotional",
          eventId: `ev-${winner}`,
          timeZone: "Asia/Kolkata",
          nowMs,
        },
        cap,
      ),
    ).toBe(true);
    const loser = results.indexOf(false);
    expect(
      await claimCapSlot(
        env,
        {
          userId: user,
          category: "promotional",
          eventId: `ev-${loser}`,
          timeZone: "Asia/Kolkata",
          nowMs,
        },
        cap,
      ),
    ).toBe(false);
    // The next local day (Kolkata midnight is 18:30 UTC) has room again.
    const nextDay = Date.UTC(2026, 11, 6, 18, 30);
    expect(
      await claimCapSlot(
        env,
        {
          userId: user,
          category: "promotional",
          eventId: "ev-next-day",
          timeZone: "Asia/Kolkata",
          nowMs: nextDay,
        },
        cap,
      ),
    ).toBe(true);
    // Critical is never capped.
    expect(
      await claimCapSlot(
        env,
        { userId: user, category: "critical", eventId: "ev-crit", timeZone: "UTC", nowMs },
        { perDay: 0, perWeek: 0 },
      ),
    ).toBe(true);
  });

  it("the weekly cap counts across local days of one ISO week", async () => {
    const user = uniqueUser("caps-week");
    const cap = { perDay: 2, perWeek: 3 };
    const claim = (eventId: string, nowMs: number) =>
      claimCapSlot(
        env,
        { userId: user, category: "promotional", eventId, timeZone: "America/New_York", nowMs },
        cap,
      );
    // Mon 7 and Tue 8 Dec 2026 (New York), then Sunday 13 Dec still in ISO week 50.
    expect(await claim("a", Date.UTC(2026, 11, 7, 15))).toBe(true);
    expect(await claim("b", Date.UTC(2026, 11, 7, 16))).toBe(true);
    expect(await claim("c", Date.UTC(2026, 11, 8, 15))).toBe(true);
    expect(await claim("d", Date.UTC(2026, 11, 13, 15))).toBe(false);
    // Monday 14 Dec 00:30 in New York is 05:30 UTC: a new week.
    expect(await claim("e", Date.UTC(2026, 11, 14, 5, 30))).toBe(true);
  });
});

describe("digests", () => {
  it("a burst of concurrent events becomes one digest listing each once; flushing twice sends once", async () => {
    const user = uniqueUser("digest");
    const nowMs = Date.now();
    const events = Array.from({ length: 5 }, (_, i) => ({
      id: `txn-${i}:earned`,
      userId: user,
      type: "cashback_earned" as const,
      vars: {
        merchantName: `Shop ${i}`,
        cashback: { amountMinor: 100 * (i + 1), currency: "INR" },
        orderId: `O-${i}`,
      },
      occurredAtMs: nowMs + i,
    }));
    const joins = await Promise.all(events.map((e) => joinDigest(env, e, 60, nowMs)));
    const opened = joins.filter((j) => j.action === "opened");
    expect(opened).toHaveLength(1);
    expect(joins.filter((j) => j.action === "joined")).toHaveLength(4);
    const digestId = opened[0]?.action === "opened" ? opened[0].digestId : "";
    expect(opened[0]).toMatchObject({ flushAtMs: nowMs + 60_000 });
    expect(new Set(joins.map((j) => (j.action === "duplicate" ? "" : j.digestId)))).toEqual(
      new Set([digestId]),
    );
    // A redelivered event joins nothing.
    expect(await joinDigest(env, events[2] as (typeof events)[number], 60, nowMs)).toEqual({
      action: "duplicate",
    });

    const flushed = await flushDigest(env, { digestId, userId: user }, nowMs + 60_000);
    expect(flushed?.items.map((i) => i.eventId)).toEqual(events.map((e) => e.id));
    expect(await flushDigest(env, { digestId, userId: user }, nowMs + 61_000)).toBeNull();
    const message = renderDigest(flushed as NonNullable<typeof flushed>, "en-IN", "Asia/Kolkata");
    expect(message.title).toBe("Cashback on its way (5)");
    expect(message.body.split("\n")).toHaveLength(5);
    expect(message.body).toContain("₹5.00 cashback is pending for your Shop 4 order O-4.");

    // After the flush the next event opens a new digest.
    const next = await joinDigest(
      env,
      { ...events[0], id: "txn-9:earned" } as (typeof events)[number],
      60,
      nowMs + 70_000,
    );
    expect(next.action).toBe("opened");
    expect(next.action !== "duplicate" && next.digestId).not.toBe(digestId);
  });
});

describe("signed unsubscribe", () => {
  async function optedIn(): Promise<string> {
    const user = uniqueUser("unsub");
    expect((await asUser(user, "PUT", { promotionalOptIn: true })).status).toBe(200);
    return user;
  }
  const optIn = async (user: string) =>
    ((await (await asUser(user, "GET")).json()) as { promotionalOptIn: boolean }).promotionalOptIn;

  it("GET shows a confirmation page and changes nothing; the one-click POST opts out without a login", async () => {
    const user = await optedIn();
    const url = new URL(await unsubscribeUrlFor(env, user));
    expect(url.origin + url.pathname).toBe("https://api.test/v1/notifications/unsubscribe");
    const page = await api(url.pathname + url.search);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post"');
    expect(await optIn(user)).toBe(true);
    const post = await api(url.pathname + url.search, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(post.status).toBe(200);
    expect(await optIn(user)).toBe(false);
  });

  it.each([
    {
      label: "a flipped signature",
      status: 403,
      make: (t: string) => t.slice(0, -2) + (t.endsWith("AA") ? "BB" : "AA"),
    },
    { label: "garbage", status: 400, make: () => "not-a-token" },
    { label: "no token", status: 400, make: () => "" },
  ])("refuses $label with a $status problem and writes nothing", async ({ status, make }) => {
    const user = await optedIn();
    const token = new URL(await unsubscribeUrlFor(env, user)).searchParams.get("token") ?? "";
    const response = await api(
      `/v1/notifications/unsubscribe?token=${encodeURIComponent(make(token))}`,
      {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "List-Unsubscribe=One-Click",
      },
    );
    expect(response.status).toBe(status);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    expect(await optIn(user)).toBe(true);
  });

  it("a token re-pointed at another user, or signed with another key, is a 403", async () => {
    const victim = await optedIn();
    const attacker = uniqueUser("attacker");
    const own = await signUnsubscribeToken(env.NOTIFY_LINK_KEY as string, {
      userId: attacker,
      category: "promotional",
      issuedAtSec: Math.floor(Date.now() / 1000),
    });
    const [, ...rest] = own.split(".");
    const repointed = [
      btoa(victim).replaceAll("=", "").replaceAll("+", "-").replaceAll("/", "_"),
      ...rest,
    ].join(".");
    const otherKey = await signUnsubscribeToken("some-other-key-0123456789abcdef", {
      userId: victim,
      category: "promotional",
      issuedAtSec: Math.floor(Date.now() / 1000),
    });
    for (const token of [repointed, otherKey]) {
      const response = await api(
        `/v1/notifications/unsubscribe?token=${encodeURIComponent(token)}`,
        { method: "POST" },
      );
      expect(response.status).toBe(403);
    }
    expect(await optIn(victim)).toBe(true);
  });
});
