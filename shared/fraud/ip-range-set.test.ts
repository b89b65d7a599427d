import { describe, expect, test } from "vitest";
import { parseCidr } from "../referrals/risk-lists";
import { compileIpRanges, ipInRangeSet } from "./ip-range-set";

describe("ipInRangeSet", () => {
  const set = compileIpRanges(
    ["203.0.113.0/24", "10.0.0.0/8", "2001:db8::/32", "198.51.100.7"]
      .map(parseCidr)
      .filter((c) => c !== null),
  );
  test.each([
    { ip: "203.0.113.77", inside: true },
    { ip: "203.0.114.1", inside: false },
    { ip: "10.200.3.4", inside: true },
    { ip: "11.0.0.1", inside: false },
    { ip: "198.51.100.7", inside: true },
    { ip: "198.51.100.8", inside: false },
    { ip: "2001:db8:ffff::1", inside: true },
    { ip: "2001:db9::1", inside: false },
    { ip: "::ffff:10.1.2.3", inside: true },
    { ip: "garbage", inside: false },
  ])("$ip → $inside", ({ ip, inside }) => {
    expect(ipInRangeSet(ip, set)).toBe(inside);
  });
});
