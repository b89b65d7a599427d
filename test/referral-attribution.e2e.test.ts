import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, test } from "vitest";
import { linkKeyRing } from "#shared/links/link-keys";
import { type AttributionClaims, signAttributionToken } from "#shared/referrals/attribution-token";
import { fingerprintOf } from "#shared/referrals/fingerprint";
import redirectWorker from "#workers/redirect/src/index";
import { eventId, sendEvents } from "./events-client";
import {
  ADMIN_HEADERS,
  adminPut,
  api,
  eventually,
  uniqueUser,
  userGet,
  walletStub,
} from "./helpers";

/**
 * Referral attribution at signup, end to end (docs/referrals.md, "Attribution"): signed
 * `user.signed_up` events go through the real events worker into the referee's wallet, which
 * decides the referrer once (typed code, then token, then a probabilistic match on the
 * fingerprint of IP and user agent), records the referral and its history, and projects it
 * to D1 through the LEDGER_EVENTS queue, where the referrer's GET /v1/me/referrals reads it.
 */

const IP = "203.0.113.7";
/** A user agent of its own per test: the D1 clicks table is shared by the whole file. */
const uaOf = (label: string) => `Mozilla/5.0 (Linux; Android 14) Mobile ${uniqueUser(label)}`;
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/** The user's referral code, as the user API hands it out (created on first use). */
async function codeOf(userId: string): Promise<string> {
  const response = await userGet(userId, "/v1/me/referrals");
  expect(response.status).toBe(200);
  const body = (await response.json()) as { code: string; link: string };
  expect(body.link).toBe(`${env.REDIRECT_BASE_URL}/r/${body.code}`);
  return body.code;
}

/** An attribution token as the share link hands it to the app or the web signup. */
function tokenFor(claims: Partial<AttributionClaims> & { referrerId: string }): Promise<string> {
  return signAttributionToken(linkKeyRing(env).current.key, {
    clickId: `clk_${uniqueUser("tok").replace(/-/g, "_")}`,
    programId: "default",
    code: "TESTCODE",
    platform: "android",
    clickedAtSec: Math.floor(Date.now() / 1000) - 86_400,
    ...claims,
  });
}

/** A referral click on `referrerId`'s link from the device (IP, ua), `agoMs` before `atMs`. */
async function clickFrom(
  referrerId: string,
  ua: string,
  atMs: number,
  agoMs: number,
): Promise<string> {
  const clickId = `clk_${uniqueUser("click").replace(/-/g, "_")}`;
  await env.DB.prepare(
    `INSERT INTO referral_clicks (click_id, code, referrer_id, program_id, platform, fingerprint,
       clicked_at_ms) VALUES (?, 'ANYCODE', ?, 'default', 'android', ?, ?)`,
  )
    .bind(clickId, referrerId, await fingerprintOf(env.SUBID_SIGNING_KEY, IP, ua), atMs - agoMs)
    .run();
  return clickId;
}

function signup(userId: string, data: Record<string, unknown>, atMs: number, id = eventId("su")) {
  return {
    id,
    type: "user.signed_up",
    userId,
    occurredAt: new Date(atMs).toISOString(),
    data,
  };
}

async function sendSignup(event: ReturnType<typeof signup>) {
  const response = await sendEvents(event);
  expect(response.status, await response.clone().text()).toBe(202);
}

function d1Referral(refereeId: string) {
  return env.DB.prepare(`SELECT * FROM referrals WHERE referee_id = ?`)
    .bind(refereeId)
    .first<Record<string, unknown>>();
}

describe("attribution at signup", () => {
  test("a code typed at signup beats an earlier link click by someone else", async () => {
    const [ana, pia, bea] = [uniqueUser("ana"), uniqueUser("pia"), uniqueUser("bea")];
    const atMs = Date.now() - MINUTE_MS;
    const code = await codeOf(ana);
    const ua = uaOf("code");
    await clickFrom(pia, ua, atMs, 30 * MINUTE_MS);
    const event = signup(
      bea,
      { displayName: "beatriz", referralCode: code.toLowerCase(), ipAddress: IP, userAgent: ua },
      atMs,
    );
    await sendSignup(event);

    const wallet = walletStub(bea);
    const stored = await wallet.getEvent(event.id);
    expect(stored?.outcome?.referral).toBe("code_at_signup");
    // The IP and user agent are kept only as their fingerprint.
    expect(stored?.data.ipAddress).toBeUndefined();
    expect(stored?.data.userAgent).toBeUndefined();
    expect(JSON.stringify(stored)).not.toContain(IP);
    expect(stored?.data.fingerprint).toBe(await fingerprintOf(env.SUBID_SIGNING_KEY, IP, ua));

    const record = await wallet.getReferral();
    expect(record?.referral).toMatchObject({
      referralId: `ref_${bea}`,
      programId: "default",
      referrerId: ana,
      refereeId: bea,
      method: "code",
      clickId: null,
      state: "signed_up",
      reason: "code_at_signup",
      refereeNameMasked: "B***",
      signupEventId: event.id,
      attributedAtMs: atMs,
      version: 1,
    });
    expect(record?.history).toEqual([
      {
        fromState: null,
        state: "signed_up",
        reason: "code_at_signup",
        eventId: event.id,
        atMs: expect.any(Number),
      },
    ]);
    const row = await eventually(() => d1Referral(bea));
    // Operators see how the signup was attributed in its outcome.
    const operatorView = (await (
      await api(`/admin/v1/users/${bea}/events`, { headers: ADMIN_HEADERS })
    ).json()) as { items: Array<{ outcome: { referral?: string } }> };
    expect(operatorView.items[0]?.outcome.referral).toBe("code_at_signup");
    expect(row).toMatchObject({
      referral_id: `ref_${bea}`,
      referrer_id: ana,
      state: "signed_up",
      method: "code",
      reason: "code_at_signup",
      referee_name_masked: "B***",
      attributed_at_ms: atMs,
      version: 1,
    });
  });

  test("a token from the install referrer beats a fingerprint click", async () => {
    const [tom, pia, bea] = [uniqueUser("tom"), uniqueUser("pia"), uniqueUser("bea")];
    const atMs = Date.now() - MINUTE_MS;
    const ua = uaOf("token");
    await clickFrom(pia, ua, atMs, 10 * MINUTE_MS);
    const clickId = `clk_${uniqueUser("t").replace(/-/g, "_")}`;
    const token = await tokenFor({ referrerId: tom, clickId });
    await sendSignup(signup(bea, { referralToken: token, ipAddress: IP, userAgent: ua }, atMs));
    expect((await walletStub(bea).getReferral())?.referral).toMatchObject({
      referrerId: tom,
      method: "token",
      clickId,
      reason: "install_referrer_token",
    });
    expect(await eventually(() => d1Referral(bea))).toMatchObject({
      referrer_id: tom,
      method: "token",
      click_id: clickId,
    });
  });

  test.each([
    {
      label: "a token signed with another key",
      token: (tom: string) =>
        signAttributionToken("not-the-link-signing-key-0123456789abcdef", {
          clickId: "clk_forged",
          referrerId: tom,
          programId: "default",
          code: "TESTCODE",
          platform: "web",
          clickedAtSec: Math.floor(Date.now() / 1000) - 60,
        }),
      want: "token_invalid",
    },
    {
      label: "a token clicked 31 days before the signup",
      token: (tom: string) =>
        tokenFor({ referrerId: tom, clickedAtSec: Math.floor(Date.now() / 1000) - 31 * 86_400 }),
      want: "token_expired",
    },
  ])("$label is no referral", async ({ token, want }) => {
    const [tom, bea] = [uniqueUser("tom"), uniqueUser("bea")];
    const event = signup(bea, { referralToken: await token(tom) }, Date.now());
    await sendSignup(event);
    expect((await walletStub(bea).getEvent(event.id))?.outcome?.referral).toBe(want);
    expect(await walletStub(bea).getReferral()).toBeNull();
  });

  test("a probabilistic match inside the window: the program's first touch", async () => {
    const [ana, pia, bea] = [uniqueUser("ana"), uniqueUser("pia"), uniqueUser("bea")];
    const atMs = Date.now() - MINUTE_MS;
    const ua = uaOf("inside");
    const anaClick = await clickFrom(ana, ua, atMs, 90 * MINUTE_MS);
    await clickFrom(pia, ua, atMs, 20 * MINUTE_MS);
    await sendSignup(signup(bea, { ipAddress: IP, userAgent: ua }, atMs));
    expect((await walletStub(bea).getReferral())?.referral).toMatchObject({
      referrerId: ana,
      method: "probabilistic",
      clickId: anaClick,
      reason: "probabilistic_match",
      refereeNameMasked: null,
    });
    expect(await eventually(() => d1Referral(bea))).toMatchObject({
      referrer_id: ana,
      method: "probabilistic",
      click_id: anaClick,
    });
  });

  test("no probabilistic match outside the window", async () => {
    const [ana, bea] = [uniqueUser("ana"), uniqueUser("bea")];
    const atMs = Date.now() - MINUTE_MS;
    const ua = uaOf("outside");
    await clickFrom(ana, ua, atMs, 2 * HOUR_MS + MINUTE_MS);
    const event = signup(bea, { ipAddress: IP, userAgent: ua }, atMs);
    await sendSignup(event);
    expect((await walletStub(bea).getEvent(event.id))?.outcome?.referral).toBe("no_evidence");
    expect(await walletStub(bea).getReferral()).toBeNull();
  });

  test.each([
    { label: "one's own code", own: true, want: "self_referral" },
    { label: "an unknown code", own: false, want: "unknown_code" },
  ])("$label is no referral", async ({ own, want }) => {
    const bea = uniqueUser("bea");
    const code = own ? await codeOf(bea) : "NOSUCH99";
    const event = signup(bea, { referralCode: code }, Date.now());
    await sendSignup(event);
    expect((await walletStub(bea).getEvent(event.id))?.outcome?.referral).toBe(want);
    expect(await walletStub(bea).getReferral()).toBeNull();
    expect(await d1Referral(bea)).toBeNull();
  });

  test("the same signup 20 times at once makes one referral", async () => {
    const [ana, bea] = [uniqueUser("ana"), uniqueUser("bea")];
    const event = signup(bea, { referralCode: await codeOf(ana) }, Date.now());
    const responses = await Promise.all(Array.from({ length: 20 }, () => sendEvents(event)));
    expect(responses.filter((r) => r.status === 202)).toHaveLength(1);
    const record = await walletStub(bea).getReferral();
    expect(record?.referral.referrerId).toBe(ana);
    expect(record?.history).toHaveLength(1);
  });

  test("a second signup is no second referral", async () => {
    const [ana, tom, bea] = [uniqueUser("ana"), uniqueUser("tom"), uniqueUser("bea")];
    const atMs = Date.now() - HOUR_MS;
    await sendSignup(signup(bea, { referralCode: await codeOf(ana) }, atMs));
    const second = signup(bea, { referralCode: await codeOf(tom) }, atMs + MINUTE_MS);
    await sendSignup(second);
    expect((await walletStub(bea).getEvent(second.id))?.outcome?.referral).toBe("not_first_signup");
    const record = await walletStub(bea).getReferral();
    expect(record?.referral.referrerId).toBe(ana);
    expect(record?.history).toHaveLength(1);
  });

  test("a first signup without referral data, then one with a code: no referral", async () => {
    const [ana, bea] = [uniqueUser("ana"), uniqueUser("bea")];
    const atMs = Date.now() - HOUR_MS;
    await sendSignup(signup(bea, { displayName: "Bea" }, atMs));
    const second = signup(bea, { referralCode: await codeOf(ana) }, atMs + MINUTE_MS);
    await sendSignup(second);
    expect((await walletStub(bea).getEvent(second.id))?.outcome?.referral).toBe("not_first_signup");
    expect(await walletStub(bea).getReferral()).toBeNull();
  });
});

describe("GET /v1/me/referrals", () => {
  test("the referrer sees each friend masked, with state, method and counts", async () => {
    const [ana, bea, cam] = [uniqueUser("ana"), uniqueUser("bea"), uniqueUser("cam")];
    const code = await codeOf(ana);
    const atMs = Date.now() - HOUR_MS;
    await sendSignup(signup(bea, { displayName: "Beatriz", referralCode: code }, atMs));
    await sendSignup(signup(cam, { displayName: "Camille", referralCode: code }, atMs + 1000));
    await eventually(async () => (await d1Referral(bea)) && (await d1Referral(cam)));

    const first = await userGet(ana, "/v1/me/referrals?limit=1");
    expect(first.status).toBe(200);
    const page1 = (await first.json()) as {
      code: string;
      link: string;
      friends: Array<Record<string, unknown>>;
      nextCursor: string | null;
      counts: Record<string, number>;
    };
    expect(page1.code).toBe(code);
    expect(page1.link).toBe(`https://go.test/r/${code}`);
    expect(page1.friends).toEqual([
      {
        referralId: `ref_${cam}`,
        name: "C***",
        state: "signed_up",
        method: "code",
        reason: "code_at_signup",
        reasonText: "Your friend typed your referral code when signing up.",
        referredAt: new Date(atMs + 1000).toISOString(),
        // Why nothing is paid yet, for the referrer (docs/referrals.md "What is pending").
        pending: {
          code: "awaiting_qualifying_event",
          text: "Your friend signed up; you are rewarded once they do what the campaign asks for.",
        },
      },
    ]);
    expect(page1.counts).toEqual({
      signedUp: 2,
      qualified: 0,
      rewarded: 0,
      held: 0,
      rejected: 0,
      reversed: 0,
    });
    expect(page1.nextCursor).not.toBeNull();
    const second = await userGet(
      ana,
      `/v1/me/referrals?limit=1&cursor=${encodeURIComponent(page1.nextCursor ?? "")}`,
    );
    const page2 = (await second.json()) as { friends: Array<{ name: string }>; nextCursor: null };
    expect(page2.friends.map((f) => f.name)).toEqual(["B***"]);
    expect(page2.nextCursor).toBeNull();

    // The friend does not see the referrer's friends, and a bad cursor is a 400.
    const friendView = (await (await userGet(bea, "/v1/me/referrals")).json()) as {
      friends: unknown[];
    };
    expect(friendView.friends).toEqual([]);
    expect((await userGet(ana, "/v1/me/referrals?cursor=bogus")).status).toBe(400);
  });
});

describe("through the share link", () => {
  const WEB_UA =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36";

  /** Opens a share link on the redirect worker as a visitor would, and waits for its queue send. */
  async function openLink(code: string, userAgent: string): Promise<Response> {
    const ctx = createExecutionContext();
    const response = await redirectWorker.fetch(
      new Request(`${env.REDIRECT_BASE_URL}/r/${code}`, {
        headers: { "user-agent": userAgent, "cf-connecting-ip": IP },
      }) as Request<unknown, IncomingRequestCfProperties>,
      env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return response;
  }

  test("a code typed at signup beats another's real click; the link's own token attributes", async () => {
    const saved = await adminPut("/admin/v1/referrals/program", {
      settings: {
        programId: "default",
        attribution: { touch: "first", windowDays: 30, probabilisticWindowHours: 2 },
        destinations: {
          webSignupUrl: "https://app.example.com/signup",
          iosAppStoreUrl: null,
          androidPlayStoreUrl: null,
        },
      },
    });
    expect(saved.status, await saved.clone().text()).toBe(200);
    const [ana, pia, bea, cam] = ["ana", "pia", "bea", "cam"].map(uniqueUser) as [
      string,
      string,
      string,
      string,
    ];
    const [anaCode, piaCode] = await Promise.all([codeOf(ana), codeOf(pia)]);
    const ua = `${WEB_UA} ${uniqueUser("device")}`;
    const response = await openLink(piaCode, ua);
    expect(response.status).toBe(302);
    const token = new URL(response.headers.get("location") ?? "").searchParams.get("ref_token");
    expect(token).toBeTruthy();
    const click = await eventually(() =>
      env.DB.prepare(`SELECT click_id FROM referral_clicks WHERE referrer_id = ?`)
        .bind(pia)
        .first<{ click_id: string }>(),
    );

    // On the device that opened Pia's link, Bea types Ana's code: Ana referred her.
    await sendSignup(
      signup(bea, { referralCode: anaCode, ipAddress: IP, userAgent: ua }, Date.now()),
    );
    expect((await walletStub(bea).getReferral())?.referral).toMatchObject({
      referrerId: ana,
      method: "code",
      reason: "code_at_signup",
    });

    // Cam signs up on the web page the link led to, which hands back its token.
    await sendSignup(signup(cam, { referralToken: token ?? "" }, Date.now()));
    expect((await walletStub(cam).getReferral())?.referral).toMatchObject({
      referrerId: pia,
      method: "token",
      clickId: click.click_id,
      reason: "web_signup_token",
    });
  });
});
