import { describe, expect, test } from "vitest";
import { IpRangeSchema, ipAllowed } from "./ip-allowlist";

describe("ipAllowed", () => {
  test.each([
    { label: "exact IPv4", ip: "203.0.113.7", list: ["203.0.113.7"], want: true },
    { label: "IPv4 in /24", ip: "203.0.113.200", list: ["203.0.113.0/24"], want: true },
    { label: "IPv4 outside /24", ip: "203.0.114.1", list: ["203.0.113.0/24"], want: false },
    { label: "IPv4 /0 allows all", ip: "8.8.8.8", list: ["0.0.0.0/0"], want: true },
    {
      label: "IPv4-mapped IPv6 matches IPv4 rule",
      ip: "::ffff:203.0.113.7",
      list: ["203.0.113.0/24"],
      want: true,
    },
    { label: "IPv6 in /32", ip: "2001:db8:1::5", list: ["2001:db8::/32"], want: true },
    { label: "IPv6 outside /32", ip: "2001:db9::1", list: ["2001:db8::/32"], want: false },
    {
      label: "IPv6 exact, compressed differently",
      ip: "2001:0db8:0:0:0:0:0:1",
      list: ["2001:db8::1"],
      want: true,
    },
    {
      label: "IPv4 never matches an IPv6 rule",
      ip: "32.1.13.184",
      list: ["2001:db8::/32"],
      want: false,
    },
    { label: "no source IP", ip: null, list: ["203.0.113.7"], want: false },
    { label: "garbage source IP", ip: "not-an-ip", list: ["0.0.0.0/0"], want: false },
    {
      label: "leading-zero octet refused",
      ip: "203.0.113.007",
      list: ["203.0.113.7"],
      want: false,
    },
    { label: "octet over 255", ip: "203.0.113.256", list: ["0.0.0.0/0"], want: false },
    {
      label: "bad list entry is skipped",
      ip: "203.0.113.7",
      list: ["nope", "203.0.113.7"],
      want: true,
    },
    { label: "empty list allows nothing", ip: "203.0.113.7", list: [], want: false },
  ])("$label", ({ ip, list, want }) => {
    expect(ipAllowed(ip, list)).toBe(want);
  });
});

describe("IpRangeSchema", () => {
  test.each(["203.0.113.0/24", "203.0.113.7", "2001:db8::/32", "::1", "::", "::ffff:1.2.3.4"])(
    "accepts %s",
    (v) => {
      expect(IpRangeSchema.safeParse(v).success).toBe(true);
    },
  );
  test.each([
    "203.0.113.0/33",
    "2001:db8::/129",
    "1.2.3",
    "1:2:3:4:5:6:7:8:9",
    "a::b::c",
    "10.0.0.0/8/8",
    "",
    "localhost",
  ])("refuses %s", (v) => {
    expect(IpRangeSchema.safeParse(v).success).toBe(false);
  });
});
