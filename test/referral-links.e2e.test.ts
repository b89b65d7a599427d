import {
  createExecutionContext,
  createMessageBatch,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { linkKeyRing } from "#shared/links/link-keys";
import type { ClicksQueueMessage, ReferralClickMessage } from "#shared/messages";
import { verifyAttributionToken } from "#shared/referrals/attribution-token";
import { referralCodeKvKey } from "#shared/referrals/codes";
import { fingerprintOf } from "#shared/referrals/fingerprint";
import type { ReferralProgramSettings } from "#shared/referrals/program-settings";
import { ensureReferralCode, findReferralCode } from "#workers/api/src/features/referrals/index";
import apiWorker from "#workers/api/src/index";
import redirectWorker from "#workers/redirect/src/index";
import { TEST_KEYS, withKey } from "./access-keys";
import { adminPut, api, eventually, uniqueUser } from "./helpers";

/**
 * Referral codes and the share link `/r/:code` through the real workers (docs/referrals.md):
 * codes created lazily and mirrored to KV, the redirect answering by platform with a signed
 * attribution token and no database on its path, an unknown code getting a friendly page, and
 * the click reaching D1 `referral_clicks` once through the CLICKS queue, however often it is
 * delivered. The tests run in order and share one D1.
 */

const UA = {
  ios: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
  android:
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36",
  web: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
} as const;
const CLIENT_IP = "203.0.113.7";

const SETTINGS: ReferralProgramSettings = {
  programId: "default",
  attribution: { touch: "first", windowDays: 30, probabilisticWindowHours: 2 },
  destinations: {
    webSignupUrl: "https://app.example.com/signup?utm_source=referral",
    iosAppStoreUrl: "https://apps.apple.com/app/id123456789",
    androidPlayStoreUrl: "https://play.google.com/store/apps/details?id=com.example.app",
  },
};

const referrer = uniqueUser("referrer");
let code = "";

/** Opens a share link on the redirect worker as a visitor would, and waits for its queue send. */
async function open(path: string, userAgent: string, workerEnv: unknown = env): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await redirectWorker.fetch(
    new Request(`https://go.test${path}`, {
      headers: { "user-agent": userAgent, "cf-connecting-ip": CLIENT_IP },
    }) as Request<unknown, IncomingRequestCfProperties>,
    workerEnv as typeof env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

async function clickRow(clickId: string) {
  return env.DB.prepare("SELECT * FROM referral_clicks WHERE click_id = ?")
    .bind(clickId)
    .first<Record<string, unknown>>();
}

beforeAll(async () => {
  ({ code } = await ensureReferralCode(env, referrer));
});

describe("referral codes", () => {
  it("gives a user one short code, the same on every call, mirrored to KV", async () => {
    expect(code).toMatch(/^[2-9A-HJKMNP-Z]{7}$/);
    expect(await ensureReferralCode(env, referrer)).toEqual({ code });
    expect(await env.CONFIG_KV.get(referralCodeKvKey(code), "json")).toEqual({
      userId: referrer,
      programId: "default",
    });
    expect(
      await findReferralCode(env.DB, `  ${code.toLowerCase().slice(0, 3)}-${code.slice(3)} `),
    ).toEqual({
      userId: referrer,
      programId: "default",
    });
    expect(await findReferralCode(env.DB, "ZZZZZZZ")).toBeNull();
  });

  it("retries with a new code when the first one is taken, and gives concurrent first calls one code", async () => {
    const other = uniqueUser("collides");
    const candidates = [code, "SECOND2"];
    const { code: given } = await ensureReferralCode(env, other, {
      generate: () => candidates.shift() ?? "THIRD33",
    });
    expect(given).toBe("SECOND2");
    expect((await findReferralCode(env.DB, code))?.userId).toBe(referrer);

    const racer = uniqueUser("racer");
    const results = await Promise.all(
      Array.from({ length: 5 }, () => ensureReferralCode(env, racer)),
    );
    expect(new Set(results.map((r) => r.code)).size).toBe(1);
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM referral_codes WHERE user_id = ?")
      .bind(racer)
      .first<{ n: number }>();
    expect(rows?.n).toBe(1);
  });

  it("repairs a missing KV mirror on the next call", async () => {
    const user = uniqueUser("repair");
    const { code: own } = await ensureReferralCode(env, user);
    await env.CONFIG_KV.delete(referralCodeKvKey(own));
    expect(await ensureReferralCode(env, user)).toEqual({ code: own });
    expect(await env.CONFIG_KV.get(referralCodeKvKey(own), "json")).toEqual({
      userId: user,
      programId: "default",
    });
  });
});

describe("GET /r/:code", () => {
  it("shows a friendly page, not a redirect, while the program has never been saved", async () => {
    const response = await open(`/r/${code}`, UA.web);
    expect(response.status).toBe(503);
    expect(response.headers.get("location")).toBeNull();
    expect(await response.text()).toContain("not open yet");
  });

  it.each([
    { label: "an unknown code", path: "/r/ZZZZ9999" },
    { label: "a malformed code", path: "/r/%3Cscript%3E" },
    { label: "a code too short", path: "/r/AB" },
  ])("answers $label with a friendly 404 page and a way forward", async ({ path }) => {
    const saved = await adminPut("/admin/v1/referrals/program", { settings: SETTINGS });
    expect(saved.status).toBe(200);
    const response = await open(path, UA.web);
    expect(response.status).toBe(404);
    expect(response.headers.get("location")).toBeNull();
    expect(response.headers.get("content-type")).toContain("text/html");
    const page = await response.text();
    expect(page).toContain("This invite link is not valid");
    expect(page).toContain("invite code");
    expect(page).not.toContain("<script>");
  });

  it("sends iOS to the App Store, with the click queued", async () => {
    const response = await open(`/r/${code}`, UA.ios);
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(SETTINGS.destinations.iosAppStoreUrl);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
  });

  it("sends Android to the Play Store with the install referrer carrying a token that names the referrer", async () => {
    const before = Math.floor(Date.now() / 1000);
    const response = await open(`/r/${code}`, UA.android);
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get("location") ?? "");
    expect(`${location.origin}${location.pathname}`).toBe(
      "https://play.google.com/store/apps/details",
    );
    expect(location.searchParams.get("id")).toBe("com.example.app");
    const referrerParam = location.searchParams.get("referrer") ?? "";
    expect(referrerParam).toMatch(/^ref_token=/);
    // The install referrer is one parameter: its `=` is encoded in the URL.
    expect(response.headers.get("location")).toContain("&referrer=ref_token%3D");
    const token = referrerParam.slice("ref_token=".length);

    const verified = await verifyAttributionToken(linkKeyRing(env), token, Date.now());
    expect(verified.ok).toBe(true);
    if (!verified.ok) return;
    expect(verified.claims).toMatchObject({
      referrerId: referrer,
      programId: "default",
      code,
      platform: "android",
    });
    expect(verified.claims.clickedAtSec).toBeGreaterThanOrEqual(before);

    // The click reaches D1 through the CLICKS queue, with a keyed hash, never the raw address.
    const row = await eventually(() => clickRow(verified.claims.clickId));
    expect(row).toEqual({
      click_id: verified.claims.clickId,
      code,
      referrer_id: referrer,
      program_id: "default",
      platform: "android",
      fingerprint: await fingerprintOf(env.SUBID_SIGNING_KEY, CLIENT_IP, UA.android),
      clicked_at_ms: verified.claims.clickedAtSec * 1000,
    });
  });

  it("sends the web to the signup page with ref_token and ref_code; the code is case-insensitive", async () => {
    const typed = `${code.slice(0, 3).toLowerCase()}-${code.slice(3)}`;
    const response = await open(`/r/${typed}`, UA.web);
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get("location") ?? "");
    expect(`${location.origin}${location.pathname}`).toBe("https://app.example.com/signup");
    expect(location.searchParams.get("utm_source")).toBe("referral");
    expect(location.searchParams.get("ref_code")).toBe(code);
    const verified = await verifyAttributionToken(
      linkKeyRing(env),
      location.searchParams.get("ref_token") ?? "",
      Date.now(),
    );
    expect(verified.ok && verified.claims.referrerId).toBe(referrer);
    expect(verified.ok && verified.claims.platform).toBe("web");
  });

  it("sends iOS and Android to the web signup when the program has no store pages", async () => {
    await adminPut("/admin/v1/referrals/program", {
      settings: {
        ...SETTINGS,
        destinations: { ...SETTINGS.destinations, iosAppStoreUrl: null, androidPlayStoreUrl: null },
      },
    });
    for (const ua of [UA.ios, UA.android]) {
      const location = new URL((await open(`/r/${code}`, ua)).headers.get("location") ?? "");
      expect(`${location.origin}${location.pathname}`).toBe("https://app.example.com/signup");
      expect(location.searchParams.get("ref_code")).toBe(code);
    }
    await adminPut("/admin/v1/referrals/program", { settings: SETTINGS });
  });

  it("does no D1 work once the code and the program are cached", async () => {
    await open(`/r/${code}`, UA.web); // warms the isolate cache
    const touched: string[] = [];
    const trap = new Proxy(env.DB, {
      get(target, prop, receiver) {
        touched.push(String(prop));
        return Reflect.get(target, prop, receiver);
      },
    });
    const known = await open(`/r/${code}`, UA.web, { ...env, DB: trap });
    expect(known.status).toBe(302);
    const unknown = await open("/r/NOSUCH22", UA.web, { ...env, DB: trap });
    expect(unknown.status).toBe(404);
    expect(touched).toEqual([]);
  });
});

describe("vanity codes", () => {
  const influencer = uniqueUser("influencer");
  // biome-ignore lint/suspicious/noExplicitAny: test reads of JSON answers.
  const codesOf = async (response: Response): Promise<any> => response.json();

  it("gives a member a vanity code they are shown from then on; their generated code keeps working", async () => {
    const { code: generated } = await ensureReferralCode(env, influencer);
    const saved = await adminPut(`/admin/v1/users/${influencer}/referral-code`, {
      code: "priya-10",
    });
    expect(saved.status).toBe(200);
    const body = await codesOf(saved);
    expect(body).toMatchObject({ userId: influencer, shareCode: "PRIYA10" });
    expect(body.codes).toMatchObject([
      { code: generated, kind: "generated", shareUrl: `https://go.test/r/${generated}` },
      { code: "PRIYA10", kind: "vanity", shareUrl: "https://go.test/r/PRIYA10" },
    ]);
    expect(await ensureReferralCode(env, influencer)).toEqual({ code: "PRIYA10" });

    for (const path of ["/r/priya10", `/r/${generated}`]) {
      const response = await open(path, UA.web);
      expect(response.status).toBe(302);
      const location = new URL(response.headers.get("location") ?? "");
      const verified = await verifyAttributionToken(
        linkKeyRing(env),
        location.searchParams.get("ref_token") ?? "",
        Date.now(),
      );
      expect(verified.ok && verified.claims.referrerId).toBe(influencer);
    }

    // The same code again changes nothing; reading creates nothing.
    const again = await adminPut(`/admin/v1/users/${influencer}/referral-code`, {
      code: "PRIYA10",
    });
    expect((await codesOf(again)).codes).toHaveLength(2);
    const read = await api(
      `/admin/v1/users/${influencer}/referral-code`,
      withKey(TEST_KEYS.viewer),
    );
    expect((await codesOf(read)).shareCode).toBe("PRIYA10");
    const nobody = await api(
      `/admin/v1/users/${uniqueUser("nobody")}/referral-code`,
      withKey(TEST_KEYS.viewer),
    );
    expect(await codesOf(nobody)).toMatchObject({ shareCode: null, codes: [] });
  });

  it.each([
    { label: "a word that is not allowed", code: "5h1t-code", status: 400 },
    { label: "too short", code: "ab", status: 400 },
    { label: "someone else's code", code: "PRIYA10", status: 409 },
  ])("refuses $label", async ({ code: wanted, status }) => {
    const response = await adminPut(`/admin/v1/users/${uniqueUser("other")}/referral-code`, {
      code: wanted,
    });
    expect(response.status).toBe(status);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    if (status === 400) expect((await codesOf(response)).errors).toMatchObject([{ path: "code" }]);
  });

  it("lets catalog and support set a vanity code, not the viewer or finance", async () => {
    const user = uniqueUser("roles");
    const put = (key: string, wanted: string) =>
      api(
        `/admin/v1/users/${user}/referral-code`,
        withKey(key, { method: "PUT", body: JSON.stringify({ code: wanted }) }),
      );
    expect((await put(TEST_KEYS.viewer, "VIEWER22")).status).toBe(403);
    expect((await put(TEST_KEYS.finance, "FINANCE2")).status).toBe(403);
    expect((await put(TEST_KEYS.catalog, "CATALOG2")).status).toBe(200);
    expect((await put(TEST_KEYS.support, "SUPPORT2")).status).toBe(200);
  });
});

describe("the CLICKS consumer's referral clicks", () => {
  const message = (clickId: string): ReferralClickMessage => ({
    kind: "referral_click",
    clickId,
    code,
    referrerId: referrer,
    programId: "default",
    platform: "web",
    fingerprint: "F".repeat(43),
    clickedAtMs: 1_760_000_000_000,
    requestId: "req_test",
  });

  async function deliver(bodies: unknown[], attempts: number) {
    const batch = createMessageBatch<ClicksQueueMessage>(
      "boomerang-clicks",
      bodies.map((body, i) => ({
        id: `m${i}`,
        timestamp: new Date(),
        attempts,
        body: body as ClicksQueueMessage,
      })),
    );
    const ctx = createExecutionContext();
    await apiWorker.queue(batch, env, ctx);
    return getQueueResult(batch, ctx);
  }

  it("stores a click once however often it is delivered, and acks a malformed one", async () => {
    const clickId = "clk_redelivered_0000000001";
    const bodies = [
      message(clickId),
      message(clickId), // the same click twice in one batch
      { kind: "referral_click", clickId: "not-a-click", fingerprint: CLIENT_IP },
      message("clk_redelivered_0000000002"),
    ];
    for (const attempt of [1, 2, 3]) {
      const result = await deliver(bodies, attempt);
      expect(result.retryMessages).toEqual([]);
      expect([...result.explicitAcks].sort()).toEqual(["m0", "m1", "m2", "m3"]);
    }
    const counted = await env.DB.prepare(
      "SELECT click_id, COUNT(*) AS n FROM referral_clicks WHERE click_id LIKE 'clk_redelivered_%' GROUP BY click_id ORDER BY click_id",
    ).all<{ click_id: string; n: number }>();
    expect(counted.results).toEqual([
      { click_id: "clk_redelivered_0000000001", n: 1 },
      { click_id: "clk_redelivered_0000000002", n: 1 },
    ]);
  });

  it("retries the referral clicks of a batch whose D1 write fails, writing none of them", async () => {
    const brokenDb = new Proxy(env.DB, {
      get(target, prop, receiver) {
        if (prop === "batch") return () => Promise.reject(new Error("D1 unavailable"));
        return Reflect.get(target, prop, receiver);
      },
    });
    const batch = createMessageBatch<ClicksQueueMessage>("boomerang-clicks", [
      { id: "only", timestamp: new Date(), attempts: 1, body: message("clk_broken_d1_00000001") },
    ]);
    const ctx = createExecutionContext();
    await apiWorker.queue(batch, { ...env, DB: brokenDb }, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(["only"]);
    expect(await clickRow("clk_broken_d1_00000001")).toBeNull();
  });
});
