import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { signSandboxWebhook } from "#dev/sandbox-processor/engine/index";
import { parseKeyRing, seal } from "#shared/crypto/sealed";
import { DEFAULT_PAYOUT_POLICY } from "#shared/payouts/policy";
import { balances, eventually, walletStub } from "./helpers";
import { notificationRecorder } from "./notify-recorder";
import {
  asAdmin,
  asUser,
  BANK,
  loginFromNewDevice,
  payoutOf,
  postingsFor,
  redeem,
  redeemTo,
  sandbox,
  seasonedDestination,
  stepUp,
  stepUpCodeOf,
  UPI,
  userWithConfirmed,
  userWithDestination,
  waitForPayout,
} from "./payout-helpers";

/**
 * Redemptions end to end: the user API, the wallet object, the dispatch queue, the sandbox
 * processor and its signed webhooks back through the api worker.
 */

beforeEach(async () => {
  await sandbox().reset();
});

/** What the wallets publish on NOTIFY_TRANSACTIONAL while this file runs. */
const notifications = notificationRecorder();
beforeAll(() => notifications.install());
afterAll(() => notifications.restore());

describe("a redemption to a bank account", () => {
  it("reserves at once, is paid out through the processor, and webhooks move money once", async () => {
    const { user, destinationId } = await userWithDestination("happy", 50_000);

    const response = await redeem(user, { amountMinor: 20_000, currency: "INR", destinationId });
    expect(response.status).toBe(201);
    const created = (await response.json()) as { id: string; status: string; destination: unknown };
    expect(created.status).toBe("queued");
    expect(created.destination).toEqual({
      type: "bank",
      id: destinationId,
      masked: "HDFC ••••••••9012",
    });
    expect(await balances(user)).toMatchObject({ confirmed: 30_000, reserved: 20_000 });

    await eventually(async () => (await payoutOf(user, created.id)).status === "submitted");
    const paid = await waitForPayout(user, created.id, "paid");
    expect(paid.processorRef).toMatch(/.+/);
    expect(await balances(user)).toMatchObject({
      confirmed: 30_000,
      reserved: 0,
      paid_out: 20_000,
    });

    // Replayed webhooks change nothing: one reservation, one payment.
    await sandbox().setFaults({ duplicateWebhooks: true });
    await sandbox().deliverWebhooks({ force: true });
    expect(await postingsFor(user, created.id)).toEqual([
      `payout:${created.id}:paid`,
      `payout:${created.id}:reserve`,
    ]);
    expect(await balances(user)).toMatchObject({
      confirmed: 30_000,
      reserved: 0,
      paid_out: 20_000,
    });

    // The user sees it; the projection reaches D1 for the console; the audit holds.
    const mine = await asUser(user, `/v1/me/redemptions/${created.id}`);
    expect(((await mine.json()) as { status: string }).status).toBe("paid");
    await eventually(async () => {
      const row = await env.DB.prepare(`SELECT status, paid_at_ms FROM payouts WHERE id = ?1`)
        .bind(created.id)
        .first<{ status: string; paid_at_ms: number | null }>();
      return row?.status === "paid" && row.paid_at_ms !== null;
    });
    const audit = await walletStub(user).audit();
    expect(audit.ok).toBe(true);
  });

  it("a retried request with the same Idempotency-Key returns the same payout and reserves once", async () => {
    const { user, destinationId } = await userWithDestination("idem", 30_000);
    const body = { amountMinor: 10_000, currency: "INR", destinationId };
    const first = await redeem(user, body, { key: "same-key-123" });
    const again = await redeem(user, body, { key: "same-key-123" });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    const [a, b] = (await Promise.all([first.json(), again.json()])) as Array<{ id: string }>;
    expect(b?.id).toBe(a?.id);
    const other = await redeem(user, { ...body, amountMinor: 11_000 }, { key: "same-key-123" });
    expect(other.status).toBe(409);
    expect(((await other.json()) as { code: string }).code).toBe("idempotency_conflict");
    expect(await balances(user)).toMatchObject({ confirmed: 20_000, reserved: 10_000 });
  });
});

describe("concurrency", () => {
  it("100 concurrent redemptions against a balance that covers 10: exactly 10 reserved, never negative", async () => {
    const { user, destinationId } = await userWithDestination("race", 50_000, UPI);
    // One code per request, issued up front (the API allows only a few per hour).
    const policy = { ...DEFAULT_PAYOUT_POLICY, stepUpMaxOpenPerHour: 200 };
    const issued = await Promise.all(
      Array.from({ length: 100 }, () => walletStub(user).issueStepUp(user, null, policy)),
    );
    // Each code reaches the dev outbox through the notification pipeline.
    const codes = await Promise.all(
      issued.map(async (c) =>
        c.status === "created" ? { ...c, code: await stepUpCodeOf(c.challengeId) } : c,
      ),
    );
    const responses = await Promise.all(
      codes.map((c, i) =>
        asUser(user, "/v1/me/redemptions", {
          body: {
            amountMinor: 5_000,
            currency: "INR",
            destinationId,
            stepUp:
              c.status === "created" ? { challengeId: c.challengeId, code: c.code } : undefined,
          },
          headers: { "idempotency-key": `race-key-${i}` },
        }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 409)).toHaveLength(90);
    for (const r of responses.filter((r) => r.status === 409)) {
      expect(r.headers.get("content-type")).toContain("application/problem+json");
      expect(((await r.json()) as { code: string }).code).toBe("insufficient_funds");
    }
    const held = await balances(user);
    expect(held.confirmed).toBe(0);
    expect(held.reserved).toBe(50_000);
    // Every balance after every entry stayed non-negative.
    const entries = await walletStub(user).listLedger(null, 200);
    expect(entries.every((e) => e.balanceAfterMinor >= 0)).toBe(true);
    // And the ten are paid out, each once.
    const created = (await Promise.all(
      responses.filter((r) => r.status === 201).map((r) => r.json()),
    )) as Array<{ id: string }>;
    for (const { id } of created) await waitForPayout(user, id, "paid");
    expect(await balances(user)).toMatchObject({ confirmed: 0, reserved: 0, paid_out: 50_000 });
  });
});

describe("processor failures", () => {
  it("processor down for a while: retried with backoff, then paid exactly once", async () => {
    const { user, destinationId } = await userWithDestination("down", 20_000);
    await sandbox().setFaults({ down: { times: 3 } });
    const id = await redeemTo(user, destinationId, 15_000);
    const paid = await waitForPayout(user, id, "paid");
    expect(paid.attempts).toBeGreaterThanOrEqual(2);
    expect(await postingsFor(user, id)).toEqual([`payout:${id}:paid`, `payout:${id}:reserve`]);
    expect(await balances(user)).toMatchObject({ confirmed: 5_000, reserved: 0, paid_out: 15_000 });
    const atProcessor = await sandbox().payout(id);
    expect(atProcessor?.status).toBe("completed");
  });

  it("a lost response: the retry finds the payout at the processor instead of creating another", async () => {
    const { user, destinationId } = await userWithDestination("lost", 20_000);
    await sandbox().setFaults({ lostResponses: 1 });
    const id = await redeemTo(user, destinationId, 12_000);
    // The retry asks the processor first and finds the payout the lost answer created.
    const found = await eventually(async () => {
      const p = await payoutOf(user, id);
      return p.attempts === 2 && p.status !== "retrying" && p.status !== "submitting" ? p : null;
    });
    expect(["submitted", "processing", "paid"]).toContain(found.status);
    await waitForPayout(user, id, "paid");
    expect((await sandbox().payout(id))?.status).toBe("completed");
    const { log } = (await walletStub(user).getPayout(id)) ?? { log: [] };
    expect(log.map((l) => l.event)).toContain("retrying");
    expect(await postingsFor(user, id)).toEqual([`payout:${id}:paid`, `payout:${id}:reserve`]);
    expect(await balances(user)).toMatchObject({ paid_out: 12_000, reserved: 0 });
  });

  it("permanent failure (bad account): credited back exactly once, the user is told, the destination must be fixed", async () => {
    const { user, destinationId } = await userWithDestination("badacct", 20_000, {
      ...BANK,
      accountNumber: "987654320000",
    });
    const id = await redeemTo(user, destinationId, 10_000);
    const failed = await waitForPayout(user, id, "failed");
    expect(failed.failureCode).toBe("account_invalid");
    expect(await balances(user)).toMatchObject({ confirmed: 20_000, reserved: 0 });

    await sandbox().setFaults({ duplicateWebhooks: true, shuffleWebhooks: true });
    await sandbox().deliverWebhooks({ force: true });
    expect(await postingsFor(user, id)).toEqual([
      `payout:${id}:credit_back`,
      `payout:${id}:reserve`,
    ]);
    expect(await balances(user)).toMatchObject({ confirmed: 20_000, reserved: 0 });

    // Told once, through the wallet's outbox (its notification event, on NOTIFY_TRANSACTIONAL).
    const told = await eventually(async () => {
      const failed = notifications.of(user).filter((m) => m.type === "payout_failed");
      return failed.length > 0 ? failed : null;
    });
    expect(told.map((m) => [m.id, m.vars.reason])).toEqual([[`${id}:failed`, "account invalid"]]);
    const list = await asUser(user, "/v1/me/payout-destinations");
    const { items } = (await list.json()) as { items: Array<{ id: string; status: string }> };
    expect(items.find((d) => d.id === destinationId)?.status).toBe("needs_attention");

    const again = await redeem(user, { amountMinor: 10_000, currency: "INR", destinationId });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { code: string }).code).toBe("destination_unusable");
  });

  it("refused at submission (bad IFSC): credited back at once", async () => {
    const { user, destinationId } = await userWithDestination("ifsc", 20_000, {
      ...BANK,
      ifsc: "SBIN0000000",
    });
    const id = await redeemTo(user, destinationId, 10_000);
    const failed = await eventually(async () => {
      const p = await payoutOf(user, id);
      return p.status === "failed" ? p : null;
    });
    expect(failed.failureCode).toBe("ifsc_invalid");
    expect(await balances(user)).toMatchObject({ confirmed: 20_000, reserved: 0 });
  });

  it("retries exhausted: dead-lettered as stuck with the money reserved; an operator retry pays it once", async () => {
    const { user, destinationId } = await userWithDestination("dlq", 20_000);
    await sandbox().setFaults({ down: { times: 1_000 } });
    const id = await redeemTo(user, destinationId, 10_000);
    const stuck = await eventually(async () => {
      const p = await payoutOf(user, id);
      return p.status === "stuck" ? p : null;
    }, 30_000);
    expect(stuck.attempts).toBe(9);
    expect(await balances(user)).toMatchObject({ confirmed: 10_000, reserved: 10_000 });

    const listed = await eventually(async () => {
      const r = await asAdmin("/admin/v1/payouts?status=stuck");
      const body = (await r.json()) as { items: Array<{ id: string }> };
      return body.items.some((p) => p.id === id) ? body : null;
    });
    expect(listed.items.length).toBeGreaterThan(0);

    await sandbox().setFaults({ down: null });
    const retried = await asAdmin(`/admin/v1/payouts/${id}/retry`, "POST");
    expect(retried.status).toBe(200);
    await waitForPayout(user, id, "paid");
    expect(await postingsFor(user, id)).toEqual([`payout:${id}:paid`, `payout:${id}:reserve`]);
    expect(await balances(user)).toMatchObject({
      confirmed: 10_000,
      reserved: 0,
      paid_out: 10_000,
    });
  });
});

describe("webhooks", () => {
  it("out of order and replayed: the end state and the money are the same", async () => {
    const { user, destinationId } = await userWithDestination("reorder", 30_000);
    await sandbox().setFaults({ shuffleWebhooks: true, duplicateWebhooks: true });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await redeem(user, { amountMinor: 10_000, currency: "INR", destinationId });
      ids.push(((await r.json()) as { id: string }).id);
    }
    for (const id of ids) await waitForPayout(user, id, "paid");
    for (const id of ids) {
      expect(await postingsFor(user, id)).toEqual([`payout:${id}:paid`, `payout:${id}:reserve`]);
    }
    expect(await balances(user)).toMatchObject({ confirmed: 0, reserved: 0, paid_out: 30_000 });
  });

  it("a bad signature is a 401 and an unknown processor a 404, as problem+json", async () => {
    const body = JSON.stringify({ id: "evt_x", type: "payout.completed", data: {} });
    const bad = await fetchWebhook(body, "t=1,v1=00");
    expect(bad.status).toBe(401);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
    const wrongProcessor = await asAdmin("/webhooks/payouts/nobody", "POST", {});
    expect(wrongProcessor.status).toBe(404);
  });
});

async function fetchWebhook(body: string, signature: string): Promise<Response> {
  const { api } = await import("./helpers");
  return api("/webhooks/payouts/sandbox", {
    method: "POST",
    headers: { "content-type": "application/json", "x-sandbox-signature": signature },
    body,
  });
}

describe("holds and operator actions", () => {
  it("a login from a new device shortly before holds the redemption; approval pays it", async () => {
    const { user, destinationId } = await userWithDestination("newdev", 20_000);
    await walletStub(user).recordLogin(user, "old-phone", Date.now() - 30 * 86_400_000);
    const login = await asAdmin(`/admin/v1/users/${user}/logins`, "POST", {
      deviceId: "new-laptop",
    });
    expect(login.status).toBe(204);

    const response = await redeem(user, { amountMinor: 10_000, currency: "INR", destinationId });
    const held = (await response.json()) as { id: string; status: string; holdReason: string };
    expect(held).toMatchObject({ status: "held", holdReason: "new_device" });
    expect(await balances(user)).toMatchObject({ confirmed: 10_000, reserved: 10_000 });

    const approved = await eventually(async () => {
      const r = await asAdmin(`/admin/v1/payouts/${held.id}/approve`, "POST");
      return r.status === 200 ? r : null;
    });
    expect(approved.status).toBe(200);
    await waitForPayout(user, held.id, "paid");
    expect(await balances(user)).toMatchObject({
      confirmed: 10_000,
      reserved: 0,
      paid_out: 10_000,
    });
  });

  it("cancelling a held payout credits it back once; a second cancel is refused", async () => {
    const { user, destinationId } = await userWithDestination("cancel", 20_000);
    await loginFromNewDevice(user);
    const id = await redeemTo(user, destinationId, 10_000);
    const cancelled = await eventually(async () => {
      const r = await asAdmin(`/admin/v1/payouts/${id}/cancel`, "POST");
      return r.status === 200 ? r : null;
    });
    expect(((await cancelled.json()) as { payout: { status: string } }).payout.status).toBe(
      "cancelled",
    );
    const again = await asAdmin(`/admin/v1/payouts/${id}/cancel`, "POST");
    expect(again.status).toBe(409);
    expect(await balances(user)).toMatchObject({ confirmed: 20_000, reserved: 0 });
    expect(await postingsFor(user, id)).toEqual([
      `payout:${id}:credit_back`,
      `payout:${id}:reserve`,
    ]);
  });
});

describe("gift cards", () => {
  it("redeems a catalog denomination and refuses any other amount", async () => {
    const user = await userWithConfirmed("gift", 20_000);
    const put = await asAdmin("/admin/v1/gift-cards/bookshop", "PUT", {
      brand: "Bookshop",
      currency: "INR",
      denominationsMinor: [5_000, 10_000],
    });
    expect(put.status).toBeLessThan(300);
    const odd = await redeem(user, { amountMinor: 7_000, currency: "INR", giftCardId: "bookshop" });
    expect(odd.status).toBe(400);
    const ok = await redeem(user, { amountMinor: 5_000, currency: "INR", giftCardId: "bookshop" });
    expect(ok.status).toBe(201);
    const { id, destination } = (await ok.json()) as { id: string; destination: { type: string } };
    expect(destination.type).toBe("gift_card");
    await waitForPayout(user, id, "paid");
    expect(await balances(user)).toMatchObject({ confirmed: 15_000, paid_out: 5_000 });
  });
});

describe("personal data at rest", () => {
  it("no raw D1 or wallet row holds an account number or UPI id in the clear", async () => {
    const user = await userWithConfirmed("pii", 20_000);
    const bank = await asUser(user, "/v1/me/payout-destinations", {
      body: { ...BANK, accountNumber: "556677889900" },
    });
    expect(bank.status).toBe(201);
    const bankView = (await bank.json()) as { masked: string; usableFrom: string };
    expect(bankView.masked).toBe("HDFC ••••••••9900");
    expect(Date.parse(bankView.usableFrom)).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    const upi = await asUser(user, "/v1/me/payout-destinations", {
      body: { ...UPI, vpa: "secret.person@okicici" },
    });
    expect(upi.status).toBe(201);
    const destinationId = await seasonedDestination(user, {
      ...BANK,
      accountNumber: "112233445566",
    });
    const r = await redeem(user, { amountMinor: 10_000, currency: "INR", destinationId });
    await waitForPayout(user, ((await r.json()) as { id: string }).id, "paid");

    const secrets = ["556677889900", "secret.person", "112233445566"];
    const walletDump = await runInDurableObject(walletStub(user), (_o, state) => {
      const tables = state.storage.sql
        .exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table'`)
        .toArray()
        .map((t) => t.name)
        .filter((name) => !name.startsWith("_cf") && !name.startsWith("sqlite_"));
      return JSON.stringify(
        tables.map((t) => state.storage.sql.exec(`SELECT * FROM "${t}"`).toArray()),
      );
    });
    // Sealed under the newest key version of the ring.
    expect(walletDump).toMatch(/v2\.[A-Za-z0-9_-]{16}\./);
    const { results: d1Tables } = await env.DB.prepare(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf%' ESCAPE '\\' AND name NOT LIKE 'sqlite%' AND name NOT LIKE 'd1_%'`,
    ).all<{ name: string }>();
    let d1Dump = "";
    for (const { name } of d1Tables) {
      const { results } = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
      d1Dump += JSON.stringify(results);
    }
    for (const secret of secrets) {
      expect(walletDump).not.toContain(secret);
      expect(d1Dump).not.toContain(secret);
    }
  });
});

describe("bad requests get a 4xx problem and move no money", () => {
  it.each([
    {
      label: "no Idempotency-Key",
      body: { amountMinor: 10_000, currency: "INR" },
      options: { noKey: true },
      status: 400,
    },
    {
      label: "both a destination and a gift card",
      body: { amountMinor: 10_000, currency: "INR", giftCardId: "any-card" },
      options: {},
      status: 400,
    },
    {
      label: "an unknown destination",
      body: { amountMinor: 10_000, currency: "INR", destinationId: "dst_nope" },
      options: {},
      status: 404,
    },
    {
      label: "a negative amount",
      body: { amountMinor: -5, currency: "INR" },
      options: {},
      status: 400,
    },
    {
      label: "a fractional amount",
      body: { amountMinor: 10.5, currency: "INR" },
      options: {},
      status: 400,
    },
    {
      label: "an unknown field",
      body: { amountMinor: 10_000, currency: "INR", tip: 1 },
      options: {},
      status: 400,
    },
    {
      label: "below the bank minimum",
      body: { amountMinor: 9_999, currency: "INR" },
      options: {},
      status: 422,
    },
    {
      label: "a currency that cannot be redeemed",
      body: { amountMinor: 10_000, currency: "JPY" },
      options: {},
      status: 422,
    },
    {
      label: "more than the balance",
      body: { amountMinor: 900_000, currency: "INR" },
      options: {},
      status: 409,
    },
    {
      label: "no step-up code",
      body: { amountMinor: 10_000, currency: "INR" },
      options: { noStepUp: true },
      status: 403,
    },
    {
      label: "a wrong step-up code",
      body: { amountMinor: 10_000, currency: "INR" },
      options: { wrongCode: true },
      status: 403,
    },
  ] as const)("$label → $status", async ({ body, options, status }) => {
    const { user, destinationId } = await userWithDestination("bad", 50_000);
    const before = await balances(user);
    const full = { destinationId, ...body } as Record<string, unknown>;
    let response: Response;
    if ("noKey" in options) {
      response = await asUser(user, "/v1/me/redemptions", { body: full });
    } else if ("wrongCode" in options) {
      const { challengeId, code } = await stepUp(user);
      const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
      response = await asUser(user, "/v1/me/redemptions", {
        body: { ...full, stepUp: { challengeId, code: wrong } },
        headers: { "idempotency-key": "wrong-code-key" },
      });
    } else {
      response = await redeem(user, full, { withStepUp: !("noStepUp" in options) });
    }
    expect(response.status).toBe(status);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    expect(await balances(user)).toEqual(before);
    expect(await walletStub(user).getPayouts(null, 10)).toEqual([]);
  });

  it("a new destination is cooling off; KYC is needed above the threshold", async () => {
    const user = await userWithConfirmed("policy", 2_000_000);
    const added = await asUser(user, "/v1/me/payout-destinations", { body: UPI });
    const fresh = (await added.json()) as { id: string };
    const cooling = await redeem(user, {
      amountMinor: 10_000,
      currency: "INR",
      destinationId: fresh.id,
    });
    expect(cooling.status).toBe(409);
    expect(((await cooling.json()) as { code: string }).code).toBe("destination_cooling_off");

    const destinationId = await seasonedDestination(user);
    const big = await redeem(user, { amountMinor: 1_500_000, currency: "INR", destinationId });
    expect(big.status).toBe(403);
    expect(((await big.json()) as { code: string }).code).toBe("kyc_required");
    expect(await balances(user)).toEqual({ confirmed: 2_000_000 });

    await asAdmin(`/admin/v1/users/${user}/kyc`, "PUT", { status: "verified" });
    const verified = await redeem(user, { amountMinor: 1_500_000, currency: "INR", destinationId });
    expect(verified.status).toBe(201);
  });

  it("bad destination input is a 400 listing the fields", async () => {
    const user = await userWithConfirmed("baddest", 1_000);
    const r = await asUser(user, "/v1/me/payout-destinations", {
      body: { type: "bank", accountNumber: "12ab", ifsc: "nope", holderName: "A" },
    });
    expect(r.status).toBe(400);
    const problem = (await r.json()) as { errors: Array<{ path: string }> };
    expect(problem.errors.map((e) => e.path).sort()).toEqual([
      "accountNumber",
      "holderName",
      "ifsc",
    ]);
    expect(await walletStub(user).getDestinations()).toEqual([]);
  });
});

describe("key rotation", () => {
  it("re-seals a destination sealed under an older key; payouts to it still work", async () => {
    const { user, destinationId } = await userWithDestination("rotate", 20_000);
    const ring = parseKeyRing(env.PAYOUT_DETAILS_KEYS);
    if (!ring?.[1]) throw new Error("the test key ring has version 1");
    const underOldKey = await seal(
      { 1: ring[1] },
      JSON.stringify({ ...BANK }),
      `dest:${user}:${destinationId}`,
    );
    const sealedNow = () =>
      runInDurableObject(walletStub(user), (_o, state) =>
        String(
          state.storage.sql
            .exec(`SELECT sealed_details FROM destinations WHERE destination_id = ?`, destinationId)
            .one().sealed_details,
        ),
      );
    await runInDurableObject(walletStub(user), (_o, state) => {
      state.storage.sql.exec(
        `UPDATE destinations SET sealed_details = ? WHERE destination_id = ?`,
        underOldKey,
        destinationId,
      );
    });
    expect(await walletStub(user).resealDestinations()).toEqual({ resealed: 1, unreadable: 0 });
    expect(await sealedNow()).toMatch(/^v2\./);
    expect(await walletStub(user).resealDestinations()).toEqual({ resealed: 0, unreadable: 0 });

    const r = await redeem(user, { amountMinor: 10_000, currency: "INR", destinationId });
    await waitForPayout(user, ((await r.json()) as { id: string }).id, "paid");
  });
});

describe("daily reconciliation against the sandbox processor", () => {
  it("our paid payout matches; a payout only the processor knows is reported", async () => {
    const { user, destinationId } = await userWithDestination("recon", 20_000);
    const id = await redeemTo(user, destinationId, 10_000);
    await waitForPayout(user, id, "paid");
    await eventually(async () => {
      const row = await env.DB.prepare(`SELECT status FROM payouts WHERE id = ?1`)
        .bind(id)
        .first<{ status: string }>();
      return row?.status === "paid";
    });

    // A payout made at the processor by someone else with the same credentials.
    const stranger = `po_stranger_${crypto.randomUUID().slice(0, 8)}`;
    const made = await sandbox().fetch(
      new Request("https://sandbox-processor.internal/v1/payouts", {
        method: "POST",
        headers: {
          authorization: `Bearer ${env.PAYOUT_PROCESSOR_API_KEY}`,
          "content-type": "application/json",
          "idempotency-key": stranger,
        },
        body: JSON.stringify({
          payoutId: stranger,
          amountMinor: 777,
          currency: "INR",
          destination: { ...UPI },
        }),
      }),
    );
    expect(made.status).toBe(201);

    const run = await asAdmin("/admin/v1/payout-reconciliation/run", "POST", {});
    expect(run.status).toBe(200);
    const { runId } = (await run.json()) as { runId: string };
    const detail = await asAdmin(`/admin/v1/payout-reconciliation/runs/${runId}`);
    const { discrepancies } = (await detail.json()) as {
      discrepancies: Array<{ kind: string; subject: string }>;
    };
    expect(discrepancies).toContainEqual(
      expect.objectContaining({ kind: "unknown_to_us", subject: stranger }),
    );
    expect(discrepancies.filter((d) => d.subject === id)).toEqual([]);
  });
});

describe("step-up codes", () => {
  it("a code works once, expires, locks after too many wrong tries, and is rate limited", async () => {
    const { user, destinationId } = await userWithDestination("stepup", 100_000);
    const body = { amountMinor: 10_000, currency: "INR", destinationId };
    const attempt = (stepUp: { challengeId: string; code: string }, key: string) =>
      asUser(user, "/v1/me/redemptions", {
        body: { ...body, stepUp },
        headers: { "idempotency-key": key },
      });
    const codeOf = async (r: Response) => ((await r.json()) as { code: string }).code;

    // Used once, then refused for a second redemption.
    const first = await stepUp(user);
    expect((await attempt(first, "stepup-key-1")).status).toBe(201);
    const reused = await attempt(first, "stepup-key-2");
    expect(reused.status).toBe(403);
    expect(await codeOf(reused)).toBe("step_up_failed");

    // Expired: issued eleven minutes ago with a ten-minute lifetime.
    const old = await walletStub(user).issueStepUp(
      user,
      null,
      DEFAULT_PAYOUT_POLICY,
      Date.now() - 11 * 60_000,
    );
    if (old.status !== "created") throw new Error("not issued");
    const expired = await attempt(
      { challengeId: old.challengeId, code: await stepUpCodeOf(old.challengeId) },
      "stepup-key-3",
    );
    expect(await codeOf(expired)).toBe("step_up_failed");

    // Five wrong codes lock the challenge, even for the right code afterwards.
    const guessed = await stepUp(user);
    const wrong = String((Number(guessed.code) + 1) % 1_000_000).padStart(6, "0");
    for (let i = 0; i < DEFAULT_PAYOUT_POLICY.stepUpMaxAttempts; i++) {
      expect((await attempt({ ...guessed, code: wrong }, `stepup-wrong-${i}`)).status).toBe(403);
    }
    const locked = await attempt(guessed, "stepup-key-4");
    expect(locked.status).toBe(403);
    expect(await codeOf(locked)).toBe("step_up_failed");

    // Only one redemption went through.
    expect(await balances(user)).toMatchObject({ confirmed: 90_000, reserved: 10_000 });

    // At most five unused codes per hour.
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await asUser(user, "/v1/me/step-up", { method: "POST" })).status);
    }
    expect(statuses.at(-1)).toBe(429);
  });
});

describe("webhook input", () => {
  it("a correctly signed but malformed body is a 400 and changes nothing", async () => {
    const body = JSON.stringify({ id: "evt_1", type: "payout.completed", data: { payout_id: 5 } });
    const signature = await signSandboxWebhook(
      env.PAYOUT_PROCESSOR_WEBHOOK_SECRET as string,
      body,
      Math.floor(Date.now() / 1000),
    );
    const response = await fetchWebhook(body, signature);
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
  });
});

describe("contradictions and audits", () => {
  it("a webhook that contradicts a paid payout is flagged for attention and moves no money", async () => {
    const { user, destinationId } = await userWithDestination("conflict", 20_000);
    const id = await redeemTo(user, destinationId, 10_000);
    const paid = await waitForPayout(user, id, "paid");
    const before = await balances(user);

    const body = JSON.stringify({
      id: `evt_forged_${id}`,
      type: "payout.failed",
      created_at: new Date().toISOString(),
      data: {
        payout_id: id,
        reference: paid.processorRef,
        status: "failed",
        failure_code: "account_closed",
        amount_minor: 10_000,
        currency: "INR",
      },
    });
    const signature = await signSandboxWebhook(
      env.PAYOUT_PROCESSOR_WEBHOOK_SECRET as string,
      body,
      Math.floor(Date.now() / 1000),
    );
    const response = await fetchWebhook(body, signature);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { outcome: string }).outcome).toBe("conflict");
    expect(await balances(user)).toEqual(before);
    expect((await payoutOf(user, id)).status).toBe("paid");

    const flagged = await eventually(async () => {
      const list = await asAdmin(`/admin/v1/payouts?attention=true&userId=${user}`);
      const { items } = (await list.json()) as { items: Array<{ id: string; attention: string }> };
      return items.find((p) => p.id === id) ?? null;
    });
    expect(flagged.attention).toContain("failed");
    const calm = await asAdmin(`/admin/v1/payouts?attention=false&userId=${user}`);
    expect(((await calm.json()) as { items: unknown[] }).items).toEqual([]);
  });

  it("the wallet audit catches reserved money that no open payout explains", async () => {
    const { user, destinationId } = await userWithDestination("reserved", 20_000);
    await loginFromNewDevice(user);
    await redeemTo(user, destinationId, 10_000); // held
    expect((await walletStub(user).audit()).ok).toBe(true);
    await runInDurableObject(walletStub(user), (_o, state) => {
      state.storage.sql.exec(`UPDATE payouts SET amount_minor = 9000`);
    });
    const audit = await walletStub(user).audit();
    expect(audit.ok).toBe(false);
    expect(audit.violations).toContainEqual(
      expect.stringContaining("reserved 10000 != open payouts 9000"),
    );
  });

  it("changing a destination from bank to UPI changes its type and restarts its cooling-off", async () => {
    const user = await userWithConfirmed("switch", 1_000);
    const added = await asUser(user, "/v1/me/payout-destinations", { body: BANK });
    const { id } = (await added.json()) as { id: string };
    const changed = await asUser(user, `/v1/me/payout-destinations/${id}`, {
      method: "PUT",
      body: { ...UPI, vpa: "new.handle@okhdfc" },
    });
    expect(changed.status).toBe(200);
    const view = (await changed.json()) as { type: string; masked: string; usableFrom: string };
    expect(view.type).toBe("upi");
    expect(view.masked).toMatch(/@okhdfc$/);
    expect(Date.parse(view.usableFrom)).toBeGreaterThan(Date.now() + 23 * 3_600_000);
  });
});

/** A payout held for review (a new device logged in just before), so nothing dispatches it. */
async function heldPayout(label: string) {
  const { user, destinationId } = await userWithDestination(label, 20_000);
  await loginFromNewDevice(user);
  const id = await redeemTo(user, destinationId, 10_000);
  await eventually(async () => {
    const row = await env.DB.prepare(`SELECT 1 AS n FROM payouts WHERE id = ?1`).bind(id).first();
    return row !== null;
  });
  return { user, id, destinationId };
}
describe("operator actions that must ask the processor", () => {
  it("cancel refuses a payout the processor already has, and applies what the processor says", async () => {
    const { user, id } = await heldPayout("cancel-safe");
    // As after an attempt whose answer was lost: the processor has it, the wallet does not know.
    await runInDurableObject(walletStub(user), (_o, state) => {
      state.storage.sql.exec(
        `UPDATE payouts SET status = 'stuck', attempts = 1 WHERE payout_id = ?`,
        id,
      );
    });
    const made = await sandbox().fetch(
      new Request("https://sandbox-processor.internal/v1/payouts", {
        method: "POST",
        headers: {
          authorization: `Bearer ${env.PAYOUT_PROCESSOR_API_KEY}`,
          "content-type": "application/json",
          "idempotency-key": id,
        },
        body: JSON.stringify({
          payoutId: id,
          amountMinor: 10_000,
          currency: "INR",
          destination: BANK,
        }),
      }),
    );
    expect(made.status).toBe(201);

    const cancel = await asAdmin(`/admin/v1/payouts/${id}/cancel`, "POST");
    expect(cancel.status).toBe(409);
    expect((await payoutOf(user, id)).status).not.toBe("cancelled");
    await waitForPayout(user, id, "paid");
    expect(await postingsFor(user, id)).toEqual([`payout:${id}:paid`, `payout:${id}:reserve`]);
  });

  it("retry re-sends a queued payout whose dispatch message stalled; it is paid once", async () => {
    const { user, id } = await heldPayout("requeue");
    await runInDurableObject(walletStub(user), (_o, state) => {
      state.storage.sql.exec(`UPDATE payouts SET status = 'queued' WHERE payout_id = ?`, id);
    });
    const retry = await asAdmin(`/admin/v1/payouts/${id}/retry`, "POST");
    expect(retry.status).toBe(200);
    await waitForPayout(user, id, "paid");
    expect(await postingsFor(user, id)).toEqual([`payout:${id}:paid`, `payout:${id}:reserve`]);
    expect(await balances(user)).toMatchObject({
      confirmed: 10_000,
      reserved: 0,
      paid_out: 10_000,
    });
  });
});

describe("races between operator actions and attempts", () => {
  it("a cancel is refused when an attempt began after the processor was asked", async () => {
    const { user, id } = await heldPayout("cancel-race");
    await runInDurableObject(walletStub(user), (_o, state) => {
      state.storage.sql.exec(
        `UPDATE payouts SET status = 'retrying', attempts = 2 WHERE payout_id = ?`,
        id,
      );
    });
    // The operator saw one attempt; a second began meanwhile.
    const refused = await walletStub(user).adminPayoutAction(id, "cancel", 1);
    expect(refused.status).toBe("not_allowed");
    expect(await balances(user)).toMatchObject({ reserved: 10_000 });
    const allowed = await walletStub(user).adminPayoutAction(id, "cancel", 2);
    expect(allowed.status).toBe("done");
    expect(await balances(user)).toMatchObject({ confirmed: 20_000, reserved: 0 });
  });

  it("a refusal from an attempt that no longer holds the claim credits nothing back", async () => {
    const { user, id } = await heldPayout("stale-refusal");
    await runInDurableObject(walletStub(user), (_o, state) => {
      state.storage.sql.exec(
        `UPDATE payouts SET status = 'submitting', attempts = 3 WHERE payout_id = ?`,
        id,
      );
    });
    const stale = await walletStub(user).recordPayoutRejected(id, 2, "invalid_request");
    expect(stale?.status).toBe("submitting");
    expect(await balances(user)).toMatchObject({ reserved: 10_000 });
    const current = await walletStub(user).recordPayoutRejected(id, 3, "invalid_request");
    expect(current?.status).toBe("failed");
    expect(await balances(user)).toMatchObject({ confirmed: 20_000, reserved: 0 });
  });
});

describe("destination idempotency", () => {
  it("the same Idempotency-Key with the same details returns the destination; with other details, 409", async () => {
    const user = await userWithConfirmed("dest-idem", 1_000);
    const add = (body: unknown) =>
      asUser(user, "/v1/me/payout-destinations", {
        body,
        headers: { "idempotency-key": "dest-key-123" },
      });
    const first = await add(BANK);
    expect(first.status).toBe(201);
    const again = await add(BANK);
    expect(again.status).toBe(200);
    expect(((await again.json()) as { id: string }).id).toBe(
      ((await first.json()) as { id: string }).id,
    );
    const other = await add({ ...BANK, accountNumber: "999988887777" });
    expect(other.status).toBe(409);
    expect(((await other.json()) as { code: string }).code).toBe("idempotency_conflict");
    expect(await walletStub(user).getDestinations()).toHaveLength(1);
  });
});

describe("step-up codes as notification events", () => {
  it("the code is a critical event with the challenge's id, stored with it; a refused request tells nothing", async () => {
    const { user } = await userWithDestination("stepup-event", 20_000);
    const response = await asUser(user, "/v1/me/step-up", { method: "POST" });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { challengeId: string; channel: string };
    expect(body).not.toHaveProperty("code");
    expect(body.channel).toBe("webhook");
    const events = () => notifications.of(user).filter((m) => m.type === "step_up_code");
    // Published by the wallet's outbox before the route answered.
    expect(events().map((m) => m.id)).toEqual([body.challengeId]);
    const code = await stepUpCodeOf(body.challengeId);
    expect(code).toMatch(/^\d{6}$/);
    expect(events()[0]?.vars).toEqual({ code, expiresAt: expect.any(Number) });
    const delivery = await eventually(() =>
      env.DB.prepare(
        `SELECT category, state, reason FROM notification_deliveries WHERE event_id = ?1 AND state = 'sent'`,
      )
        .bind(body.challengeId)
        .first<{ category: string; state: string; reason: string | null }>(),
    );
    expect(delivery).toEqual({ category: "critical", state: "sent", reason: null });

    // Four more fill the hour's allowance; the sixth is refused and no event is written for it.
    for (let i = 0; i < DEFAULT_PAYOUT_POLICY.stepUpMaxOpenPerHour - 1; i++) {
      expect((await asUser(user, "/v1/me/step-up", { method: "POST" })).status).toBe(201);
    }
    expect((await asUser(user, "/v1/me/step-up", { method: "POST" })).status).toBe(429);
    expect(events()).toHaveLength(DEFAULT_PAYOUT_POLICY.stepUpMaxOpenPerHour);
  });
});
