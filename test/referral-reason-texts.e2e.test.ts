import { describe, expect, test } from "vitest";
import { TEST_KEYS, withKey } from "./access-keys";
import { eventId, sendEvents } from "./events-client";
import {
  ADMIN_HEADERS,
  adminPut,
  api,
  eventually,
  mintUserJwt,
  uniqueUser,
  userGet,
} from "./helpers";

/**
 * Reason texts (docs/referrals.md, "Reason texts"): stable codes with English text; an operator
 * translates them per locale through the admin API, and the member's view answers in the
 * language asked (`?locale=`, else Accept-Language), code by code, falling back to English.
 */

const HINDI = {
  code_at_signup: "आपके मित्र ने साइन अप करते समय आपका रेफ़रल कोड डाला।",
  reward_credited: "रेफ़रल इनाम जमा कर दिया गया।",
};
const ENGLISH_CODE_AT_SIGNUP = "Your friend typed your referral code when signing up.";

interface MyReferrals {
  locale: string;
  friends: Array<{ reason: string; reasonText: string }>;
}

async function mine(userId: string, query = "", headers: Record<string, string> = {}) {
  const token = await mintUserJwt(userId);
  const response = await api(`/v1/me/referrals${query}`, {
    headers: { authorization: `Bearer ${token}`, ...headers },
  });
  return response;
}

/** A referrer with one friend signed up with their code, visible in the projection. */
async function referrerWithFriend(label: string): Promise<string> {
  const referrer = uniqueUser(`${label}-rr`);
  const friend = uniqueUser(`${label}-re`);
  const code = ((await (await userGet(referrer, "/v1/me/referrals")).json()) as { code: string })
    .code;
  const sent = await sendEvents({
    id: eventId("su"),
    type: "user.signed_up",
    userId: friend,
    occurredAt: new Date().toISOString(),
    data: { displayName: "Meera", referralCode: code },
  });
  expect(sent.status).toBe(202);
  await eventually(async () => {
    const body = (await (await mine(referrer)).json()) as MyReferrals;
    return body.friends.length === 1 ? body : null;
  });
  return referrer;
}

describe("reason texts", () => {
  test("an operator translates a locale; members read it by ?locale= or Accept-Language, else English", async () => {
    const put = await adminPut("/admin/v1/referrals/reason-texts/HI", { texts: HINDI });
    expect(put.status, await put.clone().text()).toBe(200);
    const saved = (await put.json()) as { locale: string; texts: object; missing: string[] };
    expect(saved.locale).toBe("hi");
    expect(saved.texts).toEqual(HINDI);
    expect(saved.missing).toContain("qualifying_event");
    expect(saved.missing).not.toContain("reward_credited");

    const referrer = await referrerWithFriend("texts");

    const byQuery = await mine(referrer, "?locale=hi");
    expect(byQuery.status).toBe(200);
    expect(byQuery.headers.get("content-language")).toBe("hi");
    const body = (await byQuery.json()) as MyReferrals;
    expect(body.locale).toBe("hi");
    expect(body.friends[0]).toMatchObject({
      reason: "code_at_signup",
      reasonText: HINDI.code_at_signup,
    });

    // hi-IN has no texts of its own: its language's are used.
    const byHeader = (await (
      await mine(referrer, "", { "accept-language": "hi-IN, en;q=0.5" })
    ).json()) as MyReferrals;
    expect(byHeader.locale).toBe("hi");
    expect(byHeader.friends[0]?.reasonText).toBe(HINDI.code_at_signup);

    // ?locale= beats the header; a locale nobody translated is English.
    for (const [query, headers] of [
      ["?locale=ta", { "accept-language": "hi" }],
      ["", { "accept-language": "ta-IN" }],
      ["", {}],
    ] as const) {
      const plain = (await (await mine(referrer, query, headers)).json()) as MyReferrals;
      expect(plain.locale).toBe("en");
      expect(plain.friends[0]?.reasonText).toBe(ENGLISH_CODE_AT_SIGNUP);
    }

    // A malformed ?locale= is a 400 problem.
    const bad = await mine(referrer, "?locale=hi_IN!");
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");

    // The catalog lists English for every code and the locale translated.
    const catalog = (await (
      await api("/admin/v1/referrals/reason-texts", { headers: ADMIN_HEADERS })
    ).json()) as {
      english: Array<{ code: string; text: string }>;
      locales: Array<{ locale: string; translated: number; missing: number }>;
    };
    expect(catalog.english).toContainEqual({
      code: "code_at_signup",
      text: ENGLISH_CODE_AT_SIGNUP,
    });
    expect(catalog.english.map((e) => e.code)).toContain("referrer_cap_reached");
    const hi = catalog.locales.find((l) => l.locale === "hi");
    expect(hi).toMatchObject({ translated: 2, missing: catalog.english.length - 2 });

    // Replacing the locale with nothing removes it: English again.
    expect((await adminPut("/admin/v1/referrals/reason-texts/hi", { texts: {} })).status).toBe(200);
    const after = (await (await mine(referrer, "?locale=hi")).json()) as MyReferrals;
    expect(after.locale).toBe("en");
    expect(after.friends[0]?.reasonText).toBe(ENGLISH_CODE_AT_SIGNUP);
  });

  test.each([
    { label: "an unknown code", locale: "pt-BR", texts: { nope: "x" }, path: "texts.nope" },
    { label: "English itself", locale: "en", texts: { reward_credited: "x" }, path: "locale" },
    { label: "not a locale", locale: "pt_BR", texts: { reward_credited: "x" }, path: "locale" },
  ])("refused with 400, nothing saved: $label", async ({ locale, texts, path }) => {
    const response = await adminPut(`/admin/v1/referrals/reason-texts/${locale}`, { texts });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: Array<{ path: string }> };
    expect(problem.errors.map((e) => e.path)).toContain(path);
    const now = await api("/admin/v1/referrals/reason-texts/pt-BR", { headers: ADMIN_HEADERS });
    expect(((await now.json()) as { texts: object }).texts).toEqual({});
  });

  test("writes are catalog's and audited; every role reads", async () => {
    const path = "/admin/v1/referrals/reason-texts/ta";
    const body = JSON.stringify({
      texts: { reward_credited: "பரிந்துரை வெகுமதி வரவு வைக்கப்பட்டது." },
    });
    const asViewer = await api(path, withKey(TEST_KEYS.viewer, { method: "PUT", body }));
    expect(asViewer.status).toBe(403);
    expect((await api(path, withKey(TEST_KEYS.viewer))).status).toBe(200);
    const asCatalog = await api(path, withKey(TEST_KEYS.catalog, { method: "PUT", body }));
    expect(asCatalog.status).toBe(200);
    const audit = (await (
      await api(`/admin/v1/audit-log?pathPrefix=${encodeURIComponent(path)}`, ADMIN_HEADERS_INIT)
    ).json()) as { items: Array<{ status: number; after: { texts?: object } | null }> };
    expect(audit.items.map((i) => i.status).sort()).toEqual([200, 403]);
    expect(audit.items.find((i) => i.status === 200)?.after?.texts).toMatchObject({
      reward_credited: expect.any(String),
    });
  });
});

const ADMIN_HEADERS_INIT = { headers: ADMIN_HEADERS };
