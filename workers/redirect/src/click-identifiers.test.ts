import { describe, expect, test } from "vitest";
import type { RedirectEnv } from "#shared/env";
import type { ClickMessage } from "#shared/messages";
import { networkOf, withClickLinks } from "./click-identifiers";

const env = { SUBID_SIGNING_KEY: "test-subid-key-0123456789abcdef" } as RedirectEnv;
const click = { kind: "click", clickId: "clk_1", userId: "u1" } as ClickMessage;

describe("networkOf", () => {
  test.each([
    { cf: { asn: 55836, country: "IN" }, want: { asn: 55836, country: "IN" } },
    { cf: { asn: 13335 }, want: { asn: 13335 } },
    { cf: { asn: "13335", country: "india" }, want: null },
    { cf: undefined, want: null },
    { cf: {}, want: null },
  ])("$cf → $want", ({ cf, want }) => {
    expect(networkOf(cf)).toEqual(want);
  });
});

describe("withClickLinks", () => {
  test("one /24 hashes alike, another does not, and the address is not in the message", async () => {
    const a = await withClickLinks(env, click, "203.0.113.9", { asn: 64500 });
    const b = await withClickLinks(env, click, "203.0.113.200", undefined);
    const c = await withClickLinks(env, click, "198.51.100.9", undefined);
    expect(a.identifiers?.ip_prefix).toMatch(/^v1\.[A-Za-z0-9_-]{43}$/);
    expect(b.identifiers?.ip_prefix).toBe(a.identifiers?.ip_prefix);
    expect(c.identifiers?.ip_prefix).not.toBe(a.identifiers?.ip_prefix);
    expect(a.network).toEqual({ asn: 64500 });
    expect(JSON.stringify([a, b, c])).not.toContain("203.0.113");
  });

  test("the rotated key hashes under its version; no address, no link", async () => {
    const ring = { ...env, RISK_LINK_KEYS: JSON.stringify({ 2: "x".repeat(43) }) } as RedirectEnv;
    const v2 = await withClickLinks(ring, click, "2001:db8:1:2:3::4", undefined);
    expect(v2.identifiers?.ip_prefix).toMatch(/^v2\./);
    expect(await withClickLinks(env, click, null, undefined)).toEqual(click);
    expect(await withClickLinks(env, click, "not an ip", undefined)).toEqual(click);
  });
});
