import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, vi } from "vitest";
import {
  deliveryRequest,
  type SandboxFormat,
  SandboxNetwork,
  sandboxTemplateMapping,
} from "#dev/sandbox-network/engine/index";
import postbackWorker from "#workers/postback/src/index";
import {
  ADMIN_HEADERS,
  adminPut,
  api,
  eventually,
  followLink,
  NETWORK_SECRET,
  trackingLinkFor,
  uniqueUser,
  userGet,
  waitForClicks,
} from "./helpers";

/**
 * Issue 9 item 1, end to end for one network format: the network is created through the admin
 * API with that format's credentials and options, a user clicks through the redirect worker,
 * the sandbox network (dev/sandbox-network) speaks that network's own wire format to the real
 * postback worker and queues, status updates change the wallet, and reconciliation reads the
 * network's own report shape to recover an order whose postback was lost.
 */

const ORIGIN = "https://sandbox.test";
/** The report API token every sandbox network is configured with. */
export const REPORT_TOKEN = "sandbox-report-api-token-e2e-0123";
const CAMPAIGN_REF = "4242";
const RATE_BPS = 500;
const SEC = 1_000;

/**
 * Tracking templates. Admitad, Impact and CJ name no `{subid}`: their adapters add the sub-ID
 * under the parameter each network echoes (`subid`, `subId1`, `sid`), which the sandbox reads.
 */
const TRACKING: Record<SandboxFormat, string> = {
  generic: `${ORIGIN}/sandbox/click?subid={subid}&offer={network_offer_ref}&url={landing_url}`,
  admitad: `${ORIGIN}/sandbox/click?offer={network_offer_ref}&url={landing_url}`,
  impact: `${ORIGIN}/sandbox/click?offer={network_offer_ref}&url={landing_url}`,
  cj: `${ORIGIN}/sandbox/click?offer={network_offer_ref}&url={landing_url}`,
  template: `${ORIGIN}/sandbox/click?subid={subid}&offer={network_offer_ref}&url={landing_url}`,
};

/** The parameter the redirect must have put the sub-ID in, per format. */
export const SUB_ID_PARAM: Record<SandboxFormat, string> = {
  generic: "subid",
  admitad: "subid",
  impact: "subId1",
  cj: "sid",
  template: "subid",
};

/** What an operator sends to configure a network of `format` pointing at the sandbox. */
export function networkInput(format: SandboxFormat, name = `Sandbox (${format})`) {
  const options: Record<SandboxFormat, Record<string, unknown>> = {
    generic: { reportUrl: `${ORIGIN}/sandbox/report` },
    admitad: { apiBaseUrl: ORIGIN },
    impact: { apiBaseUrl: ORIGIN, accountSid: "IRSandboxAccount1" },
    cj: { apiUrl: `${ORIGIN}/sandbox/cj/query`, publisherId: "7654321", currency: "INR" },
    template: sandboxTemplateMapping(`${ORIGIN}/sandbox/template/report`),
  };
  return {
    name,
    trackingTemplate: TRACKING[format],
    postbackFormat: format,
    postbackSecret: NETWORK_SECRET,
    ...(format === "generic" ? {} : { reportApiToken: REPORT_TOKEN }),
    options: options[format],
  };
}

/** Waits until the wall clock has passed `ms` (the sandbox's changes must not be in the future). */
async function until(ms: number): Promise<void> {
  while (Date.now() < ms) await new Promise((r) => setTimeout(r, 25));
}

/** Sends every due postback to the real postback worker, each answered 202. */
async function deliver(sandbox: SandboxNetwork, atLeastMs: number): Promise<number> {
  await until(atLeastMs);
  const deliveries = await sandbox.drainPostbacks(Date.now());
  for (const delivery of deliveries) {
    const ctx = createExecutionContext();
    const response = await postbackWorker.fetch(
      deliveryRequest(delivery, "https://postback.test") as Request<
        unknown,
        IncomingRequestCfProperties
      >,
      env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(response.status, await response.clone().text()).toBe(202);
  }
  return deliveries.length;
}

interface WalletView {
  balances: Array<{ currency: string; pendingMinor: number; confirmedMinor: number }>;
}

async function wallet(userId: string): Promise<{ pending: number; confirmed: number }> {
  const view = (await (await userGet(userId, "/v1/me/wallet")).json()) as WalletView;
  const inr = view.balances.find((b) => b.currency === "INR");
  return { pending: inr?.pendingMinor ?? 0, confirmed: inr?.confirmedMinor ?? 0 };
}

async function walletBecomes(userId: string, expected: { pending: number; confirmed: number }) {
  await eventually(async () => {
    const now = await wallet(userId);
    return now.pending === expected.pending && now.confirmed === expected.confirmed;
  });
  expect(await wallet(userId)).toEqual(expected);
}

/**
 * The whole journey for one format. Amounts: offer 5% of the sale; ORD-A 1,299.00 → 64.95
 * pending, approved → 64.95 confirmed, partly refunded to 1,000.00 → 50.00 confirmed; ORD-C
 * 400.00 → 20.00 pending, cancelled → 0; ORD-B 200.00, its postback lost → 10.00 pending once
 * reconciliation finds it in the report.
 */
export async function runFormatJourney(format: SandboxFormat): Promise<void> {
  const tag = `${format}-${uniqueUser("f").slice(-6)}`.toLowerCase();
  const networkId = `sbx-${tag}`;
  const merchantId = `shop-${tag}`;
  const offerId = `offer-${tag}`;
  const userId = uniqueUser(format);

  // 1. The operator configures the network, a merchant and an offer through the admin API.
  const created = await adminPut(`/admin/v1/networks/${networkId}`, networkInput(format));
  expect(created.status, await created.clone().text()).toBe(200);
  const view = (await created.json()) as Record<string, unknown>;
  expect(view).toMatchObject({
    id: networkId,
    postbackFormat: format,
    reportApiTokenSet: format !== "generic",
  });
  expect(JSON.stringify(view)).not.toContain(NETWORK_SECRET);
  expect(JSON.stringify(view)).not.toContain(REPORT_TOKEN);
  for (const response of [
    await adminPut(`/admin/v1/merchants/${merchantId}`, {
      networkId,
      name: `Shop (${format})`,
      landingUrl: "https://shop.test/deals",
    }),
    await adminPut(`/admin/v1/offers/${offerId}`, {
      merchantId,
      title: "5% cashback",
      networkOfferRef: CAMPAIGN_REF,
      currency: "INR",
      cashback: { basis: "sale", defaultRateBps: RATE_BPS, categoryRates: {} },
      returnWindowDays: 30,
    }),
  ]) {
    expect(response.status, await response.clone().text()).toBe(200);
  }

  // 2. The user clicks: the redirect worker sends them to the network, which records the click.
  const sandbox = new SandboxNetwork(
    {
      networkId,
      postbackSecret: NETWORK_SECRET,
      seed: 9,
      format,
      reportPageSize: 1,
      ...(format === "generic" ? {} : { reportApiToken: REPORT_TOKEN }),
    },
    { now: () => Date.now(), basePath: "/sandbox" },
  );
  const redirect = await followLink(await trackingLinkFor(userId, offerId));
  expect(redirect.status).toBe(302);
  const location = redirect.headers.get("location") ?? "";
  expect(new URL(location).origin).toBe(ORIGIN);
  expect(new URL(location).searchParams.get(SUB_ID_PARAM[format])).toMatch(/^[\w-]{17,}$/);
  expect((await sandbox.handle(new Request(location))).status).toBe(302);
  const click = sandbox.clicks().at(-1);
  expect(click?.offerRef).toBe(CAMPAIGN_REF);
  const subId = click?.subId ?? "";
  await waitForClicks(userId, 1);

  // 3. A sale: the network posts it back in its own format; the wallet shows it pending.
  // Whole seconds apart: the non-generic networks know no milliseconds.
  const t0 = Math.ceil(Date.now() / SEC) * SEC + SEC;
  sandbox.placeOrder({
    orderId: `A-${tag}`,
    subId,
    currency: "INR",
    saleAmountMinor: 129_900,
    commissionMinor: 9_000,
    atMs: t0,
  });
  sandbox.placeOrder({
    orderId: `C-${tag}`,
    subId,
    currency: "INR",
    saleAmountMinor: 40_000,
    commissionMinor: 3_000,
    atMs: t0,
  });
  // ORD-B: the network never posts it back (only its report knows it).
  sandbox.placeOrder({
    orderId: `B-${tag}`,
    subId,
    currency: "INR",
    saleAmountMinor: 20_000,
    commissionMinor: 1_600,
    atMs: t0,
    faults: { lose: true },
  });
  expect(await deliver(sandbox, t0)).toBe(2);
  await walletBecomes(userId, { pending: 8_495, confirmed: 0 });

  // 4. The network approves one and cancels the other, then takes part of the first back,
  // each in its own format (CJ cancels by correcting to zero, Impact by reversing…).
  sandbox.approve(`A-${tag}`, t0 + SEC);
  sandbox.cancel(`C-${tag}`, t0 + SEC);
  expect(await deliver(sandbox, t0 + SEC)).toBe(2);
  await walletBecomes(userId, { pending: 0, confirmed: 6_495 });
  sandbox.refund(`A-${tag}`, { saleAmountMinor: 29_900, commissionMinor: 2_000 }, t0 + 2 * SEC);
  expect(await deliver(sandbox, t0 + 2 * SEC)).toBe(1);
  await walletBecomes(userId, { pending: 0, confirmed: 5_000 });

  // 5. Reconciliation reads the network's own report (paged, one row a page) and recovers ORD-B.
  const fetchSpy = vi
    .spyOn(globalThis, "fetch")
    .mockImplementation((input, init) => sandbox.handle(new Request(input as RequestInfo, init)));
  let summary: { counts: Record<string, number>; unexplained: number };
  try {
    const response = await api(`/admin/v1/networks/${networkId}/reconcile`, {
      method: "POST",
      headers: ADMIN_HEADERS,
      body: JSON.stringify({
        from: new Date(t0 - 3_600_000).toISOString(),
        to: new Date(Date.now() + 60_000).toISOString(),
      }),
    });
    expect(response.status, await response.clone().text()).toBe(200);
    summary = (await response.json()) as typeof summary;
    expect(fetchSpy.mock.calls.length).toBeGreaterThan(1);
  } finally {
    fetchSpy.mockRestore();
  }
  expect(summary.counts).toMatchObject({ reported: 3, matched: 2, created: 1 });
  expect(summary.unexplained).toBe(0);
  await walletBecomes(userId, { pending: 1_000, confirmed: 5_000 });
  // The D1 projection follows the wallet through a queue.
  const row = await eventually(() =>
    env.DB.prepare(
      `SELECT status, sale_amount_minor, commission_minor FROM transactions WHERE network_id = ? AND order_id = ?`,
    )
      .bind(networkId, `B-${tag}`)
      .first<Record<string, unknown>>(),
  );
  expect(row).toEqual({ status: "pending", sale_amount_minor: 20_000, commission_minor: 1_600 });
}
