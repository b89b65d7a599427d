import { describe, expect, test } from "vitest";
import { toHex } from "../../crypto/encoding";
import { hmacSha256 } from "../../crypto/hmac";
import { checkTokenAndIp, timingSafeEqualText, verifyHmacHex } from "./auth";

const SECRET = "s3cret";

test("timingSafeEqualText", async () => {
  expect(await timingSafeEqualText("abc", "abc")).toBe(true);
  expect(await timingSafeEqualText("abc", "abd")).toBe(false);
  expect(await timingSafeEqualText("abc", "abcd")).toBe(false);
  expect(await timingSafeEqualText("", "")).toBe(true);
});

describe("checkTokenAndIp", () => {
  test.each([
    { label: "right token", token: SECRET, require: true, list: [], ip: "1.2.3.4", want: "ok" },
    {
      label: "wrong token",
      token: "nope",
      require: true,
      list: [],
      ip: "1.2.3.4",
      want: "bad_token",
    },
    {
      label: "missing token",
      token: null,
      require: true,
      list: [],
      ip: "1.2.3.4",
      want: "missing_token",
    },
    {
      label: "right token, wrong IP",
      token: SECRET,
      require: true,
      list: ["10.0.0.0/8"],
      ip: "1.2.3.4",
      want: "ip_not_allowed",
    },
    {
      label: "right token, no IP",
      token: SECRET,
      require: true,
      list: ["10.0.0.0/8"],
      ip: null,
      want: "ip_unknown",
    },
    {
      label: "IP alone",
      token: null,
      require: false,
      list: ["10.0.0.0/8"],
      ip: "10.1.2.3",
      want: "ok",
    },
    {
      label: "nothing configured",
      token: null,
      require: false,
      list: [],
      ip: "10.1.2.3",
      want: "misconfigured",
    },
  ])("$label → $want", async ({ token, require, list, ip, want }) => {
    const result = await checkTokenAndIp(SECRET, {
      token,
      requireToken: require,
      ipAllowlist: list,
      sourceIp: ip,
    });
    expect(result.ok ? "ok" : result.reason.split(":")[0]).toBe(want);
  });

  test("an empty secret never authenticates", async () => {
    const result = await checkTokenAndIp("", {
      token: "",
      requireToken: true,
      ipAllowlist: [],
      sourceIp: null,
    });
    expect(result.ok).toBe(false);
  });
});

describe("verifyHmacHex", () => {
  test.each([
    { label: "lower-case hex", transform: (h: string) => h, prefix: "", want: "ok" },
    { label: "upper-case hex", transform: (h: string) => h.toUpperCase(), prefix: "", want: "ok" },
    {
      label: "with a prefix",
      transform: (h: string) => `sha256=${h}`,
      prefix: "sha256=",
      want: "ok",
    },
    {
      label: "rotation: second value matches",
      transform: (h: string) => `${"0".repeat(64)},${h}`,
      prefix: "",
      want: "ok",
    },
    { label: "wrong mac", transform: () => "0".repeat(64), prefix: "", want: "bad_signature" },
    { label: "not hex", transform: () => "zz", prefix: "", want: "malformed_signature" },
  ])("$label", async ({ transform, prefix, want }) => {
    const mac = toHex(await hmacSha256(SECRET, "body"));
    const result = await verifyHmacHex(SECRET, "body", transform(mac), prefix);
    expect(result.ok ? "ok" : result.reason).toBe(want);
  });

  test("missing header", async () => {
    expect(await verifyHmacHex(SECRET, "body", null)).toEqual({
      ok: false,
      reason: "missing_signature",
    });
  });
});
