import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TEST_KEYS, withKey } from "./access-keys";
import { eventId } from "./events-client";
import { api, eventually, uniqueUser, walletStub } from "./helpers";
import { notificationRecorder } from "./notify-recorder";
import {
  bonusHeldMinor,
  depositEvent,
  depositRewardRule,
  newReferrer,
  publishRuleSet,
  REFERRAL_FRAUD,
  refereeQualifies,
  referralStateOf,
  saveReferralProgram,
  sendAccepted,
  signupEvent,
} from "./referral-helpers";

/**
 * Fraud holds and their review, end to end (docs/referrals.md "Fraud holds"): signups and
 * deposits go through the real events worker into the wallets, identifiers reach D1 through
 * the real outbox and LEDGER_EVENTS consumer, and operators decide through the real admin API
 * (roles, audit log). A held referral credits nobody until it is approved, then each party
 * once.
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

const DEPOSIT_RULE = depositRewardRule("ref-hold-deposit");

beforeAll(async () => {
  await publishRuleSet(
    {
      timeZone: "Asia/Kolkata",
      groups: [{ name: "base", mode: "stackable" }],
      rules: [DEPOSIT_RULE],
    },
    "referral holds test",
  );
});

const bonus = bonusHeldMinor;
const stateOf = referralStateOf;

async function decide(
  referralId: string,
  decision: string,
  reason: string,
  key: string = TEST_KEYS.finance,
) {
  return api(
    `/admin/v1/referrals/${referralId}/decision`,
    withKey(key, { method: "POST", body: JSON.stringify({ decision, reason }) }),
  );
}

interface Detail {
  referral: { state: string; riskScore: number; holdReasons: string[] };
  history: Array<{ state: string; reason: string; actor?: string | null; note?: string | null }>;
  rewards: Array<{ party: string; status: string }>;
  signals: Array<{ code: string; weight: number; reason: string }>;
  riskScore: number;
}

async function detailOf(referralId: string): Promise<Detail> {
  const response = await api(`/admin/v1/referrals/${referralId}`, withKey(TEST_KEYS.support));
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as Detail;
}

/** What the wallets publish on NOTIFY_TRANSACTIONAL while this file runs. */
const notifications = notificationRecorder();
beforeAll(() => notifications.install());
afterAll(() => notifications.restore());

describe("fraud holds", () => {
  test("a shared device → held, nothing credited until approved, then credited once", async () => {
    await saveReferralProgram(REFERRAL_FRAUD);
    const device = uniqueUser("device");
    const { referrer, code } = await newReferrer("dev", { deviceId: device }, [
      "referral_identifiers",
    ]);
    const { referee, referralId } = await refereeQualifies("dev", code, { deviceId: device });

    expect(await eventually(async () => (await stateOf(referee)) === "held")).toBe(true);
    expect(await bonus(referee)).toBe(0);
    expect(await bonus(referrer)).toBe(0);

    const held = await detailOf(referralId);
    expect(held.signals.map((s) => [s.code, s.weight])).toEqual([["shared_device", 60]]);
    expect(held.riskScore).toBe(60);
    expect(held.referral.holdReasons).toEqual(["shared_device"]);
    expect(held.rewards.map((r) => [r.party, r.status])).toEqual([
      ["referee", "held"],
      ["referrer", "held"],
    ]);
    // The queue (D1) shows it with its score and reasons.
    const queued = await eventually(async () => {
      const response = await api(
        `/admin/v1/referrals?state=held&referrerId=${referrer}`,
        withKey(TEST_KEYS.viewer),
      );
      const body = (await response.json()) as {
        items: Array<{ referralId: string; riskScore: number; holdReasons: string[] }>;
      };
      return body.items.find((i) => i.referralId === referralId);
    });
    expect(queued).toMatchObject({ riskScore: 60, holdReasons: ["shared_device"] });

    // Support sees but may not decide; finance approves.
    expect((await decide(referralId, "approve", "looks fine", TEST_KEYS.support)).status).toBe(403);
    expect(await bonus(referee)).toBe(0);
    const approved = await decide(referralId, "approve", "same household, checked the ID");
    expect(approved.status, await approved.clone().text()).toBe(200);
    expect(await eventually(async () => (await stateOf(referee)) === "rewarded")).toBe(true);
    expect(await bonus(referee)).toBe(500);
    expect(await eventually(async () => (await bonus(referrer)) === 1_000)).toBe(true);

    // Approving again changes nothing.
    const again = await decide(referralId, "approve", "double click");
    expect(again.status).toBe(200);
    expect(await bonus(referee)).toBe(500);
    expect(await bonus(referrer)).toBe(1_000);

    const done = await detailOf(referralId);
    expect(done.history.map((h) => [h.state, h.reason])).toEqual([
      ["signed_up", "code_at_signup"],
      ["held", "risk_hold"],
      ["qualified", "hold_approved"],
      ["rewarded", "reward_credited"],
    ]);
    expect(done.history[2]).toMatchObject({
      actor: "test-finance",
      note: "same household, checked the ID",
    });
    // The referrer was told each move once: signed up, held, qualified, rewarded.
    const told = await eventually(async () => {
      const mine = notifications.of(referrer).filter((m) => m.id.startsWith(`${referralId}:`));
      return mine.length >= 4 ? mine : null;
    });
    expect(told.map((m) => m.type)).toEqual([
      "referral_signed_up",
      "referral_held",
      "referral_qualified",
      "referral_rewarded",
    ]);
    // The decision is in the audit log, with the referral before and after.
    const audit = await api(
      `/admin/v1/audit-log?pathPrefix=/admin/v1/referrals/${referralId}/decision`,
      withKey(TEST_KEYS.reader),
    );
    const entries = (
      (await audit.json()) as {
        items: Array<{
          actor: string;
          status: number;
          after: { referral?: { state: string } } | null;
        }>;
      }
    ).items;
    expect(entries.some((e) => e.actor === "test-finance" && e.status === 200)).toBe(true);
    expect(entries.some((e) => e.actor === "test-support" && e.status === 403)).toBe(true);
  });

  test("a held referral whose deposit was refunded meanwhile: approval credits, then the refund takes it back", async () => {
    await saveReferralProgram(REFERRAL_FRAUD);
    const device = uniqueUser("device");
    const { referrer, code } = await newReferrer("hrf", { deviceId: device }, [
      "referral_identifiers",
    ]);
    const referee = uniqueUser("hrf-re");
    const referralId = `ref_${referee}`;
    await sendAccepted(signupEvent(referee, { referralCode: code, deviceId: device }));
    const dep = depositEvent(referee);
    await sendAccepted(dep);
    expect(await eventually(async () => (await stateOf(referee)) === "held")).toBe(true);
    // Refunded in full while the referral waits for review: nothing to take back yet.
    await sendAccepted({
      id: eventId("rf"),
      type: "refund.completed",
      userId: referee,
      occurredAt: new Date(Date.now() - 5 * MINUTE_MS).toISOString(),
      data: { originalEventId: dep.id, amountMinor: 50_000, currency: "INR" },
    });
    expect(await stateOf(referee)).toBe("held");
    expect(await bonus(referee)).toBe(0);

    const approved = await decide(referralId, "approve", "checked");
    expect(approved.status, await approved.clone().text()).toBe(200);
    // The approval credits both and applies the refund it missed: each ends with nothing.
    expect(await eventually(async () => (await stateOf(referee)) === "reversed")).toBe(true);
    expect(await bonus(referee)).toBe(0);
    const referrerLedger = async () =>
      (await walletStub(referrer).listLedger(null, 50)).filter((e) =>
        e.idempotencyKey.startsWith(`referral:${referralId}:referrer`),
      ).length;
    // Credited, then taken back, in the referrer's wallet too.
    expect(await eventually(async () => (await referrerLedger()) >= 2)).toBe(true);
    expect(await bonus(referrer)).toBe(0);
    for (const user of [referee, referrer]) {
      expect(await walletStub(user).audit()).toEqual({ ok: true, violations: [] });
    }
  });

  test("reject: rejected, the rewards cancelled, nothing credited", async () => {
    await saveReferralProgram(REFERRAL_FRAUD);
    const device = uniqueUser("device");
    const { referrer, code } = await newReferrer("rej", { deviceId: device }, [
      "referral_identifiers",
    ]);
    const { referee, referralId } = await refereeQualifies("rej", code, { deviceId: device });
    expect(await eventually(async () => (await stateOf(referee)) === "held")).toBe(true);

    const rejected = await decide(referralId, "reject", "the same person, two accounts");
    expect(rejected.status, await rejected.clone().text()).toBe(200);
    expect(((await rejected.json()) as { referral: { state: string } }).referral.state).toBe(
      "rejected",
    );
    const detail = await detailOf(referralId);
    expect(detail.rewards.map((r) => r.status)).toEqual(["cancelled", "cancelled"]);
    // A rejected referral cannot be approved.
    const late = await decide(referralId, "approve", "changed my mind");
    expect(late.status).toBe(409);
    expect(late.headers.get("content-type")).toContain("application/problem+json");
    expect(await bonus(referee)).toBe(0);
    expect(await bonus(referrer)).toBe(0);
  });

  test("no signal: rewarded as before, no hold", async () => {
    await saveReferralProgram(REFERRAL_FRAUD);
    const { referrer, code } = await newReferrer("clean", { deviceId: uniqueUser("device") }, [
      "referral_identifiers",
    ]);
    const { referee } = await refereeQualifies("clean", code, { deviceId: uniqueUser("device") });
    expect(await eventually(async () => (await stateOf(referee)) === "rewarded")).toBe(true);
    expect(await eventually(async () => (await bonus(referrer)) === 1_000)).toBe(true);
    expect((await walletStub(referee).getReferral())?.signals).toEqual([]);
  });
});

describe("bans, velocity, lists, auto-approve", () => {
  const putBan = (userId: string, reason: string) =>
    api(
      `/admin/v1/referrals/referrers/${userId}/ban`,
      withKey(TEST_KEYS.finance, { method: "PUT", body: JSON.stringify({ reason }) }),
    );

  test("a ban rejects the referrer's referrals not yet rewarded and refuses new ones", async () => {
    await saveReferralProgram(REFERRAL_FRAUD);
    const device = uniqueUser("device");
    const { referrer, code } = await newReferrer("ban", { deviceId: device }, [
      "referral_identifiers",
    ]);
    // One held (shared device), one only signed up, one rewarded before the ban.
    const held = await refereeQualifies("ban-held", code, { deviceId: device });
    const waiting = uniqueUser("ban-wait");
    await sendAccepted(signupEvent(waiting, { referralCode: code }));
    const paid = await refereeQualifies("ban-paid", code, { deviceId: uniqueUser("device") });
    expect(await eventually(async () => (await stateOf(held.referee)) === "held")).toBe(true);
    expect(await eventually(async () => (await stateOf(paid.referee)) === "rewarded")).toBe(true);
    // The sweep reads the D1 projection: wait until it has all three.
    await eventually(async () => {
      const row = await env.DB.prepare(
        `SELECT COUNT(*) AS n FROM referrals WHERE referrer_id = ? AND state IN ('held', 'signed_up', 'rewarded')`,
      )
        .bind(referrer)
        .first<{ n: number }>();
      return row?.n === 3;
    });

    expect((await putBan(referrer, "ring")).status).toBe(200);
    const support = await api(
      `/admin/v1/referrals/referrers/${referrer}/ban`,
      withKey(TEST_KEYS.support, { method: "PUT", body: JSON.stringify({ reason: "x" }) }),
    );
    expect(support.status).toBe(403);
    const ban = await api(
      `/admin/v1/referrals/referrers/${referrer}/ban`,
      withKey(TEST_KEYS.viewer),
    );
    expect(await ban.json()).toMatchObject({ userId: referrer, banned: true, reason: "ring" });

    expect(await stateOf(held.referee)).toBe("rejected");
    expect(await stateOf(waiting)).toBe("rejected");
    expect(await stateOf(paid.referee)).toBe("rewarded");
    const heldDetail = await detailOf(held.referralId);
    expect(heldDetail.history.at(-1)).toMatchObject({
      state: "rejected",
      reason: "referrer_banned",
      actor: "test-finance",
      note: "ring",
    });
    expect(heldDetail.rewards.map((r) => r.status)).toEqual(["cancelled", "cancelled"]);
    // The waiting referee's deposit now qualifies nothing.
    await sendAccepted(depositEvent(waiting));
    expect(await bonus(waiting)).toBe(0);
    expect(await bonus(referrer)).toBe(1_000);

    // A new signup with the banned referrer's code is not a referral.
    const late = uniqueUser("ban-late");
    const lateSignup = signupEvent(late, { referralCode: code });
    await sendAccepted(lateSignup);
    const outcome = await eventually(
      async () => (await walletStub(late).getEvent(lateSignup.id))?.outcome,
    );
    expect(outcome).toMatchObject({ result: "processed", referral: "referrer_banned" });
    expect(await walletStub(late).getReferral()).toBeNull();

    // Lifted: the next signup is a referral again.
    const lifted = await api(
      `/admin/v1/referrals/referrers/${referrer}/ban`,
      withKey(TEST_KEYS.finance, { method: "DELETE" }),
    );
    expect(await lifted.json()).toMatchObject({ banned: false });
    const after = uniqueUser("ban-after");
    await sendAccepted(signupEvent(after, { referralCode: code }));
    expect(await eventually(async () => (await stateOf(after)) === "signed_up")).toBe(true);
  });

  test("velocity: more referrals a day than the program allows are held", async () => {
    await saveReferralProgram({
      ...REFERRAL_FRAUD,
      maxReferralsPerReferrerPerDay: 1,
      weights: { referrer_velocity: 50 },
    });
    const { referrer, code } = await newReferrer("vel", { deviceId: uniqueUser("device") }, [
      "referral_identifiers",
    ]);
    const first = await refereeQualifies("vel-1", code, {});
    expect(await eventually(async () => (await stateOf(first.referee)) === "rewarded")).toBe(true);
    await eventually(async () =>
      env.DB.prepare(`SELECT 1 FROM referrals WHERE referral_id = ?`)
        .bind(first.referralId)
        .first(),
    );
    const second = await refereeQualifies("vel-2", code, {});
    expect(await eventually(async () => (await stateOf(second.referee)) === "held")).toBe(true);
    const detail = await detailOf(second.referralId);
    expect(detail.signals.map((s) => [s.code, s.weight])).toEqual([["referrer_velocity", 50]]);
    expect(detail.signals[0]?.reason).toContain("2 friends within 24 hours");
    expect(await bonus(referrer)).toBe(1_000);
  });

  test("a risk list update changes the outcome for the signups after it", async () => {
    await saveReferralProgram(REFERRAL_FRAUD);
    const { code } = await newReferrer("list", { deviceId: uniqueUser("device") }, [
      "referral_identifiers",
    ]);
    const domain = `${uniqueUser("tmp").toLowerCase().replaceAll("_", "-")}.example`;
    const before = await refereeQualifies("list-1", code, { email: `friend1@${domain}` });
    expect(await eventually(async () => (await stateOf(before.referee)) === "rewarded")).toBe(true);

    const bad = await api(
      "/admin/v1/risk-lists/disposable_email_domains",
      withKey(TEST_KEYS.finance, {
        method: "PUT",
        body: JSON.stringify({ entries: [domain, "not a domain"] }),
      }),
    );
    expect(bad.status).toBe(400);
    const problem = (await bad.json()) as { fields?: Array<{ path: string }> };
    expect(JSON.stringify(problem)).toContain("entries.1");
    const saved = await api(
      "/admin/v1/risk-lists/disposable_email_domains",
      withKey(TEST_KEYS.finance, {
        method: "PUT",
        body: JSON.stringify({ entries: [domain.toUpperCase(), domain], expectedVersion: 0 }),
      }),
    );
    expect(saved.status, await saved.clone().text()).toBe(200);
    expect(await saved.json()).toMatchObject({ version: 1, entries: [domain] });
    const stale = await api(
      "/admin/v1/risk-lists/disposable_email_domains",
      withKey(TEST_KEYS.finance, {
        method: "PUT",
        body: JSON.stringify({ entries: [domain], expectedVersion: 0 }),
      }),
    );
    expect(stale.status).toBe(409);

    const after = await refereeQualifies("list-2", code, { email: `Friend2@mail.${domain}` });
    expect(await eventually(async () => (await stateOf(after.referee)) === "held")).toBe(true);
    const detail = await detailOf(after.referralId);
    expect(detail.signals.map((s) => s.code)).toEqual(["disposable_email_domain"]);
  });

  test("auto-approve: a held referral is approved when the delay ends", async () => {
    await saveReferralProgram({ ...REFERRAL_FRAUD, autoApproveAfterHours: 24 });
    const device = uniqueUser("device");
    const { referrer, code } = await newReferrer("auto", { deviceId: device }, [
      "referral_identifiers",
    ]);
    const { referee, referralId } = await refereeQualifies("auto", code, { deviceId: device });
    expect(await eventually(async () => (await stateOf(referee)) === "held")).toBe(true);

    // Not before the delay ends.
    await walletStub(referee).runDue(Date.now() + 23 * HOUR_MS);
    expect(await stateOf(referee)).toBe("held");
    const run = await walletStub(referee).runDue(Date.now() + 25 * HOUR_MS);
    expect(run.autoApprovedReferrals).toBe(1);
    expect(await eventually(async () => (await stateOf(referee)) === "rewarded")).toBe(true);
    expect(await bonus(referee)).toBe(500);
    expect(await eventually(async () => (await bonus(referrer)) === 1_000)).toBe(true);
    const detail = await detailOf(referralId);
    expect(detail.history.map((h) => [h.state, h.reason])).toContainEqual([
      "qualified",
      "auto_approved",
    ]);
    expect(detail.history.find((h) => h.reason === "auto_approved")).toMatchObject({
      actor: "system",
    });
  });
});

describe("checked again before qualifying", () => {
  test("the referrer's payment instrument on the qualifying deposit → held", async () => {
    await saveReferralProgram(REFERRAL_FRAUD);
    const card = uniqueUser("card");
    const { referrer, code } = await newReferrer("pay", { deviceId: uniqueUser("device") }, [
      "referral_identifiers",
    ]);
    const own = {
      ...depositEvent(referrer),
      data: { amountMinor: 1_000, currency: "INR", paymentInstrumentHash: card },
    };
    await sendAccepted(own);
    await eventually(async () =>
      env.DB.prepare(
        `SELECT 1 FROM referral_identifiers WHERE user_id = ? AND kind = 'payment_instrument'`,
      )
        .bind(referrer)
        .first(),
    );
    const referee = uniqueUser("pay-re");
    await sendAccepted(signupEvent(referee, { referralCode: code }));
    expect(await eventually(async () => (await stateOf(referee)) === "signed_up")).toBe(true);
    const paid = depositEvent(referee);
    await sendAccepted({ ...paid, data: { ...paid.data, paymentInstrumentHash: card } });
    expect(await eventually(async () => (await stateOf(referee)) === "held")).toBe(true);
    const detail = await detailOf(`ref_${referee}`);
    expect(detail.signals.map((s) => [s.code, s.weight])).toEqual([
      ["shared_payment_instrument", 80],
    ]);
    expect(detail.riskScore).toBe(80);
    expect(await bonus(referee)).toBe(0);
    // The operator's hash is kept only re-hashed with the platform's key.
    const stored = await walletStub(referee).getEvent(paid.id);
    expect(JSON.stringify(stored)).not.toContain(card);
  });

  test("a referrer banned after the signup: the deposit rejects the referral instead", async () => {
    await saveReferralProgram(REFERRAL_FRAUD);
    const { referrer, code } = await newReferrer("late-ban", { deviceId: uniqueUser("device") }, [
      "referral_identifiers",
    ]);
    const referee = uniqueUser("late-ban-re");
    await sendAccepted(signupEvent(referee, { referralCode: code }));
    expect(await eventually(async () => (await stateOf(referee)) === "signed_up")).toBe(true);
    // The ban's sweep missed this referral (as when D1 had not yet projected it).
    await env.DB.prepare(
      `INSERT INTO referral_referrer_bans (user_id, reason, banned_by, banned_at_ms) VALUES (?, ?, ?, ?)`,
    )
      .bind(referrer, "ring", "test", Date.now())
      .run();
    await sendAccepted(depositEvent(referee));
    expect(await eventually(async () => (await stateOf(referee)) === "rejected")).toBe(true);
    expect((await walletStub(referee).getReferral())?.referral.reason).toBe("referrer_banned");
    expect(await bonus(referee)).toBe(0);
    expect(await bonus(referrer)).toBe(0);
  });
});
