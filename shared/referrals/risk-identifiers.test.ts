import { describe, expect, test } from "vitest";
import {
  emailDomainOf,
  ipPrefixOf,
  normalizeEmail,
  riskIdentifierHash,
  riskIdentifiersOf,
} from "./risk-identifiers";

const KEY = "subid-key-for-tests-0123456789abcdef";

describe("normalizeEmail", () => {
  test.each([
    { label: "case and spaces", email: " Asha@Example.COM ", want: "asha@example.com" },
    {
      label: "Gmail drops dots and the plus-tag",
      email: "a.sha+promo@gmail.com",
      want: "asha@gmail.com",
    },
    { label: "googlemail is gmail", email: "A.Sha@GoogleMail.com", want: "asha@gmail.com" },
    {
      label: "Outlook drops the plus-tag, keeps dots",
      email: "a.sha+x@outlook.com",
      want: "a.sha@outlook.com",
    },
    {
      label: "other providers keep both",
      email: "a.sha+x@example.com",
      want: "a.sha+x@example.com",
    },
    { label: "only a tag left is no address", email: "+x@gmail.com", want: null },
    { label: "no @", email: "asha", want: null },
    { label: "no domain", email: "asha@", want: null },
  ])("$label", ({ email, want }) => {
    expect(normalizeEmail(email)).toBe(want);
  });

  test("the domain of an address", () => {
    expect(emailDomainOf("x@Mail.Example.com")).toBe("mail.example.com");
    expect(emailDomainOf("nope")).toBeNull();
  });
});

describe("ipPrefixOf", () => {
  test.each([
    { ip: "203.0.113.7", want: "203.0.113.0/24" },
    { ip: "203.0.113.250", want: "203.0.113.0/24" },
    { ip: "2001:DB8:a:b:1::2", want: "2001:db8:a:b::/64" },
    { ip: "2001:db8:a:b:ffff:ffff:ffff:ffff", want: "2001:db8:a:b::/64" },
    { ip: "2001:db8::1", want: "2001:db8:0:0::/64" },
    { ip: "::1", want: "0:0:0:0::/64" },
    { ip: "::ffff:198.51.100.9", want: "198.51.100.0/24" },
    { ip: "fe80::1%eth0", want: "fe80:0:0:0::/64" },
    { ip: "256.1.1.1", want: null },
    { ip: "1:2:3", want: null },
    { ip: "not an ip", want: null },
  ])("$ip → $want", ({ ip, want }) => {
    expect(ipPrefixOf(ip)).toBe(want);
  });
});

describe("riskIdentifiersOf", () => {
  test("hashes what is there, normalised first, each kind apart", async () => {
    const ids = await riskIdentifiersOf(KEY, {
      deviceId: "dev-1",
      ipAddress: "203.0.113.7",
      email: "A.Sha+x@gmail.com",
      paymentInstrumentHash: "card-hash-1",
    });
    expect(ids.map((i) => i.kind)).toEqual(["device", "ip_prefix", "email", "payment_instrument"]);
    expect(ids[1]?.hash).toBe(await riskIdentifierHash(KEY, "ip_prefix", "203.0.113.0/24"));
    expect(ids[2]?.hash).toBe(await riskIdentifierHash(KEY, "email", "asha@gmail.com"));
    for (const id of ids) expect(id.hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The same value under two kinds never collides.
    expect(await riskIdentifierHash(KEY, "device", "x")).not.toBe(
      await riskIdentifierHash(KEY, "payment_instrument", "x"),
    );
  });

  test("two spellings of one identity give the same hashes", async () => {
    const a = await riskIdentifiersOf(KEY, { email: "asha@gmail.com", ipAddress: "203.0.113.1" });
    const b = await riskIdentifiersOf(KEY, {
      email: "A.S.H.A+1@gmail.com",
      ipAddress: "203.0.113.99",
    });
    expect(a).toEqual(b);
  });

  test("nothing usable, nothing hashed", async () => {
    expect(await riskIdentifiersOf(KEY, { deviceId: " ", ipAddress: "nope", email: 3 })).toEqual(
      [],
    );
  });
});
