import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, test, vi } from "vitest";
import { refreshCachedConfig } from "#shared/config/config-store";
import { networkConfigKey } from "#shared/config/offer-config";
import { decodeSubId } from "#shared/links/sub-id";
import { adapterFor, type NETWORK_FORMATS } from "#shared/networks/registry";
import type { NetworkSettings } from "#shared/networks/types";
import { reconcileNetwork, reportSourceOf } from "#workers/api/src/features/reconciliation/index";
import {
  ADMIN_HEADERS,
  adminPut,
  api,
  followLink,
  NETWORK_SECRET,
  trackingLinkFor,
  uniqueUser,
} from "./helpers";

/**
 * Every network format is configured through the admin API and works through the product
 * (issue 9, item 1): the format and its options are checked by the adapter's own schema when
 * saved, the report API token is write-only and reaches the report adapters, and the redirect
 * builds each click's tracking URL the way the network's format wants it.
 */

const REPORT_TOKEN = "report-api-token-9f8e7d6c5b4a";
const LANDING_URL = "https://shop.test/deals?ref=boomerang&x=1";
const OFFER_REF = "cmp-42";

/** A template mapping that reads every field from the JSON body and signs that body. */
function bodyMapping(message: "raw_body" | "query_string") {
  return {
    fields: {
      orderId: { from: "json", path: "order.id" },
      subId: { from: "json", path: "aff_sub" },
      status: { from: "json", path: "state" },
      currency: { from: "json", path: "currency" },
      saleAmount: { from: "json", path: "amounts.sale" },
      commission: { from: "json", path: "amounts.payout" },
    },
    statusMap: { open: "pending", paid: "approved", void: "cancelled" },
    amountFormat: "decimal",
    timeFormat: "unix_seconds",
    auth: { type: "hmac_sha256", header: "x-signature", message, prefix: "sha256=" },
    timestamp: { source: { from: "json", path: "sent_at" } },
    report: {
      url: "https://tpl.test/v2/conversions",
      auth: { type: "bearer" },
      itemsPath: "rows",
      nextCursorPath: "next",
      fields: {
        orderId: { from: "json", path: "id" },
        status: { from: "json", path: "state" },
        saleAmount: { from: "json", path: "sale" },
        commission: { from: "json", path: "payout" },
        occurredAt: { from: "json", path: "at" },
      },
    },
  };
}

interface FormatCase {
  format: (typeof NETWORK_FORMATS)[number];
  trackingTemplate: string;
  options: Record<string, unknown>;
  reportApiToken?: string;
  /** The tracking-URL parameter the network reads the sub-ID from. */
  subIdParam: string;
}

/** One valid configuration per format, as docs/networks.md "Configuring each format" shows. */
const FORMATS: FormatCase[] = [
  {
    format: "generic",
    trackingTemplate: "https://gen.test/t?sub={subid}&c={click_id}&url={landing_url}",
    options: { reportUrl: "https://gen.test/report", ipAllowlist: ["198.51.100.0/24"] },
    subIdParam: "sub",
  },
  {
    format: "admitad",
    trackingTemplate: "https://ad.admitad.test/g/1e8d11/?ulp={landing_url}",
    options: {
      tokenParam: "token",
      subIdParam: "subid2",
      websiteId: 42,
      apiBaseUrl: "https://api.admitad.test",
    },
    reportApiToken: REPORT_TOKEN,
    subIdParam: "subid2",
  },
  {
    format: "impact",
    trackingTemplate: "https://shop.sjv.test/c/111/222/333?u={landing_url}&p={network_offer_ref}",
    options: { accountSid: "IRabc123", apiBaseUrl: "https://api.impact.test" },
    reportApiToken: REPORT_TOKEN,
    subIdParam: "subId1",
  },
  {
    format: "cj",
    trackingTemplate: "https://www.anrdoezrs.test/click-123-456?sid=static&url={landing_url}",
    options: {
      publisherId: "7654321",
      apiUrl: "https://cj.test/query",
      currency: "INR",
      feedUrl: "https://cj.test/feed",
    },
    reportApiToken: REPORT_TOKEN,
    subIdParam: "sid",
  },
  {
    format: "template",
    trackingTemplate: "https://tpl.test/c?aff_sub={subid}&o={network_offer_ref}&url={landing_url}",
    options: bodyMapping("raw_body"),
    reportApiToken: REPORT_TOKEN,
    subIdParam: "aff_sub",
  },
];

const caseOf = (format: string) => {
  const found = FORMATS.find((c) => c.format === format);
  if (!found) throw new Error(`no case for ${format}`);
  return found;
};

function putNetwork(id: string, body: Record<string, unknown>) {
  return adminPut(`/admin/v1/networks/${id}`, body);
}

function networkBody(c: FormatCase, over: Record<string, unknown> = {}) {
  return {
    name: `${c.format} network`,
    trackingTemplate: c.trackingTemplate,
    postbackFormat: c.format,
    postbackSecret: NETWORK_SECRET,
    ...(c.reportApiToken === undefined ? {} : { reportApiToken: c.reportApiToken }),
    options: c.options,
    ...over,
  };
}

async function getNetwork(id: string) {
  return api(`/admin/v1/networks/${id}`, { headers: ADMIN_HEADERS });
}

interface Problem {
  code: string;
  errors: Array<{ path: string; message: string }>;
}

async function expectRefused(response: Response, id: string, paths: string[]) {
  expect(response.status).toBe(400);
  expect(response.headers.get("content-type")).toContain("application/problem+json");
  const problem = (await response.json()) as Problem;
  expect(problem.code).toBe("validation_failed");
  expect(problem.errors.map((e) => e.path)).toEqual(paths);
  expect((await getNetwork(id)).status).toBe(404);
  return problem;
}

/** Every line the workers log while `run` runs. */
async function logsDuring(run: () => Promise<void>): Promise<string> {
  const lines: unknown[][] = [];
  const spies = (["log", "info", "warn", "error", "debug"] as const).map((level) =>
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      lines.push(args);
    }),
  );
  try {
    await run();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return lines.map((args) => args.map(String).join(" ")).join("\n");
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("admin API: each format is configured with its own options", () => {
  test.each(FORMATS)("$format: saved, shown with its format, never with a secret", async (c) => {
    const id = `cfg-${c.format}`;
    const saved = await putNetwork(id, networkBody(c));
    expect(saved.status).toBe(200);
    const view = (await saved.json()) as Record<string, unknown>;
    expect(view).toMatchObject({
      id,
      postbackFormat: c.format,
      trackingTemplate: c.trackingTemplate,
      options: c.options,
      postbackSecretSet: true,
      reportApiTokenSet: c.reportApiToken !== undefined,
    });

    const read = await getNetwork(id);
    expect(read.status).toBe(200);
    const text = await read.text();
    expect(JSON.parse(text)).toEqual(view);
    const list = await (await api("/admin/v1/networks", { headers: ADMIN_HEADERS })).text();
    for (const shown of [JSON.stringify(view), text, list]) {
      expect(shown).not.toContain(NETWORK_SECRET);
      expect(shown).not.toContain(REPORT_TOKEN);
    }
  });

  test.each([
    {
      label: "generic: a reportUrl that is not a URL",
      format: "generic",
      options: { reportUrl: "report" },
      paths: ["options.reportUrl"],
    },
    {
      label: "generic: an option of another format",
      format: "generic",
      options: { accountSid: "IRabc123" },
      paths: ["options.accountSid"],
    },
    {
      label: "admitad: websiteId as a string",
      format: "admitad",
      options: { websiteId: "42" },
      paths: ["options.websiteId"],
    },
    {
      label: "admitad: a token parameter with a space",
      format: "admitad",
      options: { tokenParam: "t k" },
      paths: ["options.tokenParam"],
    },
    {
      label: "admitad: requireToken off without an allowlist",
      format: "admitad",
      options: { requireToken: false },
      paths: ["options.ipAllowlist"],
    },
    {
      label: "impact: an Account SID with a dash",
      format: "impact",
      options: { accountSid: "IR-abc" },
      paths: ["options.accountSid"],
    },
    {
      label: "impact: a misspelt option",
      format: "impact",
      options: { accountSID: "IRabc123" },
      paths: ["options.accountSID"],
    },
    {
      label: "cj: a publisherId that is not a CID",
      format: "cj",
      options: { publisherId: "CID-1", reportDateType: "created" },
      paths: ["options.publisherId", "options.reportDateType"],
    },
    {
      label: "cj: the generic reportUrl",
      format: "cj",
      options: { reportUrl: "https://cj.test/report" },
      paths: ["options.reportUrl"],
    },
    {
      label: "template: a mapping without its status map",
      format: "template",
      options: (() => {
        const { statusMap: _left, ...rest } = bodyMapping("raw_body");
        return rest;
      })(),
      paths: ["options.statusMap"],
    },
  ])("$label → 400 naming the field, nothing saved", async ({ format, options, paths }) => {
    const id = `bad-${format}-${uniqueUser("o").slice(-6)}`;
    const problem = await expectRefused(
      await putNetwork(id, networkBody(caseOf(format), { options })),
      id,
      paths,
    );
    expect(JSON.stringify(problem)).not.toContain(NETWORK_SECRET);
  });

  it("an unknown format is refused", async () => {
    await expectRefused(
      await putNetwork("bad-format", networkBody(caseOf("generic"), { postbackFormat: "awin" })),
      "bad-format",
      ["postbackFormat"],
    );
  });

  it("{subid} is required where the format does not place the sub-ID itself", async () => {
    const template = "https://net.test/t?url={landing_url}";
    for (const format of ["generic", "template"]) {
      await expectRefused(
        await putNetwork(
          `nosub-${format}`,
          networkBody(caseOf(format), { trackingTemplate: template }),
        ),
        `nosub-${format}`,
        ["trackingTemplate"],
      );
    }
    for (const format of ["admitad", "impact", "cj"]) {
      const saved = await putNetwork(
        `nosub-${format}`,
        networkBody(caseOf(format), { trackingTemplate: template }),
      );
      expect(saved.status).toBe(200);
    }
  });

  it("template: a query-string signature over fields read from the body is refused at save", async () => {
    const problem = await expectRefused(
      await putNetwork(
        "tpl-unsigned",
        networkBody(caseOf("template"), { options: bodyMapping("query_string") }),
      ),
      "tpl-unsigned",
      [
        "options.fields.orderId",
        "options.fields.subId",
        "options.fields.status",
        "options.fields.currency",
        "options.fields.saleAmount",
        "options.fields.commission",
        "options.timestamp.source",
      ],
    );
    expect(problem.errors[0]?.message).toContain(
      "the signature must cover every part fields are read from",
    );
    // The same mapping signing the body is accepted.
    const fixed = await putNetwork("tpl-unsigned", networkBody(caseOf("template")));
    expect(fixed.status).toBe(200);
  });
});

describe("the report API token", () => {
  /** A fetcher that records each request and answers one empty report page. */
  function emptyReport(body: unknown) {
    const requests: Request[] = [];
    const fetcher = async (request: Request) => {
      requests.push(request);
      return Response.json(body);
    };
    return { requests, fetcher };
  }

  const EMPTY_PAGES: Record<string, unknown> = {
    admitad: { results: [], _meta: { count: 0, limit: 500, offset: 0 } },
    impact: { "@page": "1", "@numpages": "1", Actions: [] },
    cj: {
      data: {
        publisherCommissions: {
          count: 0,
          limit: 10_000,
          payloadComplete: true,
          maxCommissionId: null,
          records: [],
        },
      },
    },
  };
  const basic = (user: string, password: string) => `Basic ${btoa(`${user}:${password}`)}`;
  const EXPECTED_AUTH: Record<string, string> = {
    admitad: `Bearer ${REPORT_TOKEN}`,
    impact: basic("IRabc123", REPORT_TOKEN),
    cj: `Bearer ${REPORT_TOKEN}`,
  };

  test.each(["admitad", "impact", "cj"])(
    "%s: written, never returned, logged or cached, and sent to the report API",
    async (format) => {
      const id = `token-${format}`;
      const logs = await logsDuring(async () => {
        const saved = await putNetwork(id, networkBody(caseOf(format)));
        expect(saved.status).toBe(200);
        expect(await saved.text()).not.toContain(REPORT_TOKEN);
      });
      expect(logs).not.toContain(REPORT_TOKEN);

      // Stored in D1, never in the KV copy the postback worker reads.
      const row = await env.DB.prepare("SELECT report_api_token FROM networks WHERE id = ?")
        .bind(id)
        .first<{ report_api_token: string }>();
      expect(row?.report_api_token).toBe(REPORT_TOKEN);
      const cached = await env.CONFIG_KV.get(networkConfigKey(id));
      expect(cached).not.toBeNull();
      expect(cached).not.toContain(REPORT_TOKEN);

      // Reconciliation finds the report API without any reportUrl, and uses the token.
      const source = await reportSourceOf(env, id);
      expect(source?.adapter.format).toBe(format);
      const { requests, fetcher } = emptyReport(EMPTY_PAGES[format]);
      const nowMs = Date.now();
      let reconciled = "";
      const runLogs = await logsDuring(async () => {
        if (!source) return;
        const summary = await reconcileNetwork(env, {
          ...source,
          fetcher,
          fromMs: nowMs - 86_400_000,
          toMs: nowMs,
          nowMs,
        });
        reconciled = JSON.stringify(summary);
      });
      expect(requests).toHaveLength(1);
      expect(requests[0]?.headers.get("authorization")).toBe(EXPECTED_AUTH[format]);
      expect(reconciled).toContain('"reported":0');
      expect(runLogs).not.toContain(REPORT_TOKEN);
    },
  );

  it("a replace without the token keeps it; null removes it", async () => {
    const c = caseOf("admitad");
    const id = "token-keep";
    expect((await putNetwork(id, networkBody(c))).status).toBe(200);

    const { reportApiToken: _omitted, ...withoutToken } = networkBody(c, { name: "Renamed" });
    const kept = (await (await putNetwork(id, withoutToken)).json()) as Record<string, unknown>;
    expect(kept).toMatchObject({ name: "Renamed", reportApiTokenSet: true });
    expect((await reportSourceOf(env, id))?.settings.reportApiToken).toBe(REPORT_TOKEN);

    const removed = await putNetwork(id, networkBody(c, { reportApiToken: null }));
    expect(await removed.json()).toMatchObject({ reportApiTokenSet: false });
    expect(await reportSourceOf(env, id)).toBeNull();
    const reconcile = await api(`/admin/v1/networks/${id}/reconcile`, {
      method: "POST",
      headers: ADMIN_HEADERS,
      body: "{}",
    });
    expect(reconcile.status).toBe(404);
    expect(((await reconcile.json()) as { detail: string }).detail).toContain("reportApiToken");
  });

  it("a token that is too short is refused and not stored", async () => {
    await expectRefused(
      await putNetwork("token-short", networkBody(caseOf("cj"), { reportApiToken: "abc" })),
      "token-short",
      ["reportApiToken"],
    );
  });

  it("the template report uses the token instead of the postback secret", async () => {
    const id = "token-template";
    expect((await putNetwork(id, networkBody(caseOf("template")))).status).toBe(200);
    const source = await reportSourceOf(env, id);
    const { requests, fetcher } = emptyReport({ rows: [], next: null });
    const nowMs = Date.now();
    if (!source) throw new Error("the template network has a report API");
    await reconcileNetwork(env, { ...source, fetcher, fromMs: nowMs - 86_400_000, toMs: nowMs });
    expect(requests[0]?.headers.get("authorization")).toBe(`Bearer ${REPORT_TOKEN}`);
  });
});

describe("the redirect builds the tracking URL with the network's format", () => {
  async function seedOffer(c: FormatCase, suffix: string) {
    const networkId = `click-${c.format}-${suffix}`;
    const merchantId = `${networkId}-shop`;
    const offerId = `${networkId}-offer`;
    const responses = [
      await putNetwork(networkId, networkBody(c)),
      await adminPut(`/admin/v1/merchants/${merchantId}`, {
        networkId,
        name: "Shop",
        landingUrl: LANDING_URL,
      }),
      await adminPut(`/admin/v1/offers/${offerId}`, {
        merchantId,
        title: "5% back",
        networkOfferRef: OFFER_REF,
        currency: "INR",
        cashback: { basis: "sale", defaultRateBps: 500, categoryRates: {} },
        returnWindowDays: 30,
      }),
    ];
    for (const response of responses) expect(response.status).toBe(200);
    return { networkId, offerId };
  }

  test.each(FORMATS)("$format", async (c) => {
    const { networkId, offerId } = await seedOffer(c, "a");
    const user = uniqueUser(c.format);
    const response = await followLink(await trackingLinkFor(user, offerId));
    expect(response.status).toBe(302);
    const location = response.headers.get("location") ?? "";

    const subId = new URL(location).searchParams.get(c.subIdParam) ?? "";
    const decoded = await decodeSubId(env.SUBID_SIGNING_KEY, subId);
    if (!decoded.ok) throw new Error(`the ${c.subIdParam} parameter is not our sub-ID`);
    expect(decoded.claims).toMatchObject({ userId: user, offerId });

    const settings: NetworkSettings = {
      networkId,
      postbackSecret: NETWORK_SECRET,
      options: c.options,
    };
    const values = {
      subId,
      clickId: decoded.claims.clickId,
      landingUrl: LANDING_URL,
      networkOfferRef: OFFER_REF,
    };
    expect(location).toBe(
      adapterFor(c.format)?.buildTrackingUrl(c.trackingTemplate, values, settings),
    );
  });

  it("a network whose format this build does not know still redirects, filling the template", async () => {
    const c = caseOf("impact");
    const { networkId, offerId } = await seedOffer(c, "unknown");
    await env.DB.prepare("UPDATE networks SET postback_format = 'future' WHERE id = ?")
      .bind(networkId)
      .run();
    // The cached configs are rewritten as the next catalog write would.
    await refreshCachedConfig(env, { offerIds: [offerId], networkIds: [networkId] });

    const response = await followLink(await trackingLinkFor(uniqueUser("future"), offerId));
    expect(response.status).toBe(302);
    const location = response.headers.get("location") ?? "";
    expect(location.startsWith("https://shop.sjv.test/c/111/222/333?u=")).toBe(true);
    expect(new URL(location).searchParams.get("subId1")).toBeNull();
  });
});
