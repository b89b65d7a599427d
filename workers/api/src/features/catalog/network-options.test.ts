import { describe, expect, test } from "vitest";
import { networkFormatIssues } from "./network-options";

const WITH_SUBID = "https://net.test/t?s={subid}&u={landing_url}";
const NO_SUBID = "https://net.test/t?u={landing_url}";

/** A template mapping that reads every field from the JSON body and signs the body. */
const bodyMapping = (auth: Record<string, unknown>) => ({
  fields: {
    orderId: { from: "json", path: "order" },
    subId: { from: "json", path: "sub" },
    status: { from: "json", path: "status" },
    saleAmount: { from: "json", path: "sale" },
    commission: { from: "json", path: "commission" },
  },
  currency: "INR",
  statusMap: { ok: "approved" },
  amountFormat: "minor",
  timeFormat: "iso",
  auth,
});

const paths = (input: Parameters<typeof networkFormatIssues>[0]) =>
  networkFormatIssues(input).map((issue) => issue.path.join("."));

describe("networkFormatIssues", () => {
  test.each([
    {
      label: "generic, no options",
      format: "generic",
      template: WITH_SUBID,
      options: {},
      want: [],
    },
    {
      label: "generic with its options and a feed",
      format: "generic",
      template: WITH_SUBID,
      options: { reportUrl: "https://n.test/r", ipAllowlist: ["10.0.0.0/8"], feedUrl: "x" },
      want: [],
    },
    {
      label: "generic without {subid}",
      format: "generic",
      template: NO_SUBID,
      options: {},
      want: ["trackingTemplate"],
    },
    {
      label: "generic with an Admitad option",
      format: "generic",
      template: WITH_SUBID,
      options: { apiBaseUrl: "https://api.admitad.com" },
      want: ["options.apiBaseUrl"],
    },
    {
      label: "generic with a bad reportUrl",
      format: "generic",
      template: WITH_SUBID,
      options: { reportUrl: "not a url" },
      want: ["options.reportUrl"],
    },
    {
      label: "admitad without {subid} (it sets subid itself)",
      format: "admitad",
      template: NO_SUBID,
      options: { websiteId: 42, subIdParam: "subid2" },
      want: [],
    },
    {
      label: "admitad with a string websiteId",
      format: "admitad",
      template: NO_SUBID,
      options: { websiteId: "42" },
      want: ["options.websiteId"],
    },
    {
      label: "impact with a misspelt option",
      format: "impact",
      template: NO_SUBID,
      options: { accountSID: "IRabc" },
      want: ["options.accountSID"],
    },
    {
      label: "impact with a bad accountSid",
      format: "impact",
      template: NO_SUBID,
      options: { accountSid: "IR-abc" },
      want: ["options.accountSid"],
    },
    {
      label: "cj with a bad ipAllowlist entry",
      format: "cj",
      template: NO_SUBID,
      options: { publisherId: "123", ipAllowlist: ["not-an-ip"] },
      want: ["options.ipAllowlist.0"],
    },
    {
      label: "cj requireToken false without an allowlist",
      format: "cj",
      template: NO_SUBID,
      options: { requireToken: "no" },
      want: ["options.requireToken"],
    },
    {
      label: "impact with neither a token nor an allowlist",
      format: "impact",
      template: NO_SUBID,
      options: { requireToken: false },
      want: ["options.ipAllowlist"],
    },
    {
      label: "impact with an allowlist instead of a token",
      format: "impact",
      template: NO_SUBID,
      options: { requireToken: false, ipAllowlist: ["198.51.100.0/24"] },
      want: [],
    },
    {
      label: "template signing the body it reads",
      format: "template",
      template: WITH_SUBID,
      options: bodyMapping({ type: "hmac_sha256", header: "x-sig", message: "raw_body" }),
      want: [],
    },
    {
      label: "template signing only the query string while fields come from the body",
      format: "template",
      template: WITH_SUBID,
      options: bodyMapping({ type: "hmac_sha256", header: "x-sig", message: "query_string" }),
      want: [
        "options.fields.orderId",
        "options.fields.subId",
        "options.fields.status",
        "options.fields.saleAmount",
        "options.fields.commission",
      ],
    },
    {
      label: "template with an unknown key",
      format: "template",
      template: WITH_SUBID,
      options: { ...bodyMapping({ type: "token", in: "query", name: "token" }), extra: 1 },
      want: ["options.extra"],
    },
    {
      label: "template without {subid}",
      format: "template",
      template: NO_SUBID,
      options: bodyMapping({ type: "token", in: "query", name: "token" }),
      want: ["trackingTemplate"],
    },
    {
      label: "template with no mapping at all",
      format: "template",
      template: WITH_SUBID,
      options: {},
      want: [
        "options.fields",
        "options.statusMap",
        "options.amountFormat",
        "options.timeFormat",
        "options.auth",
      ],
    },
  ])("$label", ({ format, template, options, want }) => {
    expect(paths({ postbackFormat: format, trackingTemplate: template, options })).toEqual(want);
  });

  test("an unknown option is named with the format's options", () => {
    const [issue] = networkFormatIssues({
      postbackFormat: "cj",
      trackingTemplate: NO_SUBID,
      options: { reportUrl: "https://n.test/r" },
    });
    expect(issue?.message).toContain("not an option of the cj format");
    expect(issue?.message).toContain("publisherId");
    expect(issue?.message).toContain("feedUrl");
  });
});
