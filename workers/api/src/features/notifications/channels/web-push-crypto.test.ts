import { describe, expect, test } from "vitest";
import { fromBase64Url, toBase64Url, utf8 } from "#shared/crypto/encoding";
import {
  decryptPushPayload,
  encryptPushPayload,
  generateVapidKeys,
  importEcdhPrivate,
  MAX_PLAINTEXT_BYTES,
  vapidAuthorization,
  verifyVapidAuthorization,
} from "./web-push-crypto";

const b64 = (text: string) => {
  const bytes = fromBase64Url(text);
  if (!bytes) throw new Error(`not base64url: ${text}`);
  return bytes;
};

/** RFC 8291 Appendix A, line breaks removed. */
const RFC8291 = {
  plaintext: "When I grow up, I want to be a watermelon",
  asPublic:
    "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8",
  asPrivate: "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw",
  uaPublic:
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
  uaPrivate: "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94",
  salt: "DGv6ra1nlYgDCS1FRnbzlw",
  authSecret: "BTBZMqHH6r4Tts7J_aSIgg",
  body: "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN",
};

async function rfcSender() {
  return {
    privateKey: await importEcdhPrivate(b64(RFC8291.asPublic), b64(RFC8291.asPrivate)),
    publicKey: b64(RFC8291.asPublic),
    salt: b64(RFC8291.salt),
  };
}

async function rfcSubscriber() {
  return {
    privateKey: await importEcdhPrivate(b64(RFC8291.uaPublic), b64(RFC8291.uaPrivate)),
    publicKey: b64(RFC8291.uaPublic),
    authSecret: b64(RFC8291.authSecret),
  };
}

describe("RFC 8291 message encryption (aes128gcm)", () => {
  test("the Appendix A keys and salt give the Appendix A message, byte for byte", async () => {
    const body = await encryptPushPayload(
      utf8.encode(RFC8291.plaintext),
      b64(RFC8291.uaPublic),
      b64(RFC8291.authSecret),
      await rfcSender(),
    );
    expect(toBase64Url(body)).toBe(RFC8291.body);
  });

  test("the Appendix A message decrypts with the user agent's keys", async () => {
    const plain = await decryptPushPayload(b64(RFC8291.body), await rfcSubscriber());
    expect(new TextDecoder().decode(plain)).toBe(RFC8291.plaintext);
  });

  test.each([
    { label: "a ciphertext byte flipped", at: 100 },
    { label: "a salt byte flipped", at: 3 },
    { label: "a sender key byte flipped", at: 40 },
  ])("$label does not decrypt", async ({ at }) => {
    const body = b64(RFC8291.body);
    body[at] = (body[at] ?? 0) ^ 1;
    await expect(decryptPushPayload(body, await rfcSubscriber())).rejects.toThrow();
  });

  test("another subscription's auth secret does not decrypt", async () => {
    const subscriber = { ...(await rfcSubscriber()), authSecret: new Uint8Array(16).fill(7) };
    await expect(decryptPushPayload(b64(RFC8291.body), subscriber)).rejects.toThrow();
  });

  test("fresh keys: every message differs, and each decrypts", async () => {
    const plaintext = utf8.encode("x".repeat(MAX_PLAINTEXT_BYTES));
    const a = await encryptPushPayload(plaintext, b64(RFC8291.uaPublic), b64(RFC8291.authSecret));
    const b = await encryptPushPayload(plaintext, b64(RFC8291.uaPublic), b64(RFC8291.authSecret));
    expect(toBase64Url(a)).not.toBe(toBase64Url(b));
    expect(a.length).toBe(4096);
    expect(await decryptPushPayload(a, await rfcSubscriber())).toEqual(plaintext);
  });

  test.each([
    {
      label: "a plaintext longer than one record",
      plain: MAX_PLAINTEXT_BYTES + 1,
      ua: RFC8291.uaPublic,
      auth: RFC8291.authSecret,
    },
    {
      label: "a compressed p256dh",
      plain: 10,
      ua: toBase64Url(b64(RFC8291.uaPublic).slice(0, 33)),
      auth: RFC8291.authSecret,
    },
    {
      label: "a 15-byte auth secret",
      plain: 10,
      ua: RFC8291.uaPublic,
      auth: "AAAAAAAAAAAAAAAAAAAA",
    },
  ])("refuses $label", async ({ plain, ua, auth }) => {
    await expect(encryptPushPayload(new Uint8Array(plain), b64(ua), b64(auth))).rejects.toThrow(
      RangeError,
    );
  });
});

describe("RFC 8292 VAPID", () => {
  const NOW = Date.UTC(2026, 11, 6, 12);
  const ENDPOINT = "https://push.example.net:8443/wpush/v2/abc?x=1";

  test("signs an ES256 JWT the push service verifies: aud is the origin, exp ≤ 24 h", async () => {
    const keys = await generateVapidKeys();
    const header = await vapidAuthorization(keys, "mailto:ops@example.com", ENDPOINT, NOW);
    expect(header).toMatch(/^vapid t=[\w-]+\.[\w-]+\.[\w-]+, k=[\w-]+$/);
    expect(header.endsWith(`k=${keys.publicKey}`)).toBe(true);
    const check = await verifyVapidAuthorization(
      header,
      "https://push.example.net:8443",
      NOW,
      keys.publicKey,
    );
    expect(check).toEqual({
      ok: true,
      claims: {
        aud: "https://push.example.net:8443",
        exp: NOW / 1000 + 12 * 3600,
        sub: "mailto:ops@example.com",
      },
      publicKey: keys.publicKey,
    });
  });

  test("asking for more than 24 h signs 24 h", async () => {
    const keys = await generateVapidKeys();
    const header = await vapidAuthorization(keys, "mailto:a@b.c", ENDPOINT, NOW, 7 * 86400);
    const check = await verifyVapidAuthorization(header, "https://push.example.net:8443", NOW);
    expect(check.ok && check.claims.exp).toBe(NOW / 1000 + 86400);
  });

  test.each([
    { label: "another audience", aud: "https://other.example", at: NOW, key: true },
    { label: "after exp", aud: "https://push.example.net:8443", at: NOW + 13 * 3600e3, key: true },
    { label: "another server key", aud: "https://push.example.net:8443", at: NOW, key: false },
  ])("a push service refuses $label", async ({ aud, at, key }) => {
    const keys = await generateVapidKeys();
    const other = await generateVapidKeys();
    const header = await vapidAuthorization(keys, "mailto:a@b.c", ENDPOINT, NOW);
    const check = await verifyVapidAuthorization(
      header,
      aud,
      at,
      key ? keys.publicKey : other.publicKey,
    );
    expect(check.ok).toBe(false);
  });

  test("a signature made by another key does not verify", async () => {
    const keys = await generateVapidKeys();
    const other = await generateVapidKeys();
    const header = await vapidAuthorization(other, "mailto:a@b.c", ENDPOINT, NOW);
    // Other's signature, presented as keys'.
    const forged = header.replace(/k=[\w-]+$/, `k=${keys.publicKey}`);
    const check = await verifyVapidAuthorization(forged, "https://push.example.net:8443", NOW);
    expect(check).toEqual({ ok: false, reason: "bad signature" });
  });
});
