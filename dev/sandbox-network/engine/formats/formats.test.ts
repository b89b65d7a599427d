import { describe, expect, test } from "vitest";
import { ReportError } from "#shared/networks/core/report-error";
import { adapterFor } from "#shared/networks/registry";
import type {
  NetworkSettings,
  NormalizedConversion,
  PostbackRequest,
} from "#shared/networks/types";
import { SandboxNetwork } from "../sandbox-network";
import { SANDBOX_SUB_ID, SANDBOX_T0, SANDBOX_TEST_SECRET } from "../testing";
import type { SandboxDelivery } from "../types";
import { sandboxTemplateMapping } from "./index";
import type { SandboxFormat } from "./types";

/**
 * The specification of each format is its adapter in shared/networks: every postback the
 * sandbox emits must parse with the real adapter into the conversion the order's history
 * says, and every report page must parse with the adapter's own `fetchReportPage`.
 */

const NETWORK_ID = "sandbox-network";
const REPORT_TOKEN = "sandbox-report-token-for-tests";
const ORIGIN = "https://sandbox.test";
const SEC = 1_000;

/** The Boomerang-side settings an operator saves for a sandbox speaking each format. */
const SETTINGS: Record<SandboxFormat, NetworkSettings> = {
  generic: {
    networkId: NETWORK_ID,
    postbackSecret: SANDBOX_TEST_SECRET,
    options: { reportUrl: `${ORIGIN}/sandbox/report` },
  },
  admitad: {
    networkId: NETWORK_ID,
    postbackSecret: SANDBOX_TEST_SECRET,
    reportApiToken: REPORT_TOKEN,
    options: { apiBaseUrl: ORIGIN },
  },
  impact: {
    networkId: NETWORK_ID,
    postbackSecret: SANDBOX_TEST_SECRET,
    reportApiToken: REPORT_TOKEN,
    options: { apiBaseUrl: ORIGIN, accountSid: "IRSandboxAccount1" },
  },
  cj: {
    networkId: NETWORK_ID,
    postbackSecret: SANDBOX_TEST_SECRET,
    reportApiToken: REPORT_TOKEN,
    options: { apiUrl: `${ORIGIN}/sandbox/cj/query`, publisherId: "7654321", currency: "INR" },
  },
  template: {
    networkId: NETWORK_ID,
    postbackSecret: SANDBOX_TEST_SECRET,
    reportApiToken: REPORT_TOKEN,
    options: sandboxTemplateMapping(`${ORIGIN}/sandbox/template/report`),
  },
};

function sandbox(format: SandboxFormat, nowMs: number, seed = 3): SandboxNetwork {
  return new SandboxNetwork(
    {
      networkId: NETWORK_ID,
      postbackSecret: SANDBOX_TEST_SECRET,
      seed,
      format,
      reportPageSize: 2,
      ...(format === "generic" ? {} : { reportApiToken: REPORT_TOKEN }),
    },
    { now: () => nowMs, basePath: "/sandbox" },
  );
}

/**
 * ORD-1: a sale, approved, then partly refunded. ORD-2: a sale, cancelled. ORD-3: a sale whose
 * postback is lost (only the report knows it).
 */
function script(net: SandboxNetwork): void {
  net.placeOrder({
    orderId: "ORD-1",
    subId: SANDBOX_SUB_ID,
    currency: "INR",
    saleAmountMinor: 129_900,
    commissionMinor: 9_000,
    category: "electronics",
    campaignRef: "4242",
    atMs: SANDBOX_T0,
  });
  net.placeOrder({
    orderId: "ORD-2",
    subId: SANDBOX_SUB_ID,
    currency: "INR",
    saleAmountMinor: 50_000,
    commissionMinor: 4_000,
    atMs: SANDBOX_T0 + 10 * SEC,
  });
  net.placeOrder({
    orderId: "ORD-3",
    subId: SANDBOX_SUB_ID,
    currency: "INR",
    saleAmountMinor: 20_000,
    commissionMinor: 1_500,
    atMs: SANDBOX_T0 + 20 * SEC,
    faults: { lose: true },
  });
  net.approve("ORD-1", SANDBOX_T0 + 60 * SEC);
  net.cancel("ORD-2", SANDBOX_T0 + 70 * SEC);
  net.refund("ORD-1", { saleAmountMinor: 29_900, commissionMinor: 2_000 }, SANDBOX_T0 + 120 * SEC);
}

const NOW = SANDBOX_T0 + 200 * SEC;

function conversion(orderId: string, fields: Partial<NormalizedConversion>): NormalizedConversion {
  return {
    orderId,
    subId: SANDBOX_SUB_ID,
    status: "pending",
    currency: "INR",
    saleAmountMinor: 0,
    commissionMinor: 0,
    lineItems: null,
    category: null,
    occurredAtMs: SANDBOX_T0,
    updatedAtMs: null,
    ...fields,
  };
}

const ORD1 = { occurredAtMs: SANDBOX_T0, category: "electronics" };
const ORD2 = { occurredAtMs: SANDBOX_T0 + 10 * SEC };

/** ORD-1 was placed at campaign 4242: the formats that report a campaign carry it. */
function ord1(format: SandboxFormat) {
  const reportsCampaign = format === "admitad" || format === "impact" || format === "cj";
  return reportsCampaign ? { ...ORD1, networkOfferRef: "4242" } : ORD1;
}

/** What each postback (in delivery order) must normalise to, per format. */
function expectedPostbacks(format: SandboxFormat): NormalizedConversion[] {
  const cj = format === "cj";
  return [
    conversion("ORD-1", {
      ...ord1(format),
      saleAmountMinor: 129_900,
      commissionMinor: 9_000,
      updatedAtMs: SANDBOX_T0,
    }),
    conversion("ORD-2", {
      ...ORD2,
      saleAmountMinor: 50_000,
      commissionMinor: 4_000,
      updatedAtMs: SANDBOX_T0 + 10 * SEC,
    }),
    conversion("ORD-1", {
      ...ord1(format),
      status: "approved",
      saleAmountMinor: 129_900,
      commissionMinor: 9_000,
      // CJ's postingDate is when the record was posted; locking posts nothing new.
      updatedAtMs: cj ? SANDBOX_T0 : SANDBOX_T0 + 60 * SEC,
    }),
    conversion("ORD-2", {
      ...ORD2,
      status: "cancelled",
      // CJ cancels by correcting to zero.
      saleAmountMinor: cj ? 0 : 50_000,
      commissionMinor: cj ? 0 : 4_000,
      updatedAtMs: SANDBOX_T0 + 70 * SEC,
    }),
    conversion("ORD-1", {
      ...ord1(format),
      status: "approved",
      saleAmountMinor: 100_000,
      commissionMinor: 7_000,
      updatedAtMs: SANDBOX_T0 + 120 * SEC,
    }),
  ];
}

/** What the report (every page, by order id) must normalise to, per format. */
function expectedReport(format: SandboxFormat): NormalizedConversion[] {
  const withCategory = format === "generic" || format === "template";
  const updated = (ms: number) => (format === "impact" ? null : ms);
  const cj = format === "cj";
  return [
    conversion("ORD-1", {
      ...ord1(format),
      category: withCategory ? "electronics" : null,
      status: "approved",
      saleAmountMinor: 100_000,
      commissionMinor: 7_000,
      updatedAtMs: updated(SANDBOX_T0 + 120 * SEC),
    }),
    conversion("ORD-2", {
      ...ORD2,
      status: "cancelled",
      saleAmountMinor: cj ? 0 : 50_000,
      commissionMinor: cj ? 0 : 4_000,
      updatedAtMs: updated(SANDBOX_T0 + 70 * SEC),
    }),
    conversion("ORD-3", {
      occurredAtMs: SANDBOX_T0 + 20 * SEC,
      saleAmountMinor: 20_000,
      commissionMinor: 1_500,
      updatedAtMs: updated(SANDBOX_T0 + 20 * SEC),
    }),
  ];
}

function asPostbackRequest(delivery: SandboxDelivery): PostbackRequest {
  return {
    method: delivery.method,
    url: `https://postback.test${delivery.path}`,
    headers: delivery.headers,
    rawBody: delivery.body,
    sourceIp: null,
    receivedAtMs: delivery.signedAtSec * 1000,
  };
}

async function readReport(
  net: SandboxNetwork,
  format: SandboxFormat,
  settings: NetworkSettings = SETTINGS[format],
): Promise<{ conversions: NormalizedConversion[]; pages: number }> {
  const adapter = adapterFor(format);
  if (adapter === null) throw new Error(`no adapter ${format}`);
  const conversions: NormalizedConversion[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await adapter.fetchReportPage(
      (request) => net.handle(request),
      settings,
      { fromMs: SANDBOX_T0 - 3_600_000, toMs: SANDBOX_T0 + 3_600_000 },
      cursor,
    );
    expect(page.rejected ?? []).toEqual([]);
    conversions.push(...page.conversions);
    cursor = page.nextCursor;
    pages++;
  } while (cursor !== null && pages < 10);
  conversions.sort((a, b) => (a.orderId < b.orderId ? -1 : 1));
  return { conversions, pages };
}

const FORMATS: SandboxFormat[] = ["generic", "admitad", "impact", "cj", "template"];

describe.each(FORMATS)("the %s format", (format) => {
  test("every postback parses with the real adapter into the order's state", async () => {
    const net = sandbox(format, NOW);
    script(net);
    const deliveries = await net.drainPostbacks(NOW);
    expect(deliveries.map((d) => [d.orderId, d.status])).toEqual([
      ["ORD-1", "pending"],
      ["ORD-2", "pending"],
      ["ORD-1", "approved"],
      ["ORD-2", "cancelled"],
      ["ORD-1", "approved"],
    ]);
    const adapter = adapterFor(format);
    const parsed = [];
    for (const delivery of deliveries) {
      const result = await adapter?.parsePostback(asPostbackRequest(delivery), SETTINGS[format]);
      if (!result?.ok) throw new Error(`${delivery.deliveryId}: ${JSON.stringify(result)}`);
      parsed.push(...result.conversions);
    }
    expect(parsed).toEqual(expectedPostbacks(format));
  });

  test("every report page parses with the adapter's fetchReportPage, lost orders included", async () => {
    const net = sandbox(format, NOW);
    script(net);
    const { conversions, pages } = await readReport(net, format);
    expect(conversions).toEqual(expectedReport(format));
    // Page size 2: the report is paged in the network's own way.
    expect(pages).toBeGreaterThan(1);
  });

  test("the report refuses another credential", async () => {
    const net = sandbox(format, NOW);
    script(net);
    const wrong =
      format === "generic"
        ? { ...SETTINGS[format], postbackSecret: "another-secret-0123456789abcdef" }
        : { ...SETTINGS[format], reportApiToken: "another-report-token" };
    const error = await readReport(net, format, wrong).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReportError);
    expect((error as ReportError).kind).toBe("auth");
  });

  test("the same seed and calls send the same bytes", async () => {
    const run = async () => {
      const net = sandbox(format, NOW, 11);
      net.setFaults({ shuffle: true, duplicates: 2 });
      script(net);
      return net.drainPostbacks(NOW);
    };
    expect(await run()).toEqual(await run());
  });
});

describe("format-specific wire details", () => {
  test("token formats send GET with the secret as `token`; the template signs a form POST", async () => {
    const shapes: Record<string, unknown> = {};
    for (const format of FORMATS) {
      const net = sandbox(format, NOW);
      script(net);
      const [first] = await net.drainPostbacks(NOW);
      shapes[format] = {
        method: first?.method,
        token: new URL(`https://x.test${first?.path}`).searchParams.get("token") !== null,
        headers: Object.keys(first?.headers ?? {}).sort(),
      };
    }
    expect(shapes).toEqual({
      generic: { method: "POST", token: false, headers: ["boomerang-signature", "content-type"] },
      admitad: { method: "GET", token: true, headers: [] },
      impact: { method: "GET", token: true, headers: [] },
      cj: { method: "GET", token: true, headers: [] },
      template: { method: "POST", token: false, headers: ["content-type", "x-sandbox-signature"] },
    });
  });

  test.each([
    { format: "admitad", name: "advcampaign_id" },
    { format: "impact", name: "CampaignId" },
    { format: "cj", name: "advertiserId" },
  ] as const)(
    "$format postbacks carry the campaign reference as $name",
    async ({ format, name }) => {
      const net = sandbox(format, NOW);
      script(net);
      const [first] = await net.drainPostbacks(NOW);
      expect(new Map(first?.params).get(name)).toBe("4242");
    },
  );

  test.each([
    { format: "admitad", param: "subid" },
    { format: "impact", param: "subId1" },
    { format: "cj", param: "sid" },
  ] as const)(
    "a $format click (sub-ID as $param) gives later orders its offer as campaign",
    async ({ format, param }) => {
      const net = sandbox(format, NOW);
      const click = await net.handle(
        new Request(
          `${ORIGIN}/sandbox/click?url=https%3A%2F%2Fshop.test%2F&offer=cmp-9&${param}=${SANDBOX_SUB_ID}`,
        ),
      );
      expect(click.status).toBe(302);
      const change = net.placeOrder({
        orderId: "ORD-9",
        subId: SANDBOX_SUB_ID,
        currency: "INR",
        saleAmountMinor: 1_000,
        commissionMinor: 100,
        atMs: SANDBOX_T0,
      });
      expect(change.order.campaignRef).toBe("cmp-9");
    },
  );

  test("a stale template postback is refused by the adapter's ±300 s window", async () => {
    const net = sandbox("template", NOW);
    script(net);
    const [first] = await net.drainPostbacks(NOW);
    if (first === undefined) throw new Error("no postback");
    const late = { ...asPostbackRequest(first), receivedAtMs: NOW + 301_000 };
    expect(await adapterFor("template")?.parsePostback(late, SETTINGS.template)).toMatchObject({
      ok: false,
      kind: "auth",
      reason: "stale_timestamp",
    });
  });

  test("a format survives toState/restore; a generic state has no format settings", () => {
    const net = sandbox("impact", NOW);
    script(net);
    const restored = SandboxNetwork.restore(JSON.parse(JSON.stringify(net.toState())));
    expect(restored.formatSettings).toEqual(net.formatSettings);
    expect(restored.toState()).toEqual(net.toState());
    expect("formatSettings" in sandbox("generic", NOW).toState()).toBe(false);
  });
});
