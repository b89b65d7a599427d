import { runInDurableObject } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { uniqueUser, walletStub } from "./helpers";
import {
  asUser,
  BANK,
  payoutOf,
  redeemTo,
  sandbox,
  UPI,
  userWithDestination,
  waitForPayout,
} from "./payout-helpers";

/**
 * Payout destinations through the real api worker and wallet object: a repeated add under one
 * Idempotency-Key is a replay only with the same details (compared by a keyed digest, also
 * between concurrent requests), and a removed destination's sealed details are erased once the
 * last payout that used it is final.
 */

beforeEach(async () => {
  await sandbox().reset();
});

function add(userId: string, body: unknown, key: string) {
  return asUser(userId, "/v1/me/payout-destinations", {
    body,
    headers: { "idempotency-key": key },
  });
}

type DestinationRow = {
  type: string;
  masked: string;
  status: string;
  sealed_details: string;
  request_digest: string | null;
  erased_at_ms: number | null;
};

/** The destination row as the wallet stores it, and the sealed copies its payouts keep. */
function storedDestination(userId: string, destinationId: string) {
  return runInDurableObject(walletStub(userId), (_o, state) => ({
    row: state.storage.sql
      .exec<DestinationRow>(
        `SELECT type, masked, status, sealed_details, request_digest, erased_at_ms
         FROM destinations WHERE destination_id = ?`,
        destinationId,
      )
      .one(),
    payoutCopies: state.storage.sql
      .exec<{ sealed_destination: string | null }>(
        `SELECT sealed_destination FROM payouts WHERE destination_id = ?`,
        destinationId,
      )
      .toArray()
      .map((r) => r.sealed_destination),
  }));
}

describe("POST /v1/me/payout-destinations with an Idempotency-Key", () => {
  it("concurrent adds with one key and different details: one is saved, the other is a 409", async () => {
    const user = uniqueUser("dest-race");
    const key = `dest-key-${crypto.randomUUID()}`;
    const responses = await Promise.all([
      add(user, BANK, key),
      add(user, { ...BANK, accountNumber: "998877665544" }, key),
    ]);
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409]);
    const conflict = responses.find((r) => r.status === 409) as Response;
    expect(conflict.headers.get("content-type")).toContain("application/problem+json");
    expect(((await conflict.json()) as { code: string }).code).toBe("idempotency_conflict");
    const list = await asUser(user, "/v1/me/payout-destinations");
    expect(((await list.json()) as { items: unknown[] }).items).toHaveLength(1);
  });

  it("many concurrent adds, half with other details: never two successes with different details", async () => {
    const user = uniqueUser("dest-race-many");
    const key = `dest-key-${crypto.randomUUID()}`;
    const bodies = Array.from({ length: 10 }, (_, i) =>
      i % 2 === 0 ? BANK : { ...BANK, accountNumber: "998877665544" },
    );
    const responses = await Promise.all(bodies.map((b) => add(user, b, key)));
    const ok = responses.filter((r) => r.status === 201 || r.status === 200);
    const views = (await Promise.all(ok.map((r) => r.json()))) as Array<{ masked: string }>;
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    expect(new Set(views.map((v) => v.masked)).size).toBe(1);
    expect(ok.length + responses.filter((r) => r.status === 409).length).toBe(10);
    expect(ok).toHaveLength(5);
  });

  it("same key and same details: the same destination again (a replay), concurrently or not", async () => {
    const user = uniqueUser("dest-replay");
    const key = `dest-key-${crypto.randomUUID()}`;
    const concurrent = await Promise.all([add(user, UPI, key), add(user, UPI, key)]);
    expect(concurrent.map((r) => r.status).sort()).toEqual([200, 201]);
    const [a, b] = (await Promise.all(concurrent.map((r) => r.json()))) as Array<{ id: string }>;
    expect(b?.id).toBe(a?.id);
    const later = await add(user, UPI, key);
    expect(later.status).toBe(200);
    expect(((await later.json()) as { id: string }).id).toBe(a?.id);
    const other = await add(user, { ...UPI, vpa: "someone.else@okaxis" }, key);
    expect(other.status).toBe(409);
  });

  it("stores a keyed digest, never anything readable from the account number", async () => {
    const user = uniqueUser("dest-digest");
    const response = await add(user, BANK, `dest-key-${crypto.randomUUID()}`);
    const { id } = (await response.json()) as { id: string };
    const { row } = await storedDestination(user, id);
    expect(row.request_digest).toMatch(/^v2\.[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(row)).not.toContain(BANK.accountNumber);
  });
});

describe("removed destinations' sealed details are erased once their payouts are final", () => {
  it("with no payout: erased at once, the tombstone keeps type and last four", async () => {
    const user = uniqueUser("dest-erase-now");
    const response = await add(user, BANK, `dest-key-${crypto.randomUUID()}`);
    const { id } = (await response.json()) as { id: string };
    expect((await storedDestination(user, id)).row.sealed_details).toMatch(/^v2\./);

    const removed = await asUser(user, `/v1/me/payout-destinations/${id}`, { method: "DELETE" });
    expect(removed.status).toBe(200);
    const { row } = await storedDestination(user, id);
    expect(row).toMatchObject({
      type: "bank",
      masked: "HDFC ••••••••9012",
      status: "removed",
      sealed_details: "",
      request_digest: null,
    });
    expect(row.erased_at_ms).toBeGreaterThan(0);
  });

  it("removed while a payout is in flight: kept until it is paid, then erased with the payout's copy", async () => {
    const { user, destinationId } = await userWithDestination("dest-erase-later", 50_000);
    const payoutId = await redeemTo(user, destinationId, 10_000);
    await waitForPayoutStatus(user, payoutId, "submitted");

    const removed = await asUser(user, `/v1/me/payout-destinations/${destinationId}`, {
      method: "DELETE",
    });
    expect(removed.status).toBe(200);
    const inFlight = await storedDestination(user, destinationId);
    expect(inFlight.row.status).toBe("removed");
    expect(inFlight.row.sealed_details).toMatch(/^v2\./);
    expect(inFlight.row.erased_at_ms).toBeNull();
    expect(inFlight.payoutCopies[0]).toMatch(/^v2\./);

    await waitForPayout(user, payoutId, "paid");
    const settled = await storedDestination(user, destinationId);
    expect(settled.row).toMatchObject({
      status: "removed",
      sealed_details: "",
      masked: "HDFC ••••••••9012",
    });
    expect(settled.payoutCopies).toEqual([null]);
    // The payout's history still names where the money went, masked.
    expect((await payoutOf(user, payoutId)).destinationMasked).toBe("HDFC ••••••••9012");
    expect((await walletStub(user).audit()).ok).toBe(true);
  });
});

/** Waits for a status without delivering the sandbox's webhooks (the payout stays in flight). */
async function waitForPayoutStatus(user: string, payoutId: string, status: string) {
  for (let i = 0; i < 200; i++) {
    if ((await payoutOf(user, payoutId)).status === status) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`payout ${payoutId} never reached ${status}`);
}
