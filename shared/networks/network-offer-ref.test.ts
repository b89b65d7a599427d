import { describe, expect, test } from "vitest";
import { signPostback } from "../postback/signature";
import { admitadAdapter } from "./admitad";
import { cjAdapter } from "./cj";
import { finalizeConversion } from "./core/normalize";
import { genericAdapter } from "./generic";
import { impactAdapter } from "./impact";
import { templateAdapter } from "./template";
import { TemplateMappingSchema } from "./template-mapping";
import {
  fieldPaths,
  getRequest,
  jsonFetch,
  onlyConversion,
  postRequest,
  RECEIVED_AT_MS,
  SECRET,
  SUB_ID,
  settingsFor,
} from "./testing/fixtures";
import type { NormalizedConversion } from "./types";

/**
 * Every format carries the network's advertiser/campaign/offer reference (`networkOfferRef`)
 * where it has one, so the postbacks consumer can compare it with the clicked offer's
 * (docs/postbacks.md, "Which merchant was clicked"). One table per adapter: postbacks, then
 * report rows. Absent means "not reported", never an empty string.
 */

const range = { fromMs: Date.UTC(2026, 9, 1), toMs: Date.UTC(2026, 10, 1) };
const refOf = (c: NormalizedConversion | undefined) => c?.networkOfferRef ?? null;

describe("generic: optional network_offer_ref body field", () => {
  const settings = settingsFor("demo-network", {
    reportUrl: "https://net.example/api/conversions",
  });
  const body = (over: Record<string, unknown> = {}) => ({
    order_id: "ORD-1001",
    sub_id: SUB_ID,
    status: "pending",
    currency: "INR",
    sale_amount_minor: 129_900,
    commission_minor: 9_000,
    occurred_at: "2026-11-21T08:07:27Z",
    ...over,
  });
  const signed = async (raw: string) =>
    postRequest(raw, {
      "content-type": "application/json",
      "boomerang-signature": await signPostback(
        SECRET,
        "demo-network",
        raw,
        Math.floor(RECEIVED_AT_MS / 1000),
      ),
    });

  test.each([
    { label: "reported", over: { network_offer_ref: "A-ref" }, want: "A-ref" },
    { label: "absent", over: {}, want: null },
    { label: "numeric-looking id kept as text", over: { network_offer_ref: "0042" }, want: "0042" },
  ])("postback, $label → $want", async ({ over, want }) => {
    const raw = JSON.stringify(body(over));
    const c = onlyConversion(await genericAdapter.parsePostback(await signed(raw), settings));
    expect(refOf(c)).toBe(want);
  });

  test.each([
    { label: "empty", value: "", path: "network_offer_ref" },
    { label: "too long", value: "r".repeat(201), path: "network_offer_ref" },
    { label: "control character", value: "A\nB", path: "network_offer_ref" },
    { label: "not a string", value: 42, path: "network_offer_ref" },
  ])("postback, malformed: $label", async ({ value, path }) => {
    const raw = JSON.stringify(body({ network_offer_ref: value }));
    const result = await genericAdapter.parsePostback(await signed(raw), settings);
    expect(result).toMatchObject({ ok: false, kind: "malformed" });
    expect(fieldPaths(result)).toContain(path);
  });

  test("report rows carry it too", async () => {
    const page = await genericAdapter.fetchReportPage(
      jsonFetch({
        conversions: [body({ network_offer_ref: "B-ref" }), body({ order_id: "ORD-2" })],
        next_cursor: null,
      }),
      settings,
      range,
      null,
    );
    expect(page.conversions.map(refOf)).toEqual(["B-ref", null]);
  });
});

/** A postback table row: extra parameters and the reference expected. */
type ParamCase = { label: string; over: Record<string, string>; want: string | null };

describe("admitad: offer_id / advcampaign_id", () => {
  const settings = settingsFor(
    "admitad-in",
    { ipAllowlist: ["203.0.113.0/24"] },
    { reportApiToken: "admitad-access-token" },
  );
  const params = (over: Record<string, string> = {}) => ({
    subid: SUB_ID,
    order_id: "5554321",
    order_sum: "1299.00",
    payment_sum: "64.95",
    currency: "INR",
    payment_status: "pending",
    time: String(Math.floor(Date.UTC(2026, 10, 21, 8) / 1000)),
    token: SECRET,
    ...over,
  });

  test.each<ParamCase>([
    { label: "offer_id macro", over: { offer_id: "12345" }, want: "12345" },
    { label: "advcampaign_id alias", over: { advcampaign_id: "777" }, want: "777" },
    {
      label: "offer_id wins over the alias",
      over: { offer_id: "1", advcampaign_id: "2" },
      want: "1",
    },
    { label: "absent", over: {}, want: null },
    { label: "empty macro", over: { offer_id: "" }, want: null },
  ])("postback, $label → $want", async ({ over, want }) => {
    const c = onlyConversion(
      await admitadAdapter.parsePostback(getRequest(params(over)), settings),
    );
    expect(refOf(c)).toBe(want);
  });

  test.each([
    { label: "number", advcampaign_id: 6115, want: "6115" },
    { label: "string", advcampaign_id: "6115", want: "6115" },
    { label: "absent", advcampaign_id: undefined, want: null },
  ])("report row, $label → $want", async ({ advcampaign_id, want }) => {
    const page = await admitadAdapter.fetchReportPage(
      jsonFetch({
        results: [
          {
            action_id: 998877,
            order_id: "5554321",
            status: "approved",
            cart: "1299.00",
            payment: "64.95",
            currency: "INR",
            action_date: "2026-10-30 19:54:34",
            subid: SUB_ID,
            advcampaign_id,
          },
        ],
        _meta: { count: 1, limit: 500, offset: 0 },
      }),
      settings,
      range,
      null,
    );
    expect(refOf(page.conversions[0])).toBe(want);
  });
});

describe("impact: CampaignId", () => {
  const settings = settingsFor(
    "impact-us",
    { accountSid: "IRabc123XYZ", ipAllowlist: ["203.0.113.0/24"] },
    { reportApiToken: "impact-auth-token" },
  );
  const params = (over: Record<string, string> = {}) => ({
    SubId1: SUB_ID,
    Oid: "9217374917472",
    ActionStatus: "PENDING",
    Amount: "21.99",
    Payout: "0.88",
    Currency: "USD",
    EventDate: "2026-11-20T10:42:38-07:00",
    token: SECRET,
    ...over,
  });

  test.each<ParamCase>([
    { label: "CampaignId macro", over: { CampaignId: "1000" }, want: "1000" },
    { label: "read case-insensitively", over: { campaignid: "2000" }, want: "2000" },
    { label: "absent", over: {}, want: null },
  ])("postback, $label → $want", async ({ over, want }) => {
    const c = onlyConversion(await impactAdapter.parsePostback(getRequest(params(over)), settings));
    expect(refOf(c)).toBe(want);
  });

  test.each([
    { label: "string", CampaignId: "1000", want: "1000" },
    { label: "number", CampaignId: 1000, want: "1000" },
    { label: "absent", CampaignId: undefined, want: null },
  ])("report row, $label → $want", async ({ CampaignId, want }) => {
    const page = await impactAdapter.fetchReportPage(
      jsonFetch({
        "@page": "1",
        "@numpages": "1",
        Actions: [
          {
            Id: "1000.4636.158133",
            CampaignId,
            State: "APPROVED",
            Payout: "0.88",
            Amount: "21.99",
            Currency: "USD",
            EventDate: "2026-10-10T10:42:38-07:00",
            Oid: "9217374917472",
            SubId1: SUB_ID,
          },
        ],
      }),
      settings,
      range,
      null,
    );
    expect(refOf(page.conversions[0])).toBe(want);
  });
});

describe("cj: advertiserId / cid", () => {
  const settings = settingsFor(
    "cj-us",
    { publisherId: "7654321", ipAllowlist: ["203.0.113.0/24"] },
    { reportApiToken: "cj-personal-access-token" },
  );
  const params = (over: Record<string, string> = {}) => ({
    sid: SUB_ID,
    orderId: "A-1001",
    commissionId: "2292067663",
    actionStatus: "new",
    original: "true",
    saleAmount: "129.99",
    commissionAmount: "9.10",
    currency: "USD",
    eventDate: "2026-11-20T22:31:48Z",
    token: SECRET,
    ...over,
  });
  const record = (over: Record<string, unknown> = {}) => ({
    commissionId: "2292067663",
    orderId: "A-1001",
    original: true,
    actionStatus: "locked",
    eventDate: "2026-10-10T22:31:48Z",
    postingDate: "2026-10-10T23:00:00Z",
    saleAmountPubCurrency: "150.00",
    pubCommissionAmountPubCurrency: "15.00",
    shopperId: SUB_ID,
    ...over,
  });
  const page = (records: unknown[]) => ({
    data: {
      publisherCommissions: {
        count: records.length,
        limit: 10_000,
        payloadComplete: true,
        maxCommissionId: null,
        records,
      },
    },
  });

  test.each<ParamCase>([
    { label: "advertiserId", over: { advertiserId: "4567890" }, want: "4567890" },
    { label: "cid alias", over: { cid: "4567890" }, want: "4567890" },
    { label: "absent", over: {}, want: null },
  ])("postback, $label → $want", async ({ over, want }) => {
    const c = onlyConversion(await cjAdapter.parsePostback(getRequest(params(over)), settings));
    expect(refOf(c)).toBe(want);
  });

  test.each([
    { label: "on the original", records: [record({ advertiserId: "111" })], want: "111" },
    {
      label: "found on a correction when the original lacks it",
      records: [
        record(),
        record({
          commissionId: "2299999999",
          original: false,
          correctionReason: "RETURNED_MERCHANDISE",
          postingDate: "2026-10-20T00:00:00Z",
          saleAmountPubCurrency: "-50.00",
          pubCommissionAmountPubCurrency: "-5.00",
          advertiserId: "111",
        }),
      ],
      want: "111",
    },
    { label: "absent", records: [record()], want: null },
  ])("report order, $label → $want", async ({ records, want }) => {
    const fetcher = jsonFetch(page(records));
    const result = await cjAdapter.fetchReportPage(fetcher, settings, range, null);
    expect(refOf(result.conversions[0])).toBe(want);
    const sent = (await fetcher.requests[0]?.json()) as { query: string };
    expect(sent.query).toContain("advertiserId");
  });
});

describe("template: optional mapped networkOfferRef", () => {
  const mapping = {
    fields: {
      orderId: { from: "query", name: "txn" },
      subId: { from: "query", name: "aff_sub" },
      status: { from: "query", name: "st" },
      saleAmount: { from: "query", name: "amt" },
      commission: { from: "query", name: "pay" },
      networkOfferRef: { from: "query", name: "adv" },
    },
    currency: "INR",
    statusMap: { "1": "pending" },
    amountFormat: "decimal",
    timeFormat: "unix_seconds",
    auth: { type: "token", in: "query", name: "key" },
  };
  const qp = (over: Record<string, string> = {}) => ({
    txn: "T-77",
    aff_sub: SUB_ID,
    st: "1",
    amt: "2,499.00",
    pay: "125.50",
    key: SECRET,
    ...over,
  });

  test.each<ParamCase & { mapped: boolean }>([
    { label: "mapped and sent", over: { adv: "adv-9" }, mapped: true, want: "adv-9" },
    { label: "mapped, not sent", over: {}, mapped: true, want: null },
    { label: "not mapped", over: { adv: "adv-9" }, mapped: false, want: null },
  ])("postback, $label → $want", async ({ over, mapped, want }) => {
    const { networkOfferRef: _unused, ...withoutRef } = mapping.fields;
    const settings = settingsFor("tpl", {
      ...mapping,
      fields: mapped ? mapping.fields : withoutRef,
    });
    const c = onlyConversion(await templateAdapter.parsePostback(getRequest(qp(over)), settings));
    expect(refOf(c)).toBe(want);
  });

  test("the offerMismatch option is allowed beside a strict mapping", () => {
    expect(TemplateMappingSchema.safeParse({ ...mapping, offerMismatch: "reprice" }).success).toBe(
      true,
    );
    expect(TemplateMappingSchema.safeParse({ ...mapping, offerMismatch: "maybe" }).success).toBe(
      false,
    );
  });

  test("a report field maps it from each record", async () => {
    const settings = settingsFor("tpl", {
      ...mapping,
      report: {
        url: "https://api.network.example/v1/conversions",
        auth: { type: "bearer" },
        itemsPath: "items",
        fields: {
          orderId: { from: "json", path: "id" },
          subId: { from: "json", path: "ref" },
          status: { from: "json", path: "state" },
          saleAmount: { from: "json", path: "total" },
          commission: { from: "json", path: "fee" },
          occurredAt: { from: "json", path: "at" },
          networkOfferRef: { from: "json", path: "advertiser.id" },
        },
      },
    });
    const page = await templateAdapter.fetchReportPage(
      jsonFetch({
        items: [
          {
            id: "O-1",
            ref: SUB_ID,
            state: "1",
            total: "10.00",
            fee: "1.00",
            at: 1795248000,
            advertiser: { id: 55 },
          },
        ],
      }),
      settings,
      range,
      null,
    );
    expect(refOf(page.conversions[0])).toBe("55");
  });
});

describe("finalizeConversion: networkOfferRef", () => {
  const draft: NormalizedConversion = {
    orderId: "O-1",
    subId: null,
    status: "pending",
    currency: "INR",
    saleAmountMinor: 100,
    commissionMinor: 10,
    lineItems: null,
    category: null,
    occurredAtMs: RECEIVED_AT_MS,
    updatedAtMs: null,
  };

  test.each([
    { label: "trimmed", ref: "  A-ref ", want: "A-ref" },
    { label: "blank is not reported", ref: "   ", want: undefined },
    { label: "null is not reported", ref: null, want: undefined },
    { label: "200 characters", ref: "r".repeat(200), want: "r".repeat(200) },
  ])("$label", ({ ref, want }) => {
    const done = finalizeConversion({ ...draft, networkOfferRef: ref });
    expect(done.ok).toBe(true);
    // Absent, not null, when not reported: conversions read exactly as before the field.
    if (done.ok)
      expect(
        Object.hasOwn(done.conversion, "networkOfferRef")
          ? done.conversion.networkOfferRef
          : undefined,
      ).toBe(want);
  });

  test.each([
    { label: "201 characters", ref: "r".repeat(201) },
    { label: "a control character", ref: "A\u0000B" },
  ])("refused: $label", ({ ref }) => {
    const done = finalizeConversion({ ...draft, networkOfferRef: ref });
    expect(done).toMatchObject({ ok: false, fields: [{ path: "networkOfferRef" }] });
  });
});
