import { expect } from "vitest";
import type { ErrorCode } from "#shared/http/errors";
import { transactionIdFor } from "#shared/ids";
import { svixSignature } from "#shared/notify/provider-signatures";
import type { ContractRequest, ContractRow } from "./contract-exchange";
import { ADMIN_HEADERS, api, eventually, uniqueUser, walletStub } from "./helpers";
import {
  asUser,
  redeem,
  seasonedDestination,
  stepUp,
  UPI,
  userWithConfirmed,
} from "./payout-helpers";

/**
 * One request per problem code the api can return (shared/http/errors.ts), as contract rows
 * (test/contract.e2e.test.ts). Setup calls go through the plain helpers; only the row's own
 * request is checked against the document.
 */

export type Scratch = Record<string, never>;

/** A user with confirmed INR and a destination past its cooling-off. */
async function readyUser(label: string, confirmedMinor = 20_000) {
  const user = await userWithConfirmed(label, confirmedMinor);
  return { user, destinationId: await seasonedDestination(user) };
}

/** Notification preferences and templates (docs/notifications.md). */
const NOTIFICATION_PROBLEMS: Array<ContractRow<Scratch>> = [
  {
    name: "channels_required: transactional messages with every channel turned off",
    request: () => ({
      method: "PUT",
      path: "/v1/me/notification-preferences",
      as: { user: uniqueUser("problem-channels") },
      body: {
        channels: {
          transactional: { webhook: false, email: false, push: false, sms: false },
        },
      },
    }),
    status: 422,
    problem: "channels_required",
  },
  {
    name: "unknown_template_variables: a template naming a variable its type lacks",
    request: () => ({
      method: "PUT",
      path: "/admin/v1/notifications/templates/payout_paid/en",
      as: "admin",
      body: { title: "Paid {{amount}}", body: "Sent to {{iban}}." },
    }),
    status: 422,
    problem: "unknown_template_variables",
  },
  {
    name: "invalid_signature: a Resend receipt signed with another secret",
    request: async () => {
      const body = JSON.stringify({ type: "email.delivered", data: { email_id: "re_x" } });
      const ts = Math.floor(Date.now() / 1000);
      return {
        method: "POST",
        path: "/v1/notifications/receipts/resend",
        as: "anonymous",
        rawBody: body,
        headers: {
          "content-type": "application/json",
          "svix-id": "msg_contract",
          "svix-timestamp": String(ts),
          "svix-signature": await svixSignature("whsec_b3RoZXItc2VjcmV0", "msg_contract", ts, body),
        },
      };
    },
    status: 401,
    problem: "invalid_signature",
  },
  {
    name: "forbidden: a push receipt link with a tampered token",
    request: () => ({
      method: "POST",
      path: `/v1/notifications/receipts/push?t=push.dlv_${"0".repeat(40)}.AAAA&event=shown`,
      as: "anonymous",
    }),
    status: 403,
    problem: "forbidden",
  },
];

export const PROBLEMS: Array<ContractRow<Scratch>> = [
  {
    name: "bad_request: a body that is not JSON",
    request: () => ({
      method: "POST",
      path: "/admin/v1/confirmations/run",
      as: "admin",
      rawBody: "{not json",
    }),
    status: 400,
    problem: "bad_request",
    requestValid: false,
  },
  {
    name: "validation_failed: an offer without its required fields",
    request: () => ({
      method: "PUT",
      path: "/admin/v1/offers/contract-broken",
      as: "admin",
      body: { title: "no merchant, no terms" },
    }),
    status: 400,
    problem: "validation_failed",
    requestValid: false,
  },
  {
    name: "unauthorized: no token",
    request: () => ({ method: "GET", path: "/v1/me/wallet", as: "anonymous" }),
    status: 401,
    problem: "unauthorized",
  },
  {
    name: "invalid_signature: a payout webhook with a bad signature",
    request: () => ({
      method: "POST",
      path: "/webhooks/payouts/sandbox",
      as: "anonymous",
      headers: { "x-sandbox-signature": `t=${Math.floor(Date.now() / 1000)},v1=${"0".repeat(64)}` },
      body: { eventId: "evt_contract", payoutId: "po_contract", status: "completed" },
    }),
    status: 401,
    problem: "invalid_signature",
  },
  {
    name: "forbidden: a future asOf where the clock may not move",
    request: () => ({
      method: "POST",
      path: "/admin/v1/confirmations/run",
      as: "admin",
      body: { asOf: "2099-01-01T00:00:00Z" },
      env: { ALLOW_CLOCK_OVERRIDE: "false" },
    }),
    status: 403,
    problem: "forbidden",
  },
  {
    name: "not_found: an unknown network",
    request: () => ({ method: "GET", path: "/admin/v1/networks/contract-none", as: "admin" }),
    status: 404,
    problem: "not_found",
  },
  {
    name: "conflict: approving a payout that is not held",
    request: async () => {
      const { user, destinationId } = await readyUser("problem-conflict");
      const redeemed = await redeem(user, { amountMinor: 10_000, currency: "INR", destinationId });
      const { id } = (await redeemed.json()) as { id: string };
      // The operator's payout directory is a projection that lags the wallet a little.
      await eventually(
        async () => (await api(`/admin/v1/payouts/${id}`, { headers: ADMIN_HEADERS })).ok,
      );
      return { method: "POST", path: `/admin/v1/payouts/${id}/approve`, as: "admin" };
    },
    status: 409,
    problem: "conflict",
  },
  {
    name: "unsupported_media_type: a body sent as text/plain",
    request: () => ({
      method: "POST",
      path: "/admin/v1/confirmations/run",
      as: "admin",
      rawBody: "{}",
      headers: { "content-type": "text/plain" },
    }),
    status: 415,
    problem: "unsupported_media_type",
    requestValid: false,
  },
  {
    name: "too_many_requests: a sixth step-up code within the hour",
    request: async () => {
      const user = uniqueUser("problem-step-ups");
      for (let i = 0; i < 5; i++) await stepUp(user);
      return { method: "POST", path: "/v1/me/step-up", as: { user } };
    },
    status: 429,
    problem: "too_many_requests",
  },
  {
    name: "payload_too_large: a body over the api's bound",
    request: () => ({
      method: "POST",
      path: "/admin/v1/confirmations/run",
      as: "admin",
      body: {},
      env: { API_MAX_BODY_BYTES: "1" },
    }),
    status: 413,
    problem: "payload_too_large",
  },
  {
    name: "claim_cap_reached: a second claim in a month capped at one",
    request: async () => {
      const user = uniqueUser("problem-claim-cap");
      const clickId = await storedClick(user);
      const first = await asUser(user, "/v1/me/claims", {
        headers: { "idempotency-key": "contract-claim-cap-1" },
        body: claimBody(clickId, "ORD-CAP-1"),
      });
      expect(first.status).toBe(201);
      return {
        method: "POST",
        path: "/v1/me/claims",
        as: { user },
        headers: { "idempotency-key": "contract-claim-cap-2" },
        body: claimBody(clickId, "ORD-CAP-2"),
        env: { CLAIMS_PER_MONTH: "1" },
      };
    },
    status: 429,
    problem: "claim_cap_reached",
  },
  {
    name: "destination_change_cap_reached: a second destination in a day capped at one change",
    request: async () => {
      const user = uniqueUser("problem-destination-cap");
      const first = await asUser(user, "/v1/me/payout-destinations", { body: UPI });
      expect(first.status).toBe(201);
      return {
        method: "POST",
        path: "/v1/me/payout-destinations",
        as: { user },
        body: { ...UPI, vpa: "asha.rao@okhdfc" },
        env: { PAYOUT_POLICY: JSON.stringify({ destinationChangesPerDay: 1 }) },
      };
    },
    status: 429,
    problem: "destination_change_cap_reached",
  },
  {
    name: "idempotency_conflict: one Idempotency-Key, two different destinations",
    request: async () => {
      const user = uniqueUser("problem-idem");
      const first = await asUser(user, "/v1/me/payout-destinations", {
        headers: { "idempotency-key": "contract-idem-1" },
        body: UPI,
      });
      expect(first.status).toBe(201);
      return {
        method: "POST",
        path: "/v1/me/payout-destinations",
        as: { user },
        headers: { "idempotency-key": "contract-idem-1" },
        body: { ...UPI, vpa: "someone.else@okaxis" },
      };
    },
    status: 409,
    problem: "idempotency_conflict",
  },
  ...redemptionProblem("insufficient_funds", 409, { amountMinor: 50_000 }),
  ...redemptionProblem("below_minimum", 422, { amountMinor: 1 }),
  ...redemptionProblem("currency_not_redeemable", 422, { currency: "JPY" }),
  ...redemptionProblem("kyc_required", 403, { amountMinor: 1_500_000 }, 2_000_000),
  ...redemptionProblem("step_up_required", 403, {}, 20_000, "none"),
  ...redemptionProblem("step_up_failed", 403, {}, 20_000, "wrong"),
  {
    name: "destination_cooling_off: a destination added a minute ago",
    request: async () => {
      const user = await userWithConfirmed("problem-cooling", 20_000);
      const added = await asUser(user, "/v1/me/payout-destinations", { body: UPI });
      const { id } = (await added.json()) as { id: string };
      return redemptionRequest(user, { amountMinor: 10_000, currency: "INR", destinationId: id });
    },
    status: 409,
    problem: "destination_cooling_off",
  },
  {
    name: "destination_unusable: a destination the user removed",
    request: async () => {
      const { user, destinationId } = await readyUser("problem-removed");
      const removed = await asUser(user, `/v1/me/payout-destinations/${destinationId}`, {
        method: "DELETE",
      });
      expect(removed.status).toBe(200);
      return redemptionRequest(user, { amountMinor: 10_000, currency: "INR", destinationId });
    },
    status: 409,
    problem: "destination_unusable",
  },
  {
    name: "debt_outstanding: a confirmed order returned after its cashback was paid out",
    request: async () => {
      const { user, destinationId } = await readyUser("problem-debt", 20_000);
      const paid = await redeem(user, { amountMinor: 20_000, currency: "INR", destinationId });
      expect(paid.status).toBe(201);
      // The same order, now cancelled by the network: the cashback is clawed back.
      await walletStub(user).applyConversion({
        txnId: await transactionIdFor("test-net", `PO-${user}`),
        postbackId: "pb_contract_return",
        networkId: "test-net",
        orderId: `PO-${user}`,
        userId: user,
        offerId: "test-shop-offer",
        clickId: null,
        clickAtSec: null,
        status: "cancelled",
        currency: "INR",
        saleAmountMinor: 0,
        commissionMinor: 0,
        category: null,
        lineItems: null,
        occurredAtMs: Date.now(),
        updatedAtMs: Date.now(),
        receivedAtMs: Date.now(),
      } as never);
      return redemptionRequest(user, { amountMinor: 10_000, currency: "INR", destinationId });
    },
    status: 409,
    problem: "debt_outstanding",
  },
  {
    name: "unavailable: redemptions where no payout processor is configured",
    request: async () => {
      const { user, destinationId } = await readyUser("problem-unavailable");
      return {
        ...(await redemptionRequest(user, { amountMinor: 10_000, currency: "INR", destinationId })),
        env: { PAYOUT_PROCESSOR: "" },
      };
    },
    status: 503,
    problem: "unavailable",
  },
  {
    name: "redemption_unavailable: points for cashback while the program offers none",
    request: () =>
      pointsRedemption(uniqueUser("problem-no-rate"), { kind: "cashback", points: 500 }),
    status: 409,
    problem: "redemption_unavailable",
  },
  {
    name: "insufficient_points: a voucher costing more than the member's active points",
    request: async () => {
      await voucherPool("contract-pool-full", ["CONTRACT-1"]);
      return pointsRedemption(uniqueUser("problem-no-points"), {
        kind: "voucher",
        poolId: "contract-pool-full",
      });
    },
    status: 409,
    problem: "insufficient_points",
  },
  {
    name: "voucher_pool_empty: a pool with no code left",
    request: async () => {
      await voucherPool("contract-pool-empty", []);
      const user = uniqueUser("problem-pool-empty");
      await walletStub(user).earnPoints(user, {
        key: `contract:${user}`,
        sourceType: "test",
        sourceId: user,
        ruleId: "contract",
        ruleVersion: 1,
        points: 500,
        pendingUntilMs: null,
        validity: { period: "12M" },
        nowMs: Date.now(),
      });
      return pointsRedemption(user, { kind: "voucher", poolId: "contract-pool-empty" });
    },
    status: 409,
    problem: "voucher_pool_empty",
  },
  ...NOTIFICATION_PROBLEMS,
];

/** A member's points redemption under a fresh Idempotency-Key. */
function pointsRedemption(user: string, body: Record<string, unknown>): ContractRequest {
  return {
    method: "POST",
    path: "/v1/me/points/redemptions",
    as: { user },
    body,
    headers: { "idempotency-key": `contract-${user}` },
  };
}

/** A voucher pool costing 100 points, with `codes` (set up through the admin API). */
async function voucherPool(id: string, codes: string[]): Promise<void> {
  const created = await api("/admin/v1/loyalty/voucher-pools", {
    method: "POST",
    headers: ADMIN_HEADERS,
    body: JSON.stringify({ id, name: id, pointsCost: 100 }),
  });
  expect(created.status).toBe(201);
  if (codes.length === 0) return;
  const uploaded = await api(`/admin/v1/loyalty/voucher-pools/${id}/codes`, {
    method: "POST",
    headers: ADMIN_HEADERS,
    body: JSON.stringify({ codes }),
  });
  expect(uploaded.status).toBe(200);
}

/** A click stored straight in the user's wallet, as the clicks consumer would; its id. */
async function storedClick(user: string): Promise<string> {
  const clickId = `clk_contract_${user}`;
  await walletStub(user).recordClicks(user, [
    {
      clickId,
      offerId: "contract-offer",
      merchantId: "contract-shop",
      networkId: "contract-net",
      clickedAtMs: Date.now() - 3_600_000,
      currency: "INR",
      terms: { basis: "sale", defaultRateBps: 500, categoryRates: {} },
      returnWindowDays: 30,
    },
  ]);
  return clickId;
}

const claimBody = (clickId: string, orderId: string) => ({
  clickId,
  orderId,
  amountMinor: 10_000,
  currency: "INR",
  purchasedAt: new Date(Date.now() - 60_000).toISOString(),
});

/** A redemption request with a fresh step-up code (or none, or a wrong one). */
async function redemptionRequest(
  user: string,
  body: Record<string, unknown>,
  stepUpMode: "valid" | "none" | "wrong" = "valid",
): Promise<ContractRequest> {
  const code = stepUpMode === "none" ? undefined : await stepUp(user);
  const stepUpBody =
    code === undefined
      ? {}
      : {
          stepUp:
            stepUpMode === "wrong"
              ? { ...code, code: code.code === "000000" ? "111111" : "000000" }
              : code,
        };
  return {
    method: "POST" as const,
    path: "/v1/me/redemptions",
    as: { user },
    headers: { "idempotency-key": `contract-${crypto.randomUUID()}` },
    body: { ...body, ...stepUpBody },
  };
}

/** A refused redemption: a ready user asking for `overrides` on top of ₹100 INR. */
function redemptionProblem(
  code: ErrorCode,
  status: number,
  overrides: Record<string, unknown>,
  confirmedMinor = 20_000,
  stepUpMode: "valid" | "none" | "wrong" = "valid",
): Array<ContractRow<Scratch>> {
  return [
    {
      name: `${code}: a redemption the policy refuses`,
      request: async () => {
        const { user, destinationId } = await readyUser(`problem-${code}`, confirmedMinor);
        return redemptionRequest(
          user,
          { amountMinor: 10_000, currency: "INR", destinationId, ...overrides },
          stepUpMode,
        );
      },
      status,
      problem: code,
    },
  ];
}

/** Codes in shared/http/errors.ts that no api route returns (checked by grep when written). */
export const NOT_RETURNED_BY_THE_API: Partial<Record<ErrorCode, string>> = {
  gone: "used by the redirect worker for expired links, not by the api",
  internal: "an unexpected failure; documented on every operation as 500, not provokable",
};
