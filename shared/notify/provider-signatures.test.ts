import { describe, expect, it } from "vitest";
import { svixSignature, twilioSignature, verifySvix, verifyTwilio } from "./provider-signatures";

describe("Twilio request signatures", () => {
  // Twilio's published example (docs "Webhooks security": full URL with query, sorted params).
  const url = "https://mycompany.com/myapp.php?foo=1&bar=2";
  const params: Array<[string, string]> = [
    ["CallSid", "CA1234567890ABCDE"],
    ["Caller", "+12349013030"],
    ["Digits", "1234"],
    ["From", "+12349013030"],
    ["To", "+18005551212"],
  ];

  it("matches the published example, whatever the parameters' order", async () => {
    expect(await twilioSignature("12345", url, params)).toBe("0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
    expect(await twilioSignature("12345", url, [...params].reverse())).toBe(
      "0/KCTR6DLpKmkAf8muzZqo1nDgQ=",
    );
  });

  it.each([
    ["the right signature", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", url, "12345", { ok: true }],
    [
      "another token",
      "0/KCTR6DLpKmkAf8muzZqo1nDgQ=",
      url,
      "54321",
      { ok: false, reason: "forged" },
    ],
    [
      "another URL",
      "0/KCTR6DLpKmkAf8muzZqo1nDgQ=",
      `${url}&x=1`,
      "12345",
      { ok: false, reason: "forged" },
    ],
    ["no signature", null, url, "12345", { ok: false, reason: "malformed" }],
    [
      "no token configured",
      "0/KCTR6DLpKmkAf8muzZqo1nDgQ=",
      url,
      undefined,
      { ok: false, reason: "unconfigured" },
    ],
  ] as const)("%s", async (_name, signature, at, token, expected) => {
    expect(await verifyTwilio(token, signature, at, params)).toEqual(expected);
  });
});

describe("Svix (Resend) webhook signatures", () => {
  // The Svix libraries' test vector.
  const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
  const ts = 1614265330;
  const body = '{"test": 2432232314}';
  const good = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
  const at = ts * 1000;

  it("matches the published vector", async () => {
    expect(await svixSignature(secret, id, ts, body)).toBe(good);
  });

  it.each([
    ["the right signature", good, String(ts), body, at, { ok: true }],
    ["one of several (rotation)", `v1,bm90IGl0 ${good}`, String(ts), body, at, { ok: true }],
    ["a changed body", good, String(ts), `${body} `, at, { ok: false, reason: "forged" }],
    ["a changed timestamp", good, String(ts + 1), body, at, { ok: false, reason: "forged" }],
    ["six minutes late", good, String(ts), body, at + 360_000, { ok: false, reason: "stale" }],
    ["four minutes late", good, String(ts), body, at + 240_000, { ok: true }],
    [
      "another scheme",
      good.replace("v1,", "v2,"),
      String(ts),
      body,
      at,
      { ok: false, reason: "forged" },
    ],
    ["no timestamp", good, null, body, at, { ok: false, reason: "malformed" }],
  ] as const)("%s", async (_name, signature, timestamp, raw, nowMs, expected) => {
    expect(await verifySvix(secret, { id, timestamp, signature }, raw, nowMs)).toEqual(expected);
  });

  it("an unset or malformed secret verifies nothing", async () => {
    const headers = { id, timestamp: String(ts), signature: good };
    expect(await verifySvix(undefined, headers, body, at)).toEqual({
      ok: false,
      reason: "unconfigured",
    });
    expect(await verifySvix("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", headers, body, at)).toEqual({
      ok: false,
      reason: "unconfigured",
    });
  });
});
