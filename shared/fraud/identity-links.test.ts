import { describe, expect, test } from "vitest";
import {
  linkHash,
  linkIdentifiersOf,
  linkKeyOf,
  normalizedLinkValues,
  normalizePhone,
  sharingFacts,
} from "./identity-links";

const RING_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

describe("linkKeyOf", () => {
  test.each([
    {
      label: "no ring: version 1, the sub-ID key",
      source: { SUBID_SIGNING_KEY: "sub" },
      want: { version: 1, secret: "sub" },
    },
    {
      label: "a ring: its highest version",
      source: {
        SUBID_SIGNING_KEY: "sub",
        RISK_LINK_KEYS: JSON.stringify({ 2: "x".repeat(43), 3: RING_KEY }),
      },
      want: { version: 3, secret: RING_KEY },
    },
    {
      label: "a malformed ring: the sub-ID key",
      source: { SUBID_SIGNING_KEY: "sub", RISK_LINK_KEYS: "{not json" },
      want: { version: 1, secret: "sub" },
    },
    { label: "nothing configured: no key", source: { SUBID_SIGNING_KEY: "" }, want: null },
  ])("$label", ({ source, want }) => {
    expect(linkKeyOf(source)).toEqual(want);
  });
});

describe("normalised values", () => {
  test.each([
    {
      label: "gmail dots and tags",
      raw: { email: " A.Sha+x@GoogleMail.com " },
      kind: "email",
      want: "asha@gmail.com",
    },
    {
      label: "IPv4 /24",
      raw: { ipAddress: "203.0.113.7" },
      kind: "ip_prefix",
      want: "203.0.113.0/24",
    },
    {
      label: "IPv6 /64",
      raw: { ipAddress: "2001:db8:a:b:1::2" },
      kind: "ip_prefix",
      want: "2001:db8:a:b::/64",
    },
    {
      label: "phone with spaces",
      raw: { phone: "+91 98123 45678" },
      kind: "phone",
      want: "+919812345678",
    },
    { label: "blank device", raw: { deviceId: "  " }, kind: "device", want: null },
    { label: "not an address", raw: { ipAddress: "nope" }, kind: "ip_prefix", want: null },
  ] as const)("$label", ({ raw, kind, want }) => {
    expect(normalizedLinkValues(raw)[kind]).toBe(want);
  });

  test("a phone number too short is not one", () => {
    expect(normalizePhone("12345")).toBeNull();
  });
});

describe("keyed hashes", () => {
  const key = { version: 1, secret: "test-secret" };

  test("two spellings of one address hash the same; the value never shows", async () => {
    const a = await linkIdentifiersOf(key, { email: "A.Sha+promo@GoogleMail.com" });
    const b = await linkIdentifiersOf(key, { email: "asha@gmail.com" });
    expect(a.email).toBe(b.email);
    expect(a.email).toMatch(/^v1\.[A-Za-z0-9_-]{43}$/);
    expect(a.email).not.toContain("asha");
  });

  test("kinds are domain-separated and versions differ", async () => {
    expect(await linkHash(key, "device", "same")).not.toBe(await linkHash(key, "email", "same"));
    const rotated = await linkHash({ version: 2, secret: "test-secret" }, "device", "same");
    expect(rotated.startsWith("v2.")).toBe(true);
    expect(rotated.slice(3)).not.toBe((await linkHash(key, "device", "same")).slice(3));
  });

  test("another key gives another hash: without the key a guess cannot be tested", async () => {
    const other = { version: 1, secret: "another-secret" };
    expect(await linkHash(key, "email", "a@b.c")).not.toBe(await linkHash(other, "email", "a@b.c"));
  });
});

describe("sharingFacts", () => {
  test.each<{
    label: string;
    identifiers: Record<string, string>;
    holders: Array<[string, number]>;
    want: Record<string, number>;
  }>([
    {
      label: "three holders: two others",
      identifiers: { device: "v1.d" },
      holders: [["device|v1.d", 3]],
      want: { "signal.usersSharingDevice": 2 },
    },
    {
      label: "only this user",
      identifiers: { ip_prefix: "v1.i", email: "v1.e" },
      holders: [["ip_prefix|v1.i", 1]],
      want: { "signal.usersSharingIpPrefix": 0, "signal.usersSharingEmail": 0 },
    },
    {
      label: "payment",
      identifiers: { payment_instrument: "v1.p" },
      holders: [["payment_instrument|v1.p", 4]],
      want: { "signal.usersSharingPayment": 3 },
    },
    {
      label: "not a link kind: ignored",
      identifiers: { asn: "v1.a" },
      holders: [],
      want: {},
    },
    {
      label: "a carrier's network: saturates at 99",
      identifiers: { ip_prefix: "v1.i" },
      holders: [["ip_prefix|v1.i", 100]],
      want: { "signal.usersSharingIpPrefix": 99 },
    },
  ])("$label", ({ identifiers, holders, want }) => {
    expect(sharingFacts(identifiers, new Map(holders))).toEqual(want);
  });

  // The redeem path counts the OTHER holders (its user's own link may not be recorded yet).
  test.each<{
    label: string;
    holders: Array<[string, number]>;
    want: Record<string, number>;
  }>([
    {
      label: "one other holder: 1",
      holders: [["payment_instrument|v1.p", 1]],
      want: { "signal.usersSharingPayment": 1 },
    },
    {
      label: "nobody else: 0",
      holders: [["payment_instrument|v1.p", 0]],
      want: { "signal.usersSharingPayment": 0 },
    },
    { label: "not counted: 0", holders: [], want: { "signal.usersSharingPayment": 0 } },
    {
      label: "100 others: 99",
      holders: [["payment_instrument|v1.p", 100]],
      want: { "signal.usersSharingPayment": 99 },
    },
  ])("others only: $label", ({ holders, want }) => {
    expect(
      sharingFacts({ payment_instrument: "v1.p" }, new Map(holders), { selfCounted: false }),
    ).toEqual(want);
  });
});
