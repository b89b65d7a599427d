import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import {
  ADMIN_HEADERS,
  api,
  clickThrough,
  eventually,
  mintUserJwt,
  postbackBody,
  seedCatalog,
  sendPostback,
  uniqueUser,
  waitForClicks,
  walletStub,
} from "./helpers";

const NETWORK = "test-net";
const OFFER = "test-shop-offer";

beforeAll(async () => {
  await seedCatalog();
});

async function userPost(userId: string, path: string, body: unknown, idempotencyKey?: string) {
  const headers: Record<string, string> = {
    authorization: `Bearer ${await mintUserJwt(userId)}`,
    "content-type": "application/json",
  };
  if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
  return api(path, { method: "POST", headers, body: JSON.stringify(body) });
}

async function userGetJson<T>(userId: string, path: string): Promise<T> {
  const response = await api(path, {
    headers: { authorization: `Bearer ${await mintUserJwt(userId)}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

async function clickedUser(label: string) {
  const user = uniqueUser(label);
  const { subId } = await clickThrough(user, OFFER);
  await waitForClicks(user);
  const clicks = await userGetJson<{ items: Array<{ clickId: string }> }>(user, "/v1/me/clicks");
  return { user, subId, clickId: clicks.items[0]?.clickId ?? "" };
}

const claimBody = (clickId: string, orderId: string) => ({
  clickId,
  orderId,
  amountMinor: 100_000,
  currency: "INR",
  purchasedAt: new Date().toISOString(),
});

describe("missing-cashback claims", () => {
  it("is filed once per Idempotency-Key and matched when the postback arrives", async () => {
    const { user, subId, clickId } = await clickedUser("claim");
    const orderId = `ORD-${user}`;
    const body = claimBody(clickId, orderId);
    const first = await userPost(user, "/v1/me/claims", body, "claim-key-0001");
    expect(first.status).toBe(201);
    const claim = (await first.json()) as { id: string; status: string; reviewAfter: string };
    expect(claim.status).toBe("open");
    expect(Date.parse(claim.reviewAfter)).toBeGreaterThan(Date.now() + 6 * 86_400_000);

    const again = await userPost(user, "/v1/me/claims", body, "claim-key-0001");
    expect(again.status).toBe(200);
    expect(((await again.json()) as { id: string }).id).toBe(claim.id);
    const conflicting = await userPost(
      user,
      "/v1/me/claims",
      { ...body, orderId: "OTHER" },
      "claim-key-0001",
    );
    expect(conflicting.status).toBe(409);

    await sendPostback(NETWORK, postbackBody({ order_id: orderId, sub_id: subId }));
    const matched = await eventually(async () => {
      const list = await userGetJson<{
        items: Array<{ status: string; transactionId: string | null }>;
      }>(user, "/v1/me/claims");
      return list.items[0]?.status === "matched" ? list.items[0] : null;
    });
    expect(matched.transactionId).toMatch(/^txn_/);
  });

  it("is matched at once when the order is already known", async () => {
    const { user, subId, clickId } = await clickedUser("claim-known");
    const orderId = `ORD-${user}`;
    await sendPostback(NETWORK, postbackBody({ order_id: orderId, sub_id: subId }));
    await eventually(async () => (await walletStub(user).listTransactions(null, 1)).length === 1);
    const response = await userPost(
      user,
      "/v1/me/claims",
      claimBody(clickId, orderId),
      "claim-key-0002",
    );
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ status: "matched", reviewAfter: null });
  });

  it("goes to the operator's review queue when nothing arrives in time", async () => {
    const { user, clickId } = await clickedUser("claim-review");
    const orderId = `ORD-${user}`;
    const filed = (await (
      await userPost(user, "/v1/me/claims", claimBody(clickId, orderId), "claim-key-0003")
    ).json()) as {
      id: string;
    };
    await walletStub(user).runDue(Date.now() + 8 * 86_400_000);
    const list = await userGetJson<{ items: Array<{ status: string }> }>(user, "/v1/me/claims");
    expect(list.items[0]?.status).toBe("review");
    const queue = await eventually(async () => {
      const response = await api("/admin/v1/claims?status=review", { headers: ADMIN_HEADERS });
      const body = (await response.json()) as { items: Array<{ id: string; userId: string }> };
      return body.items.find((c) => c.id === filed.id) ?? null;
    });
    expect(queue.userId).toBe(user);
  });

  it.each([
    {
      label: "a click that is not the caller's",
      mutate: (b: ReturnType<typeof claimBody>) => ({ ...b, clickId: "clk_notmineatall000" }),
      field: "clickId",
    },
    {
      label: "a purchase 31 days after the click",
      mutate: (b: ReturnType<typeof claimBody>) => ({
        ...b,
        purchasedAt: new Date(Date.now() + 31 * 86_400_000).toISOString(),
      }),
      field: "purchasedAt",
    },
    {
      label: "another currency",
      mutate: (b: ReturnType<typeof claimBody>) => ({ ...b, currency: "USD" }),
      field: "currency",
    },
    {
      label: "a fractional amount",
      mutate: (b: ReturnType<typeof claimBody>) => ({ ...b, amountMinor: 10.5 }),
      field: "amountMinor",
    },
  ])("rejects $label with a 400 naming the field", async ({ mutate, field }) => {
    const { user, clickId } = await clickedUser("claim-bad");
    const response = await userPost(
      user,
      "/v1/me/claims",
      mutate(claimBody(clickId, "ORD-X")),
      `bad-${field}-key`,
    );
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    const problem = (await response.json()) as { errors: Array<{ path: string }> };
    expect(problem.errors.map((e) => e.path)).toContain(field);
    expect(await walletStub(user).getClaims(10)).toEqual([]);
  });

  it("requires an Idempotency-Key", async () => {
    const { user, clickId } = await clickedUser("claim-nokey");
    const response = await userPost(user, "/v1/me/claims", claimBody(clickId, "ORD-Y"));
    expect(response.status).toBe(400);
    expect(env.WALLET).toBeDefined();
  });
});
