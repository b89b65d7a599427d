import { describe, expect, test } from "vitest";
import {
  compileRiskLists,
  emailDomainListed,
  normalizeRiskList,
  parseCidr,
  riskFlagsOf,
} from "./risk-lists";

describe("parseCidr", () => {
  test.each(["10.0.0.0/33", "2001:db8::/129", "1.2.3.4/x", "1.2.3/24", "a/b/c", ""])(
    "%s is not a range",
    (text) => {
      expect(parseCidr(text)).toBeNull();
    },
  );
});

describe("emailDomainListed", () => {
  const domains = new Set(["mailinator.com", "tmp.example"]);
  test.each([
    { email: "x@mailinator.com", listed: true },
    { email: "x@MAILINATOR.com", listed: true },
    { email: "x@eu.mailinator.com", listed: true },
    { email: "x@notmailinator.com", listed: false },
    { email: "x@com", listed: false },
    { email: "broken", listed: false },
  ])("$email → $listed", ({ email, listed }) => {
    expect(emailDomainListed(email, domains)).toBe(listed);
  });
});

describe("normalizeRiskList", () => {
  test.each([
    {
      label: "domains: lower case, sorted, no repeats",
      list: "disposable_email_domains" as const,
      entries: ["Mailinator.com", " mailinator.com ", "a.example"],
      want: { ok: true, entries: ["a.example", "mailinator.com"] },
    },
    {
      label: "every bad domain is named by index",
      list: "disposable_email_domains" as const,
      entries: ["ok.example", "no spaces.com", "nodot"],
      want: { ok: false, issues: [1, 2] },
    },
    {
      label: "ranges: a bare address becomes its /32 or /128",
      list: "datacenter_ip_ranges" as const,
      entries: ["203.0.113.0/24", "198.51.100.7", "2001:DB8::/32", "2001:db8::1"],
      want: {
        ok: true,
        entries: ["198.51.100.7/32", "2001:db8::/32", "2001:db8::1/128", "203.0.113.0/24"],
      },
    },
    {
      label: "a bad range is refused",
      list: "datacenter_ip_ranges" as const,
      entries: ["mailinator.com"],
      want: { ok: false, issues: [0] },
    },
    {
      label: "ASNs: with or without AS, stored as digits",
      list: "datacenter_asns" as const,
      entries: ["AS16509", "16509", " as14061 "],
      want: { ok: true, entries: ["14061", "16509"] },
    },
    {
      label: "every bad ASN is named by index",
      list: "datacenter_asns" as const,
      entries: ["AS16509", "AS", "0", "99999999999", "1.2.3.4/24"],
      want: { ok: false, issues: [1, 2, 3, 4] },
    },
    {
      label: "abuse-prone categories: lower case, spaces single, without repeats",
      list: "abuse_prone_categories" as const,
      entries: [" Fashion ", "fashion", "Home   Decor", "fashion/shoes"],
      want: { ok: true, entries: ["fashion", "fashion/shoes", "home decor"] },
    },
    {
      label: "a blank or overlong category is named by index",
      list: "abuse_prone_categories" as const,
      entries: ["fashion", "  ", "x".repeat(101)],
      want: { ok: false, issues: [1, 2] },
    },
  ])("$label", ({ list, entries, want }) => {
    const got = normalizeRiskList(list, entries);
    if (want.ok) expect(got).toEqual({ ok: true, entries: want.entries });
    else expect(got.ok ? [] : got.issues.map((i) => i.index)).toEqual(want.issues);
  });
});

test("riskFlagsOf flags what the lists hold", () => {
  const lists = compileRiskLists({
    disposable_email_domains: ["mailinator.com"],
    datacenter_ip_ranges: ["203.0.113.0/24"],
  });
  expect(riskFlagsOf({ email: "x@mailinator.com", ipAddress: "203.0.113.5" }, lists)).toEqual([
    "disposable_email_domain",
    "datacenter_ip",
  ]);
  expect(riskFlagsOf({ email: "x@example.com", ipAddress: "198.51.100.1" }, lists)).toEqual([]);
  expect(riskFlagsOf({}, lists)).toEqual([]);
});
