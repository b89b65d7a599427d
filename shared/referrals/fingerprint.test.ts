import { expect, test } from "vitest";
import { toBase64Url } from "../crypto/encoding";
import { hmacSha256 } from "../crypto/hmac";
import { fingerprintOf } from "./fingerprint";

const KEY = "subid-key-for-tests-0123456789abcdef";
const UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X)";

test("is the base64url HMAC-SHA256 of referral-fp.<ip>|<ua>", async () => {
  const want = toBase64Url(await hmacSha256(KEY, `referral-fp.203.0.113.7|${UA}`));
  expect(await fingerprintOf(KEY, "203.0.113.7", UA)).toBe(want);
  expect(want).toMatch(/^[A-Za-z0-9_-]{43}$/);
});

test.each([
  { label: "same visitor", a: ["203.0.113.7", UA], b: ["203.0.113.7", UA], same: true },
  {
    label: "IPv6 spelled in another case",
    a: ["2001:DB8::1", UA],
    b: ["2001:db8::1", UA],
    same: true,
  },
  {
    label: "whitespace around either half",
    a: [" 203.0.113.7", `${UA} `],
    b: ["203.0.113.7", UA],
    same: true,
  },
  { label: "another address", a: ["203.0.113.7", UA], b: ["203.0.113.8", UA], same: false },
  {
    label: "another user agent",
    a: ["203.0.113.7", UA],
    b: ["203.0.113.7", `${UA} Safari`],
    same: false,
  },
  { label: "no user agent at all", a: ["203.0.113.7", ""], b: ["203.0.113.7", UA], same: false },
])("$label → same: $same", async ({ a, b, same }) => {
  const [fa, fb] = await Promise.all([
    fingerprintOf(KEY, a[0] ?? "", a[1] ?? ""),
    fingerprintOf(KEY, b[0] ?? "", b[1] ?? ""),
  ]);
  expect(fa === fb).toBe(same);
});

test("another key gives another fingerprint, and the raw address is not in it", async () => {
  const a = await fingerprintOf(KEY, "203.0.113.7", UA);
  const b = await fingerprintOf(`${KEY}x`, "203.0.113.7", UA);
  expect(a).not.toBe(b);
  expect(a).not.toContain("203");
});
