import { describe, expect, test } from "vitest";
import {
  acceptedLinkKeys,
  LinkKeysConfigError,
  linkKeyRing,
  verifyLinkTokenWithRing,
} from "./link-keys";
import { signLinkToken } from "./link-token";

const OLD = "old-link-signing-key-0123456789abcdef";
const NEW = "new-link-signing-key-0123456789abcdef";
const NOT_AFTER = "2026-06-01T00:00:00Z";
const NOT_AFTER_MS = Date.parse(NOT_AFTER);
const ROTATING = JSON.stringify([
  { version: 2, key: NEW },
  { version: 1, key: OLD, notAfter: NOT_AFTER },
]);

describe("linkKeyRing", () => {
  test("LINK_SIGNING_KEY alone is the current key", () => {
    expect(linkKeyRing({ LINK_SIGNING_KEY: OLD })).toEqual({
      current: { version: 1, key: OLD, notAfterMs: null },
      previous: [],
    });
  });

  test("LINK_SIGNING_KEYS wins, highest version current, whatever the order", () => {
    const ring = linkKeyRing({ LINK_SIGNING_KEY: "ignored", LINK_SIGNING_KEYS: ROTATING });
    expect(ring.current.key).toBe(NEW);
    expect(ring.previous).toEqual([{ version: 1, key: OLD, notAfterMs: NOT_AFTER_MS }]);
  });

  test("an empty LINK_SIGNING_KEYS is unset", () => {
    expect(linkKeyRing({ LINK_SIGNING_KEY: OLD, LINK_SIGNING_KEYS: " " }).current.key).toBe(OLD);
  });

  test.each([
    { label: "nothing set", settings: {} },
    { label: "not JSON", settings: { LINK_SIGNING_KEYS: "{" } },
    { label: "an empty list", settings: { LINK_SIGNING_KEYS: "[]" } },
    {
      label: "a short key",
      settings: { LINK_SIGNING_KEYS: JSON.stringify([{ version: 1, key: "short" }]) },
    },
    {
      label: "two keys with one version",
      settings: {
        LINK_SIGNING_KEYS: JSON.stringify([
          { version: 1, key: NEW },
          { version: 1, key: OLD, notAfter: NOT_AFTER },
        ]),
      },
    },
    {
      label: "a previous key without notAfter",
      settings: {
        LINK_SIGNING_KEYS: JSON.stringify([
          { version: 2, key: NEW },
          { version: 1, key: OLD },
        ]),
      },
    },
    {
      label: "a current key with notAfter",
      settings: {
        LINK_SIGNING_KEYS: JSON.stringify([{ version: 2, key: NEW, notAfter: NOT_AFTER }]),
      },
    },
    {
      label: "one key under two versions",
      settings: {
        LINK_SIGNING_KEYS: JSON.stringify([
          { version: 2, key: NEW },
          { version: 1, key: NEW, notAfter: NOT_AFTER },
        ]),
      },
    },
    {
      label: "more than four keys",
      settings: {
        LINK_SIGNING_KEYS: JSON.stringify(
          [5, 4, 3, 2, 1].map((v) => ({
            version: v,
            key: `${NEW}-${v}`,
            ...(v < 5 ? { notAfter: NOT_AFTER } : {}),
          })),
        ),
      },
    },
  ])("refuses $label", ({ settings }) => {
    expect(() => linkKeyRing(settings)).toThrow(LinkKeysConfigError);
  });
});

describe("acceptedLinkKeys", () => {
  const ring = linkKeyRing({ LINK_SIGNING_KEYS: ROTATING });
  test.each([
    { label: "before notAfter: both", nowMs: NOT_AFTER_MS - 1, keys: [NEW, OLD] },
    { label: "at notAfter: both", nowMs: NOT_AFTER_MS, keys: [NEW, OLD] },
    { label: "after notAfter: the current only", nowMs: NOT_AFTER_MS + 1, keys: [NEW] },
  ])("$label", ({ nowMs, keys }) => {
    expect(acceptedLinkKeys(ring, nowMs)).toEqual(keys);
  });
});

describe("verifyLinkTokenWithRing", () => {
  const ring = linkKeyRing({ LINK_SIGNING_KEYS: ROTATING });
  const claims = { userId: "usr_1", offerId: "shop", expiresAtSec: NOT_AFTER_MS / 1000 + 86_400 };
  test.each([
    { label: "a new link, before notAfter", key: NEW, nowMs: NOT_AFTER_MS - 1000, result: "ok" },
    { label: "a new link, after notAfter", key: NEW, nowMs: NOT_AFTER_MS + 1000, result: "ok" },
    { label: "an old link, before notAfter", key: OLD, nowMs: NOT_AFTER_MS - 1000, result: "ok" },
    {
      label: "an old link, after notAfter",
      key: OLD,
      nowMs: NOT_AFTER_MS + 1000,
      result: "bad_signature",
    },
    {
      label: "a forged link",
      key: "forger-key-0123456789abcdef0123456789",
      nowMs: NOT_AFTER_MS - 1000,
      result: "bad_signature",
    },
  ])("$label → $result", async ({ key, nowMs, result }) => {
    const verified = await verifyLinkTokenWithRing(ring, await signLinkToken(key, claims), nowMs);
    expect(verified.ok ? "ok" : verified.reason).toBe(result);
  });

  test("an expired link signed with a previous key is expired, not forged", async () => {
    const token = await signLinkToken(OLD, { ...claims, expiresAtSec: NOT_AFTER_MS / 1000 - 3600 });
    expect(await verifyLinkTokenWithRing(ring, token, NOT_AFTER_MS - 1000)).toEqual({
      ok: false,
      reason: "expired",
    });
  });
});
