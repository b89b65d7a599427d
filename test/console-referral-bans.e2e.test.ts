import { env } from "cloudflare:workers";
import { describe, expect, test } from "vitest";
import { TEST_KEYS, withKey } from "./access-keys";
import { type ConsoleClient, signedIn } from "./console-client";
import { eventId } from "./events-client";
import { api, eventually, uniqueUser, walletStub } from "./helpers";
import { referralCode, sendAccepted } from "./referral-helpers";

/**
 * Banning a referrer from the console (docs/console.md, "Referrer bans"), through the real
 * worker as signed-in operators: the box on the user's page and on a referral's timeline, the
 * ban with its required reason (the API rejects the referrer's referrals not yet rewarded and
 * says how many), the "continue" button when more remain, the unban, and the refusals (an
 * empty reason beside its field, a role that may not). Signups go through the real events
 * worker into the wallets; the ban's sweep reads the D1 projection, so the tests wait for it.
 */

const HOUR_MS = 3_600_000;

const signup = (userId: string, data: Record<string, unknown>, atMs: number) => ({
  id: eventId("su"),
  type: "user.signed_up",
  userId,
  occurredAt: new Date(atMs).toISOString(),
  data: { displayName: "Ravi", ...data },
});

const stateOf = async (referee: string) =>
  (await walletStub(referee).getReferral())?.referral.state;

/** A referrer with `friends` friends signed up with their code, all in the D1 projection. */
async function referrerWithFriends(label: string, friends: number) {
  const referrer = uniqueUser(`${label}-rr`);
  await sendAccepted(signup(referrer, {}, Date.now() - 2 * HOUR_MS));
  const code = await referralCode(referrer);
  const referees: string[] = [];
  for (let i = 0; i < friends; i++) {
    const referee = uniqueUser(`${label}-re${i}`);
    await sendAccepted(signup(referee, { referralCode: code }, Date.now() - HOUR_MS));
    referees.push(referee);
  }
  await eventually(async () => {
    const row = await env.DB.prepare(
      `SELECT COUNT(*) AS n FROM referrals WHERE referrer_id = ? AND state = 'signed_up'`,
    )
      .bind(referrer)
      .first<{ n: number }>();
    return row?.n === friends;
  });
  await eventually(
    async () => (await api(`/admin/v1/users/${referrer}`, withKey(TEST_KEYS.viewer))).ok,
  );
  return { referrer, referees };
}

/** The notice a redirect carries back to the page. */
const noticeOf = (location: string) =>
  new URL(location, "https://console.invalid").searchParams.get("notice") ?? "";

async function html(client: ConsoleClient, path: string) {
  const response = await client.get(path);
  return { status: response.status, body: await response.text() };
}

async function banOf(userId: string) {
  const response = await api(
    `/admin/v1/referrals/referrers/${userId}/ban`,
    withKey(TEST_KEYS.viewer),
  );
  return (await response.json()) as { banned: boolean; reason: string | null };
}

describe("referrer bans in the console", () => {
  test("finance bans from the user's page: the friends' referrals are rejected, then unbans", async () => {
    const { client, operator } = await signedIn("finance");
    const { referrer, referees } = await referrerWithFriends("cban", 2);
    const userPage = `/console/users/${referrer}`;

    const before = await html(client, userPage);
    expect(before.status).toBe(200);
    expect(before.body).toContain("<h2>Referrals</h2>");
    expect(before.body).toContain("may refer");
    expect(before.body).toContain("Reason to ban from referring");
    expect(before.body).toContain(`action="/console/referrals/referrers/${referrer}/ban"`);

    const banned = await client.post(
      `/console/referrals/referrers/${referrer}/ban`,
      { reason: "A ring of fake friends", back: userPage },
      { fromPage: userPage },
    );
    expect(banned.status).toBe(303);
    const location = banned.headers.get("location") ?? "";
    expect(location.startsWith(`${userPage}?notice=`)).toBe(true);
    expect(noticeOf(location)).toContain(
      `${referrer} is banned from referring: 2 referrals not yet rewarded were rejected.`,
    );
    expect(location).not.toContain("banMore");

    for (const referee of referees) expect(await stateOf(referee)).toBe("rejected");
    const history = (await walletStub(referees[0] as string).getReferral())?.history.at(-1);
    expect(history).toMatchObject({
      state: "rejected",
      reason: "referrer_banned",
      actor: operator.email,
      note: "A ring of fake friends",
    });

    const after = await html(client, location);
    expect(after.body).toContain("2 referrals not yet rewarded were rejected");
    expect(after.body).toContain("banned</span> from referring");
    expect(after.body).toContain("A ring of fake friends");
    expect(after.body).toContain("Lift the ban");
    expect(after.body).not.toContain("Reason to ban from referring");
    expect(after.body).not.toContain("Continue rejecting");

    // The referral's timeline shows the referrer's ban too, with the unban for finance.
    const timeline = await html(client, `/console/referrals/ref_${referees[0]}`);
    expect(timeline.status).toBe(200);
    expect(timeline.body).toContain("referrer_banned");
    expect(timeline.body).toContain("Lift the ban");

    const lifted = await client.post(
      `/console/referrals/referrers/${referrer}/unban`,
      { back: `/console/referrals/ref_${referees[0]}` },
      { fromPage: userPage },
    );
    expect(lifted.status).toBe(303);
    expect(lifted.headers.get("location")).toContain(
      `/console/referrals/ref_${referees[0]}?notice=`,
    );
    expect((await banOf(referrer)).banned).toBe(false);
    for (const referee of referees) expect(await stateOf(referee)).toBe("rejected");
    const unbanned = await html(client, userPage);
    expect(unbanned.body).toContain("may refer");
  });

  test("an empty reason is refused beside its field and bans nobody", async () => {
    const { client } = await signedIn("admin");
    const { referrer, referees } = await referrerWithFriends("cban-empty", 1);
    const response = await client.post(
      `/console/referrals/referrers/${referrer}/ban`,
      { reason: "   ", back: `/console/users/${referrer}` },
      { fromPage: `/console/users/${referrer}` },
    );
    expect(response.status).toBe(400);
    const body = await response.text();
    expect(body).toContain(`Referrer ${referrer}`);
    expect(body).toContain('aria-invalid="true"');
    expect((await banOf(referrer)).banned).toBe(false);
    expect(await stateOf(referees[0] as string)).toBe("signed_up");
  });

  test.each(["support", "viewer", "catalog"] as const)(
    "%s reads the ban box without the forms, and a forged ban is refused",
    async (role) => {
      const { client } = await signedIn(role);
      const { referrer, referees } = await referrerWithFriends(`cban-${role}`, 1);
      const page = await html(client, `/console/users/${referrer}`);
      expect(page.body).toContain("may refer");
      expect(page.body).not.toContain("Reason to ban from referring");
      expect(page.body).toContain("Banning a referrer needs the finance or admin role.");
      const forged = await client.post(
        `/console/referrals/referrers/${referrer}/ban`,
        { reason: "no", back: `/console/users/${referrer}` },
        { fromPage: `/console/users/${referrer}` },
      );
      expect(forged.status).toBe(403);
      expect((await banOf(referrer)).banned).toBe(false);
      expect(await stateOf(referees[0] as string)).toBe("signed_up");
    },
  );

  test("when a ban says more remain, the page offers to continue; a foreign back is ignored", async () => {
    const { client } = await signedIn("finance");
    const { referrer } = await referrerWithFriends("cban-more", 0);
    const banned = await client.post(
      `/console/referrals/referrers/${referrer}/ban`,
      { reason: "bulk ring", back: "https://evil.example/console/users/x" },
      { fromPage: "/console" },
    );
    expect(banned.status).toBe(303);
    const location = banned.headers.get("location") ?? "";
    expect(location.startsWith(`/console/referrals/referrers/${referrer}?notice=`)).toBe(true);
    expect(noticeOf(location)).toContain("no referral was waiting to be rejected");

    // The API's `moreToReject` comes back as `banMore=<referrer>` on the page it returns to.
    const more = await html(client, `/console/users/${referrer}?banMore=${referrer}`);
    expect(more.body).toContain("Continue rejecting");
    expect(more.body).toContain('name="reason" value="bulk ring"');
    const other = await html(client, `/console/users/${referrer}?banMore=someone-else`);
    expect(other.body).not.toContain("Continue rejecting");

    const again = await client.post(
      `/console/referrals/referrers/${referrer}/ban`,
      { reason: "bulk ring", back: `/console/users/${referrer}` },
      { fromPage: `/console/users/${referrer}` },
    );
    expect(again.status).toBe(303);
    expect((await banOf(referrer)).reason).toBe("bulk ring");

    const referrerPage = await html(client, `/console/referrals/referrers/${referrer}`);
    expect(referrerPage.status).toBe(200);
    expect(referrerPage.body).toContain("Their held referrals");
    expect(referrerPage.body).toContain("Lift the ban");
  });
});

describe("reason-text translations in the console", () => {
  const english = async () =>
    (
      (await (await api("/admin/v1/referral-reason-texts", withKey(TEST_KEYS.viewer))).json()) as {
        english: Array<{ code: string; text: string }>;
      }
    ).english;

  test("catalog adds a locale, saves texts beside the English, then removes it", async () => {
    const { client } = await signedIn("catalog");
    const list = await html(client, "/console/referrals/reason-texts");
    expect(list.status).toBe(200);
    expect(list.body).toContain("Add or open a locale");
    expect(list.body).toContain('href="/console/referrals/reason-texts" aria-current="page"');

    const opened = await client.get("/console/referrals/reason-texts?locale=pt-br");
    expect(opened.status).toBe(303);
    const canonical = await client.get(opened.headers.get("location") ?? "");
    expect(canonical.status).toBe(303);
    expect(canonical.headers.get("location")).toBe("/console/referrals/reason-texts/pt-BR");

    const path = "/console/referrals/reason-texts/pt-BR";
    const page = await html(client, path);
    expect(page.status).toBe(200);
    const codes = await english();
    expect(codes.length).toBeGreaterThan(3);
    for (const { code, text } of codes) {
      expect(page.body).toContain(`name="texts.${code}"`);
      expect(page.body).toContain(`English: ${text}`.replaceAll("'", "&#39;"));
    }
    expect(page.body).toContain("Save texts");

    const saved = await client.post(
      path,
      {
        "texts.code_at_signup": "  Seu amigo digitou o seu código.  ",
        "texts.reward_credited": "Recompensa creditada.",
        "texts.referrer_banned": "",
      },
      { fromPage: path },
    );
    expect(saved.status).toBe(303);
    const location = saved.headers.get("location") ?? "";
    expect(noticeOf(location)).toBe(
      `pt-BR saved: 2 texts translated, ${codes.length - 2} shown in English.`,
    );
    const stored = (await (
      await api("/admin/v1/referral-reason-texts/pt-BR", withKey(TEST_KEYS.viewer))
    ).json()) as { texts: Record<string, string> };
    expect(stored.texts).toEqual({
      code_at_signup: "Seu amigo digitou o seu código.",
      reward_credited: "Recompensa creditada.",
    });
    const after = await html(client, location);
    expect(after.body).toContain("Recompensa creditada.");
    expect(after.body).toContain("Remove pt-BR");
    const listed = await html(client, "/console/referrals/reason-texts");
    expect(listed.body).toContain('href="/console/referrals/reason-texts/pt-BR"');

    const removed = await client.post(`${path}/remove`, {}, { fromPage: path });
    expect(removed.status).toBe(303);
    expect(noticeOf(removed.headers.get("location") ?? "")).toBe(
      "pt-BR has no texts left: members see English.",
    );
    const gone = (await (
      await api("/admin/v1/referral-reason-texts/pt-BR", withKey(TEST_KEYS.viewer))
    ).json()) as { texts: Record<string, string> };
    expect(gone.texts).toEqual({});
  });

  test("a refused save shows each problem where it belongs and keeps what was typed", async () => {
    const { client } = await signedIn("admin");
    const path = "/console/referrals/reason-texts/de-CH";
    const tooLong = await client.post(
      path,
      { "texts.reward_credited": "x".repeat(501), "texts.code_at_signup": "Code beim Anmelden" },
      { fromPage: path },
    );
    expect(tooLong.status).toBe(400);
    const body = await tooLong.text();
    expect(body).toMatch(/id="f-texts-reward_credited"[^>]*aria-invalid="true"/);
    expect(body).toContain("Code beim Anmelden");
    const stored = (await (
      await api("/admin/v1/referral-reason-texts/de-CH", withKey(TEST_KEYS.viewer))
    ).json()) as { texts: Record<string, string> };
    expect(stored.texts).toEqual({});

    const builtIn = await client.post(
      "/console/referrals/reason-texts/en",
      { "texts.reward_credited": "Paid" },
      { fromPage: path },
    );
    expect(builtIn.status).toBe(400);
    expect(await builtIn.text()).toContain("English is built in");

    const bad = await html(client, "/console/referrals/reason-texts/not_a_locale!");
    expect(bad.status).toBe(400);
    expect(bad.body).toContain("not a locale this program stores");
  });

  test("a viewer reads a locale's texts without the form, and a forged save is refused", async () => {
    const saved = await api(
      "/admin/v1/referral-reason-texts/fr-CA",
      withKey(TEST_KEYS.catalog, {
        method: "PUT",
        body: JSON.stringify({ texts: { reward_credited: "Récompense versée." } }),
      }),
    );
    expect(saved.status).toBe(200);
    const { client } = await signedIn("viewer");
    const page = await html(client, "/console/referrals/reason-texts/fr-CA");
    expect(page.status).toBe(200);
    expect(page.body).toContain("Récompense versée.");
    expect(page.body).not.toContain("Save texts");
    expect(page.body).toContain("Changing the texts needs the catalog or admin role.");
    const forged = await client.post(
      "/console/referrals/reason-texts/fr-CA",
      { "texts.reward_credited": "Non" },
      { fromPage: "/console/referrals/reason-texts/fr-CA" },
    );
    expect(forged.status).toBe(403);
  });
});
