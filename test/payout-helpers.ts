import { env } from "cloudflare:workers";
import { sign } from "hono/jwt";
import { transactionIdFor } from "#shared/ids";
import type { LedgerEventMessage, PayoutProjection } from "#shared/messages";
import { DEFAULT_PAYOUT_POLICY } from "#shared/payouts/policy";
import { ADMIN_HEADERS, api, eventually, uniqueUser, walletStub } from "./helpers";
import type { TestSandboxProcessor } from "./worker";

/** Helpers for the payout tests: real api routes, the real wallet, the sandbox processor. */

export const BANK = {
  type: "bank",
  accountNumber: "123456789012",
  ifsc: "HDFC0001234",
  holderName: "Asha Rao",
} as const;

export const UPI = { type: "upi", vpa: "asha.rao@okaxis", holderName: "Asha Rao" } as const;

/** The sandbox processor the api worker talks to in tests (test/worker.ts). */
export function sandbox() {
  const namespace =
    env.SANDBOX_PROCESSOR as unknown as DurableObjectNamespace<TestSandboxProcessor>;
  return namespace.get(namespace.idFromName("sandbox"));
}

export async function userJwt(userId: string, device?: string): Promise<string> {
  return sign(
    { sub: userId, exp: Math.floor(Date.now() / 1000) + 3600, ...(device ? { device } : {}) },
    env.USER_JWT_SECRET,
    "HS256",
  );
}

export async function asUser(
  userId: string,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string>; device?: string } = {},
): Promise<Response> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${await userJwt(userId, init.device)}`,
    ...(init.body !== undefined ? { "content-type": "application/json" } : {}),
    ...init.headers,
  };
  return api(path, {
    method: init.method ?? (init.body !== undefined ? "POST" : "GET"),
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

export function asAdmin(path: string, method = "GET", body?: unknown): Promise<Response> {
  return api(path, {
    method,
    headers: ADMIN_HEADERS,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** A click on the test shop's offer (5% of a sale, INR) two minutes ago, recorded in the wallet. */
export async function recordTestClick(
  userId: string,
): Promise<{ clickId: string; clickedAtMs: number }> {
  const clickId = `clk_${crypto.randomUUID().replaceAll("-", "")}`;
  const clickedAtMs = Date.now() - 120_000;
  await walletStub(userId).recordClicks(userId, [
    {
      clickId,
      offerId: "test-shop-offer",
      merchantId: "test-shop",
      networkId: "test-net",
      clickedAtMs,
      currency: "INR",
      terms: { basis: "sale", defaultRateBps: 500, categoryRates: {} },
      returnWindowDays: 30,
    },
  ]);
  return { clickId, clickedAtMs };
}

/** A user whose wallet holds `confirmedMinor` of confirmed INR cashback (5% of a sale). */
export async function userWithConfirmed(label: string, confirmedMinor: number): Promise<string> {
  const userId = uniqueUser(label);
  const { clickId, clickedAtMs } = await recordTestClick(userId);
  await walletStub(userId).applyConversion({
    txnId: await transactionIdFor("test-net", `PO-${userId}`),
    postbackId: "pb_payout_setup",
    networkId: "test-net",
    orderId: `PO-${userId}`,
    userId,
    offerId: "test-shop-offer",
    clickId,
    clickAtSec: Math.floor(clickedAtMs / 1000),
    status: "approved",
    currency: "INR",
    saleAmountMinor: confirmedMinor * 20,
    commissionMinor: 0,
    category: null,
    lineItems: null,
    occurredAtMs: clickedAtMs + 1_000,
    updatedAtMs: clickedAtMs + 1_000,
    receivedAtMs: Date.now(),
  });
  return userId;
}

/**
 * A destination added through the wallet as of two days ago, so its cooling-off is over.
 * (Adding through the API is tested separately; the API always uses the real clock.)
 */
export async function seasonedDestination(
  userId: string,
  input: Record<string, unknown> = BANK,
): Promise<string> {
  const destinationId = `dst_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
  const result = await walletStub(userId).addDestination(
    userId,
    destinationId,
    { label: null, holderName: null, ...input } as never,
    DEFAULT_PAYOUT_POLICY,
    Date.now() - 2 * 86_400_000,
  );
  if (result.status !== "created") throw new Error(`destination not created: ${result.status}`);
  return destinationId;
}

/**
 * The code of challenge `challengeId`, read from the dev outbox as a user reads their SMS. The
 * code is a notification event the pipeline delivers after the step-up answered: polled.
 */
export async function stepUpCodeOf(challengeId: string, timeoutMs = 15_000): Promise<string> {
  return eventually(async () => {
    const row = await env.DB.prepare(`SELECT body FROM notification_outbox WHERE id = ?1 LIMIT 1`)
      .bind(challengeId)
      .first<{ body: string }>();
    return row ? (JSON.parse(row.body) as { code: string }).code : null;
  }, timeoutMs);
}

/** Requests a step-up code and reads it from the dev outbox (see `stepUpCodeOf`). */
export async function stepUp(userId: string, device?: string) {
  const response = await asUser(userId, "/v1/me/step-up", { method: "POST", device });
  if (response.status !== 201)
    throw new Error(`step-up: ${response.status} ${await response.text()}`);
  const { challengeId } = (await response.json()) as { challengeId: string };
  return { challengeId, code: await stepUpCodeOf(challengeId) };
}

export async function redeem(
  userId: string,
  body: Record<string, unknown>,
  options: { key?: string; device?: string; withStepUp?: boolean } = {},
): Promise<Response> {
  const code = options.withStepUp === false ? undefined : await stepUp(userId, options.device);
  return asUser(userId, "/v1/me/redemptions", {
    body: { ...body, ...(code ? { stepUp: code } : {}) },
    headers: { "idempotency-key": options.key ?? `key-${crypto.randomUUID()}` },
    device: options.device,
  });
}

export async function payoutOf(userId: string, payoutId: string) {
  const found = await walletStub(userId).getPayout(payoutId);
  if (!found) throw new Error(`no payout ${payoutId}`);
  return found.payout;
}

/** Waits until the payout reaches `status`, delivering the sandbox's webhooks meanwhile. */
export async function waitForPayout(userId: string, payoutId: string, status: string) {
  return eventually(async () => {
    await sandbox().deliverWebhooks({ force: true });
    const payout = await payoutOf(userId, payoutId);
    return payout.status === status ? payout : null;
  }, 20_000);
}

/** Ledger postings of one kind for a payout (each posting is 2–3 entries with one key). */
export async function postingsFor(userId: string, payoutId: string): Promise<string[]> {
  const entries = await walletStub(userId).listLedger(null, 200);
  return [
    ...new Set(
      entries
        .map((e) => e.idempotencyKey.replace(/#\d+$/, ""))
        .filter((key) => key.startsWith(`payout:${payoutId}:`)),
    ),
  ].sort();
}

/** A user holding `confirmedMinor` of confirmed INR, with a destination past its cooling-off. */
export async function userWithDestination(
  label: string,
  confirmedMinor: number,
  input: Record<string, unknown> = BANK,
): Promise<{ user: string; destinationId: string }> {
  const user = await userWithConfirmed(label, confirmedMinor);
  return { user, destinationId: await seasonedDestination(user, input) };
}

/** Redeems `amountMinor` INR to a saved destination; returns the payout id. */
export async function redeemTo(
  userId: string,
  destinationId: string,
  amountMinor: number,
): Promise<string> {
  const response = await redeem(userId, { amountMinor, currency: "INR", destinationId });
  return ((await response.json()) as { id: string }).id;
}

/** One device seen a month ago and a new one a minute ago: the next redemption is held. */
export async function loginFromNewDevice(userId: string): Promise<void> {
  await walletStub(userId).recordLogin(userId, "old", Date.now() - 30 * 86_400_000);
  await walletStub(userId).recordLogin(userId, "new", Date.now() - 60_000);
}

/** A paid payout's ledger-events projection, as a wallet sends it; `fields` override. */
export function payout(
  userId: string,
  id: string,
  fields: Partial<PayoutProjection["payout"]> & { createdAtMs: number },
): LedgerEventMessage {
  return {
    kind: "payout",
    userId,
    payout: {
      id,
      status: "paid",
      destinationType: "bank",
      destinationMasked: "••••9012",
      currency: "INR",
      amountMinor: 5_000,
      holdReason: null,
      failureCode: null,
      attention: null,
      attempts: 1,
      processorId: "fake",
      processorRef: `ref_${id}`,
      updatedAtMs: fields.createdAtMs,
      paidAtMs: null,
      version: 1,
      ...fields,
    },
  };
}
