import { expect, test } from "vitest";
import { hasReportApi } from "./report-source";

const TOKEN = "report-api-token-0123";

test.each([
  {
    label: "generic with a reportUrl",
    format: "generic",
    options: { reportUrl: "https://n.test/r" },
    token: null,
    want: true,
  },
  {
    label: "generic without a reportUrl",
    format: "generic",
    options: {},
    token: TOKEN,
    want: false,
  },
  {
    label: "generic with a non-string reportUrl",
    format: "generic",
    options: { reportUrl: 1 },
    token: null,
    want: false,
  },
  {
    label: "template with a report section",
    format: "template",
    options: { report: { url: "https://n.test/r" } },
    token: null,
    want: true,
  },
  {
    label: "template without a report section",
    format: "template",
    options: {},
    token: TOKEN,
    want: false,
  },
  {
    label: "admitad with a token, no reportUrl",
    format: "admitad",
    options: {},
    token: TOKEN,
    want: true,
  },
  { label: "admitad without a token", format: "admitad", options: {}, token: null, want: false },
  {
    label: "impact with a token",
    format: "impact",
    options: { accountSid: "IRabc" },
    token: TOKEN,
    want: true,
  },
  {
    label: "impact with an empty token",
    format: "impact",
    options: { accountSid: "IRabc" },
    token: "",
    want: false,
  },
  {
    label: "cj with a token",
    format: "cj",
    options: { publisherId: "123" },
    token: TOKEN,
    want: true,
  },
  {
    label: "cj with a reportUrl but no token",
    format: "cj",
    options: { reportUrl: "https://n.test/r" },
    token: null,
    want: false,
  },
  {
    label: "an unknown format",
    format: "nope",
    options: { reportUrl: "https://n.test/r" },
    token: TOKEN,
    want: false,
  },
])("$label → $want", ({ format, options, token, want }) => {
  expect(hasReportApi(format, { options, reportApiToken: token })).toBe(want);
});
