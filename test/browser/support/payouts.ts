import { randomBytes } from "node:crypto";
import { asAdmin, asUser, toSandbox, until } from "./user-api";

/**
 * Payouts for the browser tests, built through the runtime's real APIs the way README's
 * walkthrough builds one by hand: a real click through the redirect, an order at the sandbox
 * network approved by it (signed postbacks), the return window closed with the dev-only clock
 * override (ALLOW_CLOCK_OVERRIDE, set only for local runtimes), a UPI destination, a step-up
 * code read from the dev outbox, a redemption. The local runtime's payout policy has no cooling-off
 * (scripts/lib/dev-vars.ts), so a destination added now is already past it.
 *
 * `stuckPayout` is quick only because the browser runtime is tuned (global-setup.ts): the
 * payouts queue retries twice without waiting, where a deployment retries 8 times over hours.
 */

/** The demo data's offer on the sandbox affiliate network (operator offer: return window). */
const SANDBOX_OFFER = "sandbox-store-5pct";
const SALE_MINOR = 400_000;
/** 5% of the sale: ₹200.00, confirmed once the return window has passed. */
export const CASHBACK_MINOR = 20_000;
/** ₹100.00: above the UPI minimum (₹50.00), so two fit in the cashback. */
export const REDEMPTION_MINOR = 10_000;

interface Payout {
  userId: string;
  payout: { status: string };
  attention: string | null;
  log: Array<{ event: string; detail: string | null }>;
}

/** The admin API's view of one payout, with its history. */
export function payoutOf(payoutId: string): Promise<Payout> {
  return asAdmin<Payout>(`/admin/v1/payouts/${encodeURIComponent(payoutId)}`);
}

/**
 * The sandbox payout processor answers every payout call with 503 (`down`) until
 * `processorIsBack`. It is shared by the whole runtime: always bring it back.
 */
export async function processorIsDown(): Promise<void> {
  await toSandbox("/sandbox-processor/control/faults", {
    method: "POST",
    body: JSON.stringify({ down: { times: 1_000_000 } }),
  });
}

/** Clears every sandbox processor fault. */
export async function processorIsBack(): Promise<void> {
  await toSandbox("/sandbox-processor/control/faults", { method: "DELETE" });
}

/**
 * A new user holding ₹200.00 of confirmed cashback, with a UPI destination to be paid to.
 *
 * @example
 * const { userId, destinationId } = await payeeWithCashback();
 */
export async function payeeWithCashback(): Promise<{ userId: string; destinationId: string }> {
  const unique = randomBytes(4).toString("hex");
  const userId = `browser-payee-${unique}`;
  await asAdmin(`/admin/v1/users/${userId}`, {
    method: "PUT",
    body: JSON.stringify({ displayName: "Browser payee" }),
  });

  // The click: the redirect mints the sub-ID the network echoes back.
  const offers = await asUser<{ items: Array<{ id: string; trackingUrl: string }> }>(
    userId,
    "/v1/offers",
  );
  const link = offers.items.find((o) => o.id === SANDBOX_OFFER)?.trackingUrl;
  if (!link) throw new Error(`offer ${SANDBOX_OFFER} is not in the demo data`);
  const redirect = await fetch(link, { redirect: "manual" });
  const subId = new URL(redirect.headers.get("location") ?? "").searchParams.get("subid");
  if (!subId) throw new Error("the redirect carried no subid");
  await until(async () => {
    const clicks = await asUser<{ items: unknown[] }>(userId, "/v1/me/clicks");
    return clicks.items.length > 0;
  }, "the click to reach the wallet");

  // The order at the sandbox network, approved by it: two signed postbacks.
  const orderId = `BRW-PAY-${unique}`;
  await toSandbox("/sandbox/orders", {
    method: "POST",
    body: JSON.stringify({
      order_id: orderId,
      sub_id: subId,
      currency: "INR",
      sale_amount_minor: SALE_MINOR,
      commission_minor: SALE_MINOR / 10,
    }),
  });
  await toSandbox(`/sandbox/orders/${orderId}/approve`, { method: "POST", body: "{}" });
  await toSandbox("/sandbox/deliver", { method: "POST", body: "{}" });
  await until(async () => {
    const balance = await inrBalance(userId);
    return balance.pendingMinor + balance.confirmedMinor >= CASHBACK_MINOR;
  }, "the cashback in the wallet");

  // The return window closes (dev-only clock override): confirmed, whatever the policy.
  await asAdmin("/admin/v1/confirmations/run", {
    method: "POST",
    body: JSON.stringify({ asOf: new Date(Date.now() + 31 * 86_400_000).toISOString() }),
  });
  await until(
    async () => (await inrBalance(userId)).confirmedMinor >= CASHBACK_MINOR,
    "confirmed cashback",
  );

  const destination = await asUser<{ id: string }>(userId, "/v1/me/payout-destinations", {
    method: "POST",
    headers: { "idempotency-key": `browser-dest-${unique}` },
    body: JSON.stringify({
      type: "upi",
      vpa: `payee.${unique}@okaxis`,
      holderName: "Browser Payee",
    }),
  });
  return { userId, destinationId: destination.id };
}

/**
 * Redeems ₹100.00 to the destination with a fresh step-up code; returns the payout id.
 *
 * @example
 * const payoutId = await redeem(userId, destinationId);
 */
export async function redeem(userId: string, destinationId: string): Promise<string> {
  const { challengeId } = await asUser<{ challengeId: string }>(userId, "/v1/me/step-up", {
    method: "POST",
  });
  // The code is a notification event the pipeline delivers after the step-up answered.
  const code = await until(async () => {
    const outbox = await asAdmin<{ items: Array<{ id: string; body: { code?: string } }> }>(
      `/admin/v1/dev/notifications?userId=${userId}&kind=step_up_code&limit=5`,
    );
    return outbox.items.find((n) => n.id === challengeId)?.body.code ?? null;
  }, "the step-up code in the dev outbox");
  const payout = await asUser<{ id: string }>(userId, "/v1/me/redemptions", {
    method: "POST",
    headers: { "idempotency-key": `browser-redeem-${challengeId}` },
    body: JSON.stringify({
      amountMinor: REDEMPTION_MINOR,
      currency: "INR",
      destinationId,
      stepUp: { challengeId, code },
    }),
  });
  return payout.id;
}

/**
 * A payout the processor never took: down all along, the dispatch retries ran out and the
 * dead-letter consumer marked it `stuck` for an operator (issue 10's "a stuck payout
 * retried"). The processor is left down; the caller brings it back (`processorIsBack`).
 *
 * @example
 * const { payoutId } = await stuckPayout();
 * await processorIsBack();
 * // … the operator retries it in the console
 */
export async function stuckPayout(): Promise<{ userId: string; payoutId: string }> {
  const { userId, destinationId } = await payeeWithCashback();
  await processorIsDown();
  try {
    const payoutId = await redeem(userId, destinationId);
    // Dispatch, two retries, the dead letter: `stuck`, and in the admin list the console reads.
    // The admin API finds a payout once its first dispatch recorded the owner: 404 until then.
    await until(
      async () => (await payoutOf(payoutId).catch(() => null))?.payout.status === "stuck",
      `payout ${payoutId} to be stuck`,
      30_000,
    );
    await untilListed(payoutId, "stuck");
    return { userId, payoutId };
  } catch (error) {
    await processorIsBack();
    throw error;
  }
}

/**
 * Two payouts held for review: the user logged in from a new device (reported through the
 * admin API, as the operator's backend does) just before redeeming.
 *
 * @example
 * const { payoutIds: [first, second] } = await heldPayouts();
 */
export async function heldPayouts(): Promise<{ userId: string; payoutIds: [string, string] }> {
  const { userId, destinationId } = await payeeWithCashback();
  const login = (deviceId: string, atMs: number) =>
    asAdmin(`/admin/v1/users/${userId}/logins`, {
      method: "POST",
      body: JSON.stringify({ deviceId, at: new Date(atMs).toISOString() }),
    });
  await login("old-laptop", Date.now() - 30 * 86_400_000);
  await login("new-phone", Date.now() - 60_000);
  const payoutIds: [string, string] = [
    await redeem(userId, destinationId),
    await redeem(userId, destinationId),
  ];
  for (const id of payoutIds) await untilListed(id, "held");
  return { userId, payoutIds };
}

async function untilListed(payoutId: string, status: string): Promise<void> {
  await until(async () => {
    const list = await asAdmin<{ items: Array<{ id: string }> }>(
      `/admin/v1/payouts?status=${status}&limit=100`,
    );
    return list.items.some((p) => p.id === payoutId);
  }, `payout ${payoutId} in the admin list as ${status}`);
}

async function inrBalance(userId: string) {
  const wallet = await asUser<{
    balances: Array<{ currency: string; pendingMinor: number; confirmedMinor: number }>;
  }>(userId, "/v1/me/wallet");
  return (
    wallet.balances.find((b) => b.currency === "INR") ?? { pendingMinor: 0, confirmedMinor: 0 }
  );
}
