import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { payoutOwnerOf, recordPayoutOwner } from "#workers/api/src/features/payouts/store";
import { ADMIN_HEADERS, api, eventually } from "./helpers";
import { payoutOf, redeem, sandbox, userWithDestination, waitForPayout } from "./payout-helpers";

/**
 * The global payout → user index (`payout_owners`, docs/scaling.md "D1 router"): a lookup by
 * payout id (a processor webhook, an operator's payout page) finds the wallet from the index,
 * not from the `payouts` projection, which is to be spread over the user databases.
 */
const RUN = Math.random().toString(36).slice(2, 8);

async function indexed(payoutId: string) {
  return env.DB.prepare(`SELECT user_id AS userId FROM payout_owners WHERE payout_id = ?1`)
    .bind(payoutId)
    .first<{ userId: string }>();
}

beforeEach(async () => {
  await sandbox().reset();
});

describe("the payout → user index", () => {
  it("dispatch records the owner in the index; the index alone answers a lookup", async () => {
    const { user, destinationId } = await userWithDestination(`owners-${RUN}`, 30_000);
    const response = await redeem(user, { amountMinor: 20_000, currency: "INR", destinationId });
    expect(response.status, await response.clone().text()).toBe(201);
    const { id } = (await response.json()) as { id: string };
    await eventually(async () => (await indexed(id))?.userId === user);
    await eventually(async () => (await payoutOf(user, id)).status === "submitted");
    await waitForPayout(user, id, "paid");
    // Without its projection row (as when it lives in another user database), the operator's
    // payout page still finds the wallet through the index.
    await env.DB.prepare(`DELETE FROM payouts WHERE id = ?1`).bind(id).run();
    const page = await api(`/admin/v1/payouts/${id}`, { headers: ADMIN_HEADERS });
    expect(page.status, await page.clone().text()).toBe(200);
    expect(await page.json()).toMatchObject({ userId: user, payout: { id, status: "paid" } });
  });

  it("records once (a redelivered dispatch keeps the first owner) and knows nothing else", async () => {
    const payoutId = `pay-${RUN}`;
    await recordPayoutOwner(env, payoutId, "owner-a", 1_000);
    await recordPayoutOwner(env, payoutId, "owner-b", 2_000);
    expect(await payoutOwnerOf(env, payoutId)).toBe("owner-a");
    expect(await indexed(payoutId)).toEqual({ userId: "owner-a" });
    expect(await payoutOwnerOf(env, `pay-unknown-${RUN}`)).toBeNull();
  });

  it("a payout projected before its index row was written at creation is indexed by migration 0060", async () => {
    const payoutId = `pay-old-${RUN}`;
    await env.DB.prepare(
      `INSERT INTO payouts (id, user_id, status, updated_at_ms, version) VALUES (?1, 'owner-old', 'held', 1, 0)`,
    )
      .bind(payoutId)
      .run();
    const backfill = env.TEST_MIGRATIONS.find((m) => m.name.startsWith("0060_"));
    for (const query of backfill?.queries ?? []) await env.DB.prepare(query).run();
    expect(await indexed(payoutId)).toEqual({ userId: "owner-old" });
    expect(await payoutOwnerOf(env, payoutId)).toBe("owner-old");
  });

  it("a payout an older build projected without its index row is still found in the projection, and indexed", async () => {
    const payoutId = `pay-unindexed-${RUN}`;
    await env.DB.prepare(
      `INSERT INTO payouts (id, user_id, status, updated_at_ms, version) VALUES (?1, 'owner-unindexed', 'held', 1, 0)`,
    )
      .bind(payoutId)
      .run();
    expect(await indexed(payoutId)).toBeNull();
    expect(await payoutOwnerOf(env, payoutId)).toBe("owner-unindexed");
    expect(await indexed(payoutId)).toEqual({ userId: "owner-unindexed" });
  });
});
