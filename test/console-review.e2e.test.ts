import { beforeAll, describe, expect, it } from "vitest";
import { type ConsoleClient, signedIn } from "./console-client";
import {
  ADMIN_HEADERS,
  api,
  clickThrough,
  eventually,
  mintUserJwt,
  seedCatalog,
  uniqueUser,
  waitForClicks,
  walletStub,
} from "./helpers";

/**
 * The review queues through the real worker: claims decided with a reason (kept on the claim
 * and so in the audit log), a decision without a reason refused inline, a viewer refused, and
 * the approval recording the order as a pending transaction (no money moves on the decision).
 */

const OFFER = "test-shop-offer";

beforeAll(async () => {
  await seedCatalog();
});

async function userJson<T>(userId: string, path: string, init: RequestInit = {}): Promise<T> {
  const response = await api(path, {
    ...init,
    headers: {
      authorization: `Bearer ${await mintUserJwt(userId)}`,
      "content-type": "application/json",
      ...(init.headers as Record<string, string> | undefined),
    },
  });
  return (await response.json()) as T;
}

/** A user with a click and a claim that went to review; the claim's id. */
async function claimInReview(label: string, amountMinor = 123_400) {
  const user = uniqueUser(label);
  await clickThrough(user, OFFER);
  await waitForClicks(user);
  const clicks = await userJson<{ items: Array<{ clickId: string }> }>(user, "/v1/me/clicks");
  const claim = await userJson<{ id: string }>(user, "/v1/me/claims", {
    method: "POST",
    headers: { "idempotency-key": `review-${user}` },
    body: JSON.stringify({
      clickId: clicks.items[0]?.clickId,
      orderId: `ORD-${user}`,
      amountMinor,
      currency: "INR",
      purchasedAt: new Date().toISOString(),
    }),
  });
  await walletStub(user).runDue(Date.now() + 8 * 86_400_000);
  await eventually(async () => {
    const r = await api(`/admin/v1/claims?status=review&userId=${user}`, {
      headers: ADMIN_HEADERS,
    });
    const body = (await r.json()) as { items: Array<{ id: string }> };
    return body.items.some((c) => c.id === claim.id) ? true : null;
  });
  return { user, claimId: claim.id };
}

async function claimOf(claimId: string) {
  const r = await api(`/admin/v1/claims/${claimId}`, { headers: ADMIN_HEADERS });
  return (await r.json()) as {
    status: string;
    transactionId: string | null;
    decisionReason: string | null;
    decidedBy: string | null;
  };
}

const reviewPage = (_client: ConsoleClient, user: string) =>
  `/console/review?queue=claims&userId=${encodeURIComponent(user)}`;

describe("console review queues: claims", () => {
  it("shows a claim in review with its order amount, and support approves it with a reason that the audit log keeps", async () => {
    const { user, claimId } = await claimInReview("rv-approve");
    const { client, operator } = await signedIn("support");
    const page = await client.get(reviewPage(client, user));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(claimId);
    expect(html).toContain("₹1,234.00");
    expect(html).toContain(`/console/review/claims/${claimId}/approve`);

    const reason = "Invoice checked: order <b>confirmed</b> by the merchant";
    const approved = await client.post(
      `/console/review/claims/${claimId}/approve`,
      { reason },
      { fromPage: reviewPage(client, user) },
    );
    expect(approved.status).toBe(303);
    expect(approved.headers.get("location")).toContain("notice=");

    const claim = await claimOf(claimId);
    expect(claim).toMatchObject({
      status: "approved",
      decisionReason: reason,
      decidedBy: operator.email,
    });
    expect(claim.transactionId).toMatch(/^txn_/);

    // The order is a pending transaction now: credited to pending, nothing confirmed.
    const balances = await walletStub(user).getBalances();
    const pending = balances.find((b) => b.bucket === "pending" && b.currency === "INR");
    expect(pending?.balanceMinor ?? 0).toBeGreaterThan(0);
    expect(balances.find((b) => b.bucket === "confirmed")?.balanceMinor ?? 0).toBe(0);

    // The approved order exports with the transactions, money as decimals.
    const csv = await eventually(async () => {
      const r = await client.get(`/console/transactions/export.csv?userId=${user}`);
      const text = await r.text();
      return text.includes(claim.transactionId ?? "?") ? { r, text } : null;
    });
    expect(csv.r.headers.get("content-disposition")).toBe(
      'attachment; filename="transactions.csv"',
    );
    const row = csv.text.split("\r\n").find((l) => l.startsWith(`${claim.transactionId},`));
    expect(row).toContain(`,${user},`);
    expect(row).toContain(",pending,,1234.00,");

    // The audit log keeps the decision with its reason (the claim's view after).
    const audit = await client.get(
      `/console/audit?pathPrefix=${encodeURIComponent(`/admin/v1/claims/${claimId}/`)}`,
    );
    expect(audit.status).toBe(200);
    const auditHtml = await audit.text();
    expect(auditHtml).toContain(`POST /admin/v1/claims/${claimId}/approve`);
    expect(auditHtml).toContain(operator.email);
    // Escaped JSON: the reason's markup is text, never HTML.
    expect(auditHtml).toContain("order &lt;b&gt;confirmed&lt;/b&gt; by the merchant");
    expect(auditHtml).not.toContain("<b>confirmed</b>");

    // Approving again is idempotent; rejecting now is a conflict shown as a message.
    const again = await api(`/admin/v1/claims/${claimId}/approve`, {
      method: "POST",
      headers: ADMIN_HEADERS,
      body: JSON.stringify({ reason: "again" }),
    });
    expect(again.status).toBe(200);
    const reject = await client.post(
      `/console/review/claims/${claimId}/reject`,
      { reason: "changed my mind" },
      { fromPage: reviewPage(client, user) },
    );
    expect(reject.status).toBe(409);
    expect(await reject.text()).toContain("the claim was already approved");
  });

  it("refuses a rejection without a reason inline, and nothing changes", async () => {
    const { user, claimId } = await claimInReview("rv-noreason");
    const { client } = await signedIn("support");
    const response = await client.post(
      `/console/review/claims/${claimId}/reject`,
      { reason: "   " },
      { fromPage: reviewPage(client, user) },
    );
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain("a reason is required");
    expect(html).toContain('aria-invalid="true"');
    expect((await claimOf(claimId)).status).toBe("review");
  });

  it("support rejects with a reason: the claim says why", async () => {
    const { user, claimId } = await claimInReview("rv-reject");
    const { client } = await signedIn("support");
    const response = await client.post(
      `/console/review/claims/${claimId}/reject`,
      { reason: "The merchant reports the order as returned" },
      { fromPage: reviewPage(client, user) },
    );
    expect(response.status).toBe(303);
    expect(await claimOf(claimId)).toMatchObject({
      status: "rejected",
      decisionReason: "The merchant reports the order as returned",
      transactionId: null,
    });
  });

  it("a viewer sees the queue without decision forms and is refused an approve (403, nothing changed)", async () => {
    const { user, claimId } = await claimInReview("rv-viewer");
    const { client } = await signedIn("viewer");
    const page = await client.get(reviewPage(client, user));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(claimId);
    expect(html).not.toContain(`/console/review/claims/${claimId}/approve`);

    const response = await client.post(
      `/console/review/claims/${claimId}/approve`,
      { reason: "I should not be able to" },
      { fromPage: reviewPage(client, user) },
    );
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('role="alert"');
    expect(await claimOf(claimId)).toMatchObject({ status: "review", decisionReason: null });
  });

  it("the API refuses a decision without a reason (400), whoever calls it", async () => {
    const { claimId } = await claimInReview("rv-finance");
    const response = await api(`/admin/v1/claims/${claimId}/approve`, {
      method: "POST",
      headers: { ...ADMIN_HEADERS },
      body: JSON.stringify({}),
    });
    expect(response.status).toBe(400);
    expect((await claimOf(claimId)).status).toBe("review");
  });

  it("shows an empty state and exports the queue as CSV", async () => {
    const { client } = await signedIn("viewer");
    const empty = await client.get(`/console/review?queue=claims&userId=nobody-${Date.now()}`);
    expect(empty.status).toBe(200);
    expect(await empty.text()).toContain("No claims in review.");

    const { user, claimId } = await claimInReview("rv-csv", 5);
    const csv = await client.get(`/console/review/claims/export.csv?status=review&userId=${user}`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-disposition")).toBe('attachment; filename="claims.csv"');
    const lines = (await csv.text()).trim().split("\r\n");
    expect(lines[0]).toBe(
      "id,user_id,network_id,order_id,order_amount,currency,status,transaction_id,purchased_at,created_at,decision_reason,decided_by,decided_at",
    );
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`${claimId},${user},`);
    expect(lines[1]).toContain(",0.05,INR,review,");
  });
});
