import {
  createExecutionContext,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeSubId } from "#shared/links/sub-id";
import redirectWorker from "#workers/redirect/src/index";
import { TEST_KEYS, withKey } from "./access-keys";
import {
  ADMIN_HEADERS,
  api,
  balances,
  eventually,
  postbackBody,
  seedCatalog,
  sendPostback,
  trackingLinkFor,
  uniqueUser,
  waitForClicks,
  walletStub,
} from "./helpers";

/**
 * Click quality through the real workers (docs/fraud.md "Click quality"): the redirect judges
 * the request and answers 302 all the same, the click message carries the mark to the user's
 * wallet, and D1's per-offer counts keep the bots' clicks apart. A marked click never
 * attributes on its own: its conversion is created pending with a review hold, does not
 * confirm, and an operator's release confirms and credits it once.
 */

const NETWORK = "test-net";

const OFFER = "cq-offer";
const CHROME =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
/** What a browser sends for a person's tap on a link. */
const PERSON_HEADERS = {
  "user-agent": CHROME,
  "sec-fetch-dest": "document",
  "sec-fetch-mode": "navigate",
  "sec-fetch-site": "cross-site",
  "sec-fetch-user": "?1",
};
/** What a browser sends when a page loads the link in a hidden iframe (cookie stuffing). */
const IFRAME_HEADERS = {
  "user-agent": CHROME,
  "sec-fetch-dest": "iframe",
  "sec-fetch-mode": "navigate",
  "sec-fetch-site": "cross-site",
};

beforeAll(async () => {
  await seedCatalog({ offerId: OFFER, merchantId: "cq-shop" });
});

/** Follows the user's link with the given request headers; the click id and sub-ID minted. */
async function clickWith(
  userId: string,
  headers: Record<string, string>,
): Promise<{ status: number; clickId: string; subId: string }> {
  const ctx = createExecutionContext();
  const response = await redirectWorker.fetch(
    new Request(await trackingLinkFor(userId, OFFER), { headers }) as Request<
      unknown,
      IncomingRequestCfProperties
    >,
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  const subId = new URL(response.headers.get("location") ?? "").searchParams.get("sub") ?? "";
  const decoded = await decodeSubId(env.SUBID_SIGNING_KEY, subId);
  if (!decoded.ok) throw new Error("no valid sub-ID on the redirect");
  return { status: response.status, clickId: decoded.claims.clickId, subId };
}

function storedQuality(userId: string, clickId: string) {
  return runInDurableObject(walletStub(userId), (_i, state) => {
    const row = state.storage.sql
      .exec<{ bot: number; quality_reasons: string | null }>(
        `SELECT bot, quality_reasons FROM clicks WHERE click_id = ?`,
        clickId,
      )
      .toArray()[0];
    return row ? { bot: row.bot, reasons: JSON.parse(row.quality_reasons ?? "[]") } : null;
  });
}

describe("a click's quality, judged at the edge", () => {
  it("marks an iframe click, still answering 302, and keeps a person's click clean", async () => {
    const stuffed = uniqueUser("cq-iframe");
    const iframe = await clickWith(stuffed, IFRAME_HEADERS);
    expect(iframe.status).toBe(302);
    await waitForClicks(stuffed);
    expect(await storedQuality(stuffed, iframe.clickId)).toEqual({
      bot: 1,
      reasons: ["click_iframe"],
    });

    const person = uniqueUser("cq-person");
    const clean = await clickWith(person, PERSON_HEADERS);
    expect(clean.status).toBe(302);
    await waitForClicks(person);
    expect(await storedQuality(person, clean.clickId)).toEqual({ bot: 0, reasons: [] });

    // D1's per-offer, per-day counts keep the bots' clicks apart from all clicks.
    const rollup = await eventually(async () => {
      const row = await env.DB.prepare(
        `SELECT SUM(clicks) AS clicks, SUM(bot_clicks) AS bots FROM click_rollups WHERE offer_id = ?`,
      )
        .bind(OFFER)
        .first<{ clicks: number; bots: number }>();
      return row && row.clicks >= 2 ? row : null;
    });
    expect(rollup).toEqual({ clicks: 2, bots: 1 });
  });
});

const OPERATOR = { actor: "ops@example.com", note: "checked the order", label: null };

/** The user's only transaction (by order id), with its history, from the wallet. */
async function txnOf(userId: string, orderId: string) {
  const wallet = walletStub(userId);
  const [txn] = await wallet.listTransactions(null, 10);
  if (!txn || txn.orderId !== orderId) return null;
  return wallet.getTransaction(txn.txnId);
}

/** A click with `headers`, then a postback for it; waits for the pending credit. */
async function convertAfterClick(userId: string, headers: Record<string, string>) {
  const { subId } = await clickWith(userId, headers);
  await waitForClicks(userId);
  const orderId = `ORD-${userId}`;
  const sent = await sendPostback(NETWORK, postbackBody({ order_id: orderId, sub_id: subId }));
  expect(sent.status).toBe(202);
  await eventually(async () => (await balances(userId)).pending === 5_000);
  return { subId, orderId };
}

describe("a marked click's conversion", () => {
  it("is held pending, does not confirm, and confirms and credits once when an operator releases it", async () => {
    const user = uniqueUser("cq-held");
    const { subId, orderId } = await convertAfterClick(user, IFRAME_HEADERS);
    const wallet = walletStub(user);

    // Created and priced as usual, pending — not rejected — with a review hold saying why.
    const held = await txnOf(user, orderId);
    expect(held?.txn).toMatchObject({ status: "pending", cashbackMinor: 5_000 });
    const [hold] = await wallet.getRiskHolds();
    expect(hold).toMatchObject({
      holdId: `bot_click:${held?.txn.txnId}`,
      kind: "transaction",
      subjectRef: held?.txn.txnId,
      source: "bot_click",
      status: "active",
      reasons: [expect.objectContaining({ code: "click_iframe" })],
    });
    expect(held?.history.map((h) => h.event)).toContain("held_for_review");
    // It is in the review queue, filtered by its source and reason (docs/fraud.md "Review").
    const queued = await eventually(async () => {
      const response = await api(
        `/admin/v1/risk/holds?userId=${user}&source=bot_click&kind=transaction&reason=click_iframe`,
        withKey(TEST_KEYS.support),
      );
      const { holds } = (await response.json()) as { holds: Array<Record<string, unknown>> };
      return holds.length === 1 ? holds[0] : null;
    });
    expect(queued).toMatchObject({ holdId: hold?.holdId, subjectRef: held?.txn.txnId });

    // The network approves: what would confirm at once stays pending while the hold is active,
    // and the return window's end does not confirm it either.
    await sendPostback(
      NETWORK,
      postbackBody({ order_id: orderId, sub_id: subId, status: "approved" }),
    );
    await eventually(async () => (await txnOf(user, orderId))?.txn.networkStatus === "approved");
    await wallet.runDue(Date.now() + 40 * 86_400_000);
    expect(await balances(user)).toMatchObject({ pending: 5_000 });
    expect((await balances(user)).confirmed ?? 0).toBe(0);
    expect((await txnOf(user, orderId))?.txn.status).toBe("pending");

    // The operator releases it: confirmed and credited, once.
    const release = { decision: "release" as const, ...OPERATOR, label: "not_fraud" as const };
    const decided = await wallet.decideRiskHold(user, hold?.holdId ?? "", release);
    expect(decided.status).toBe("decided");
    expect(await balances(user)).toMatchObject({ pending: 0, confirmed: 5_000 });
    const released = await txnOf(user, orderId);
    expect(released?.txn.status).toBe("confirmed");
    expect(released?.history.map((h) => h.event)).toEqual(
      expect.arrayContaining(["review_hold_released", "confirmed"]),
    );

    // A repeated release, and the network's approval again, change nothing.
    expect((await wallet.decideRiskHold(user, hold?.holdId ?? "", release)).status).toBe("exists");
    await sendPostback(
      NETWORK,
      postbackBody({ order_id: orderId, sub_id: subId, status: "approved" }),
    );
    await wallet.runDue(Date.now() + 41 * 86_400_000);
    expect(await balances(user)).toMatchObject({ pending: 0, confirmed: 5_000 });
    const confirmations = (await wallet.listLedger(null, 50)).filter(
      (e) => e.kind === "cashback_confirmed" && e.bucket === "confirmed",
    );
    expect(confirmations).toHaveLength(1);
    expect((await wallet.audit()).ok).toBe(true);
  });

  it("stays pending when the operator upholds the hold, whatever the network says", async () => {
    const user = uniqueUser("cq-upheld");
    const { subId, orderId } = await convertAfterClick(user, IFRAME_HEADERS);
    const wallet = walletStub(user);
    const [hold] = await wallet.getRiskHolds();
    const upheld = await wallet.decideRiskHold(user, hold?.holdId ?? "", {
      decision: "uphold",
      ...OPERATOR,
      label: "fraud",
    });
    expect(upheld.status).toBe("decided");
    await sendPostback(
      NETWORK,
      postbackBody({ order_id: orderId, sub_id: subId, status: "approved" }),
    );
    await eventually(async () => (await txnOf(user, orderId))?.txn.networkStatus === "approved");
    await wallet.runDue(Date.now() + 40 * 86_400_000);
    expect((await txnOf(user, orderId))?.txn.status).toBe("pending");
    expect(await balances(user)).toMatchObject({ pending: 5_000 });
    // A cancellation is final all the same: the pending credit goes.
    await sendPostback(
      NETWORK,
      postbackBody({ order_id: orderId, sub_id: subId, status: "cancelled" }),
    );
    await eventually(async () => (await txnOf(user, orderId))?.txn.status === "cancelled");
    expect((await balances(user)).pending).toBe(0);
  });

  it("a person's click attributes as before: no hold, the approval confirms it", async () => {
    const user = uniqueUser("cq-clean");
    const { subId, orderId } = await convertAfterClick(user, PERSON_HEADERS);
    expect(await walletStub(user).getRiskHolds()).toEqual([]);
    await sendPostback(
      NETWORK,
      postbackBody({ order_id: orderId, sub_id: subId, status: "approved" }),
    );
    await eventually(async () => (await balances(user)).confirmed === 5_000);
    expect((await balances(user)).pending).toBe(0);
  });
});

describe("the offer's allowed referrers", () => {
  it("marks a click from a host the operator has not allowed, and validates the hosts", async () => {
    const bad = await api(`/admin/v1/offers/${OFFER}/allowed-referrers`, {
      method: "PUT",
      headers: ADMIN_HEADERS,
      body: JSON.stringify({ hosts: ["deals.example", "https://not-a-host/"] }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ errors: [{ path: "hosts.1" }] });

    const saved = await api(`/admin/v1/offers/${OFFER}/allowed-referrers`, {
      method: "PUT",
      headers: ADMIN_HEADERS,
      body: JSON.stringify({ hosts: ["*.Deals.example"] }),
    });
    expect(saved.status).toBe(200);
    expect(await saved.json()).toMatchObject({ id: OFFER, allowedReferrers: ["deals.example"] });

    const allowed = uniqueUser("cq-ref-ok");
    const fromPartner = await clickWith(allowed, {
      ...PERSON_HEADERS,
      referer: "https://www.deals.example/today",
    });
    const elsewhere = uniqueUser("cq-ref-no");
    const fromStuffer = await clickWith(elsewhere, {
      ...PERSON_HEADERS,
      referer: "https://coupons.test/",
    });
    expect(fromStuffer.status).toBe(302);
    await waitForClicks(allowed);
    await waitForClicks(elsewhere);
    expect(await storedQuality(allowed, fromPartner.clickId)).toEqual({ bot: 0, reasons: [] });
    // A signal for the fraud rules, not a bot's click on its own.
    expect(await storedQuality(elsewhere, fromStuffer.clickId)).toEqual({
      bot: 0,
      reasons: ["click_referrer_not_allowed"],
    });
  });
});
