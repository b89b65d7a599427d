import { beforeAll, describe, expect, it } from "vitest";
import { ERROR_CODES, type ErrorCode } from "#shared/http/errors";
import { transactionIdFor } from "#shared/ids";
import { type ContractRow, exchange } from "./contract-exchange";
import { ContractValidator, type OpenApiDocument } from "./contract-validator";
import {
  ADMIN_HEADERS,
  api,
  clickThrough,
  d1Transaction,
  eventually,
  NETWORK_SECRET,
  postbackBody,
  sendPostback,
  uniqueUser,
  waitForClicks,
  walletStub,
} from "./helpers";
import { redeem, seasonedDestination, stepUp, UPI, userWithConfirmed } from "./payout-helpers";

/**
 * The served OpenAPI document against the real api worker: every request of the README
 * walkthrough, and one error per problem type the api can return, each request checked
 * against its operation's parameters and body schema and each response against the schema
 * the document gives for that status and content type. Any mismatch fails the row.
 */

let validator: ContractValidator;

beforeAll(async () => {
  const response = await api("/openapi.json");
  expect(response.status).toBe(200);
  const doc = (await response.json()) as OpenApiDocument;
  expect(doc.openapi).toMatch(/^3\.1\./);
  validator = new ContractValidator(doc);
});

async function runRow<Ctx>(row: ContractRow<Ctx>, ctx: Ctx): Promise<void> {
  const request = await row.request(ctx);
  const { response, body, verdict } = await exchange(validator, request);
  const seen = `${request.method} ${request.path} → ${response.status} ${JSON.stringify(body)?.slice(0, 400)}`;
  expect(response.status, seen).toBe(row.status);
  if (row.problem) expect((body as { code?: string }).code, seen).toBe(row.problem);
  expect(verdict.responseErrors, `${verdict.operation}: response (${seen})`).toEqual([]);
  if (row.requestValid === false) {
    expect(
      verdict.requestErrors,
      `${verdict.operation}: the document accepts a request the server refuses`,
    ).not.toEqual([]);
  } else {
    expect(verdict.requestErrors, `${verdict.operation}: request`).toEqual([]);
  }
  row.keep?.(body, ctx);
}

// ─── The README walkthrough ───────────────────────────────────────────────────────────────

interface Walk {
  user: string;
  link: string;
  destinationId: string;
  seasonedId: string;
  challengeId: string;
  code: string;
  payoutId: string;
}

const NET = "contract-net";
const SHOP = "contract-shop";
const OFFER = "contract-shop-electronics";
const inAMonth = () => new Date(Date.now() + 31 * 86_400_000).toISOString();
const walk = { user: uniqueUser("contract-alice") } as Walk;
const alice = () => ({ user: walk.user });

const WALKTHROUGH: Array<ContractRow<Walk>> = [
  {
    name: "the operator loads a network",
    request: () => ({
      method: "PUT",
      path: `/admin/v1/networks/${NET}`,
      as: "admin",
      body: {
        name: "Contract Network",
        trackingTemplate:
          "https://network.test/track?o={network_offer_ref}&sub={subid}&url={landing_url}",
        postbackFormat: "generic",
        postbackSecret: NETWORK_SECRET,
      },
    }),
    status: 200,
  },
  {
    name: "a merchant",
    request: () => ({
      method: "PUT",
      path: `/admin/v1/merchants/${SHOP}`,
      as: "admin",
      body: { networkId: NET, name: "ShopKart", landingUrl: "https://shopkart.test/" },
    }),
    status: 200,
  },
  {
    name: "an offer",
    request: () => ({
      method: "PUT",
      path: `/admin/v1/offers/${OFFER}`,
      as: "admin",
      body: {
        merchantId: SHOP,
        title: "Up to 7.5% cashback on ShopKart",
        description: "7.5% on electronics, 4% on everything else.",
        networkOfferRef: "sk-1001",
        currency: "INR",
        cashback: {
          basis: "sale",
          defaultRateBps: 400,
          categoryRates: { electronics: 750, "gift-cards": 0 },
        },
        returnWindowDays: 30,
      },
    }),
    status: 200,
  },
  {
    name: "a user record",
    request: (w) => ({
      method: "PUT",
      path: `/admin/v1/users/${w.user}`,
      as: "admin",
      body: { displayName: "Alice (demo)" },
    }),
    status: 200,
  },
  {
    name: "a gift card",
    request: () => ({
      method: "PUT",
      path: "/admin/v1/gift-cards/contract-gift",
      as: "admin",
      body: { brand: "ShopKart", currency: "INR", denominationsMinor: [10_000, 50_000] },
    }),
    status: 200,
  },
  {
    name: "2. the user lists offers, each with a personalised link",
    request: () => ({ method: "GET", path: "/v1/offers", as: alice() }),
    status: 200,
    keep: (body, w) => {
      const items = (body as { items: Array<{ id: string; trackingUrl: string }> }).items;
      w.link = items.find((o) => o.id === OFFER)?.trackingUrl ?? "";
    },
  },
  {
    name: "3–5. after a click and a postback, the wallet shows the pending cashback",
    request: async (w) => {
      // The redirect and postback workers are not in the api's document; they are driven
      // by the same helpers the other tests use.
      const { subId } = await clickThrough(w.user, OFFER);
      await waitForClicks(w.user);
      const sent = await sendPostback(
        NET,
        postbackBody({
          order_id: `ORD-${w.user}`,
          sub_id: subId,
          sale_amount_minor: 129_900,
          category: "electronics",
        }),
      );
      expect(sent.status).toBe(202);
      await eventually(async () => {
        const rows = await walletStub(w.user).getBalances();
        return rows.some((r) => r.bucket === "pending" && r.balanceMinor > 0);
      });
      return { method: "GET", path: "/v1/me/wallet", as: alice() };
    },
    status: 200,
  },
  {
    name: "5. the transactions",
    request: () => ({ method: "GET", path: "/v1/me/transactions", as: alice() }),
    status: 200,
  },
  {
    name: "6. the operator runs confirmation after the return window",
    request: async (w) => {
      // The D1 projection the backstop reads catches up through the ledger-events queue.
      await eventually(
        async () => (await d1Transaction(NET, `ORD-${w.user}`))?.status === "pending",
      );
      return {
        method: "POST",
        path: "/admin/v1/confirmations/run",
        as: "admin",
        body: { asOf: inAMonth() },
      } as const;
    },
    status: 200,
  },
  {
    name: "7. the wallet, confirmed",
    request: async (w) => {
      // Confirmation reaches the wallet asynchronously.
      await eventually(async () => {
        const rows = await walletStub(w.user).getBalances();
        return rows.some((r) => r.bucket === "confirmed" && r.balanceMinor > 0);
      });
      return { method: "GET", path: "/v1/me/wallet", as: alice() };
    },
    status: 200,
  },
  {
    name: "7. the ledger",
    request: () => ({ method: "GET", path: "/v1/me/ledger", as: alice() }),
    status: 200,
  },
  {
    name: "8. a UPI destination for Alice Demo",
    request: () => ({
      method: "POST",
      path: "/v1/me/payout-destinations",
      as: alice(),
      headers: { "idempotency-key": "alice-upi-1" },
      body: { type: "upi", vpa: "alice.demo@okaxis", holderName: "Alice Demo" },
    }),
    status: 201,
    keep: (body, w) => {
      w.destinationId = (body as { id: string }).id;
    },
  },
  {
    name: "8. the destinations, masked",
    request: () => ({ method: "GET", path: "/v1/me/payout-destinations", as: alice() }),
    status: 200,
  },
  {
    name: "9. a step-up code",
    request: () => ({ method: "POST", path: "/v1/me/step-up", as: alice() }),
    status: 201,
    keep: (body, w) => {
      w.challengeId = (body as { challengeId: string }).challengeId;
    },
  },
  {
    name: "9. the code, read from the dev outbox",
    request: (w) => ({
      method: "GET",
      path: `/admin/v1/dev/notifications?userId=${w.user}&kind=step_up_code&limit=1`,
      as: "admin",
    }),
    status: 200,
    keep: (body, w) => {
      const items = (body as { items: Array<{ body: string | { code: string } }> }).items;
      const first = items[0]?.body;
      w.code =
        typeof first === "string"
          ? (JSON.parse(first) as { code: string }).code
          : (first?.code ?? "");
    },
  },
  {
    // The README's dev runtime has no cooling-off (.dev.vars); the tests keep the default
    // 24 h, so the redemption goes to a destination added two days ago.
    name: "10. a redemption of ₹50.00",
    request: async (w) => {
      w.seasonedId = await seasonedDestination(w.user, UPI);
      return {
        method: "POST",
        path: "/v1/me/redemptions",
        as: alice(),
        headers: { "idempotency-key": "alice-redemption-1" },
        body: {
          amountMinor: 5_000,
          currency: "INR",
          destinationId: w.seasonedId,
          stepUp: { challengeId: w.challengeId, code: w.code },
        },
      };
    },
    status: 201,
    keep: (body, w) => {
      w.payoutId = (body as { id: string }).id;
    },
  },
  {
    name: "10. the redemptions",
    request: () => ({ method: "GET", path: "/v1/me/redemptions", as: alice() }),
    status: 200,
  },
  {
    name: "10. one redemption",
    request: (w) => ({ method: "GET", path: `/v1/me/redemptions/${w.payoutId}`, as: alice() }),
    status: 200,
  },
  {
    name: "10. the wallet after the redemption",
    request: () => ({ method: "GET", path: "/v1/me/wallet", as: alice() }),
    status: 200,
  },
  {
    name: "try also: the postbacks the operator received",
    request: () => ({ method: "GET", path: "/admin/v1/postbacks?limit=5", as: "admin" }),
    status: 200,
  },
  {
    name: "try also: the transactions the operator sees",
    request: (w) => ({
      method: "GET",
      path: `/admin/v1/transactions?userId=${w.user}`,
      as: "admin",
    }),
    status: 200,
  },
  {
    name: "the operator's payout list",
    request: (w) => ({ method: "GET", path: `/admin/v1/payouts?userId=${w.user}`, as: "admin" }),
    status: 200,
  },
  {
    name: "the operator's view of the payout",
    request: async (w) => {
      // The operator's payout directory is a projection that lags the wallet a little.
      const path = `/admin/v1/payouts/${w.payoutId}`;
      await eventually(async () => (await api(path, { headers: ADMIN_HEADERS })).ok);
      return { method: "GET", path, as: "admin" };
    },
    status: 200,
  },
];

describe("the README walkthrough, checked against /openapi.json", () => {
  it.each(WALKTHROUGH.map((row) => [row.name, row] as const))("%s", async (_name, row) => {
    await runRow(row, walk);
  });
});

// ─── One response per problem type ───────────────────────────────────────────────────────

type Scratch = Record<string, never>;

/** A user with confirmed INR and a destination past its cooling-off. */
async function readyUser(label: string, confirmedMinor = 20_000) {
  const user = await userWithConfirmed(label, confirmedMinor);
  return { user, destinationId: await seasonedDestination(user) };
}

const PROBLEMS: Array<ContractRow<Scratch>> = [
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
    name: "idempotency_conflict: one Idempotency-Key, two different destinations",
    request: async () => {
      const user = uniqueUser("problem-idem");
      const first = await exchange(validator, {
        method: "POST",
        path: "/v1/me/payout-destinations",
        as: { user },
        headers: { "idempotency-key": "contract-idem-1" },
        body: UPI,
      });
      expect(first.response.status).toBe(201);
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
      const added = await exchange(validator, {
        method: "POST",
        path: "/v1/me/payout-destinations",
        as: { user },
        body: UPI,
      });
      const { id } = added.body as { id: string };
      return redemptionRequest(user, { amountMinor: 10_000, currency: "INR", destinationId: id });
    },
    status: 409,
    problem: "destination_cooling_off",
  },
  {
    name: "destination_unusable: a destination the user removed",
    request: async () => {
      const { user, destinationId } = await readyUser("problem-removed");
      const removed = await exchange(validator, {
        method: "DELETE",
        path: `/v1/me/payout-destinations/${destinationId}`,
        as: { user },
      });
      expect(removed.response.status).toBe(200);
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
];

/** A redemption request with a fresh step-up code (or none, or a wrong one). */
async function redemptionRequest(
  user: string,
  body: Record<string, unknown>,
  stepUpMode: "valid" | "none" | "wrong" = "valid",
) {
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
const NOT_RETURNED_BY_THE_API: Partial<Record<ErrorCode, string>> = {
  gone: "used by the redirect worker for expired links, not by the api",
  payload_too_large: "the postback worker's body limit; the api has none",
  internal: "an unexpected failure; documented on every operation as 500, not provokable",
};

describe("one error response per problem type, checked against /openapi.json", () => {
  it.each(PROBLEMS.map((row) => [row.name, row] as const))("%s", async (_name, row) => {
    await runRow(row, {});
  });

  it("covers every problem code the api can return", () => {
    const covered = new Set(PROBLEMS.map((row) => row.problem));
    const missing = (Object.keys(ERROR_CODES) as ErrorCode[]).filter(
      (code) => !covered.has(code) && !(code in NOT_RETURNED_BY_THE_API),
    );
    expect(missing).toEqual([]);
  });
});
