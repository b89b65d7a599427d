import { describe, expect, test } from "vitest";
import { toBase64Url } from "./encoding";
import { mask, needsResealing, open, seal } from "./sealed";

const key = (fill: number) => toBase64Url(new Uint8Array(32).fill(fill));
const RING_V1 = { 1: key(1) };
const RING_V2 = { 1: key(1), 2: key(2) };
const CONTEXT = "dest:usr_42:account";

describe("seal / open", () => {
  test("round trip, and the plaintext never appears in the envelope", async () => {
    const sealed = await seal(RING_V1, "123456789012", CONTEXT);
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain("123456789012");
    expect(await open(RING_V1, sealed, CONTEXT)).toEqual({
      ok: true,
      plaintext: "123456789012",
      keyVersion: 1,
    });
  });

  test("two seals of the same value differ (random nonce)", async () => {
    expect(await seal(RING_V1, "alice@upi", CONTEXT)).not.toBe(
      await seal(RING_V1, "alice@upi", CONTEXT),
    );
  });

  test("seals with the highest key version; older versions still open", async () => {
    const old = await seal(RING_V1, "alice@upi", CONTEXT);
    const fresh = await seal(RING_V2, "alice@upi", CONTEXT);
    expect(fresh).toMatch(/^v2\./);
    expect(await open(RING_V2, old, CONTEXT)).toMatchObject({ ok: true, keyVersion: 1 });
    expect(needsResealing(RING_V2, old)).toBe(true);
    expect(needsResealing(RING_V2, fresh)).toBe(false);
  });

  test.each([
    {
      label: "another field's context",
      mutate: (s: string) => s,
      context: "dest:usr_42:ifsc",
      reason: "tampered",
    },
    {
      label: "another user's context",
      mutate: (s: string) => s,
      context: "dest:usr_43:account",
      reason: "tampered",
    },
    {
      label: "one ciphertext character changed",
      mutate: (s: string) => `${s.slice(0, -5)}${s.at(-5) === "A" ? "B" : "A"}${s.slice(-4)}`,
      context: CONTEXT,
      reason: "tampered",
    },
    {
      label: "an unknown key version",
      mutate: (s: string) => s.replace(/^v1/, "v9"),
      context: CONTEXT,
      reason: "unknown_key",
    },
    { label: "garbage", mutate: () => "not-sealed", context: CONTEXT, reason: "malformed" },
    { label: "empty", mutate: () => "", context: CONTEXT, reason: "malformed" },
    {
      label: "plaintext stored by mistake",
      mutate: () => "123456789012",
      context: CONTEXT,
      reason: "malformed",
    },
  ])("does not open with $label", async ({ mutate, context, reason }) => {
    const sealed = await seal(RING_V1, "123456789012", CONTEXT);
    expect(await open(RING_V1, mutate(sealed), context)).toEqual({ ok: false, reason });
  });

  test("rejects keys that are not 32 bytes", async () => {
    await expect(seal({ 1: toBase64Url(new Uint8Array(16)) }, "x", CONTEXT)).rejects.toThrow(
      RangeError,
    );
    await expect(seal({}, "x", CONTEXT)).rejects.toThrow(RangeError);
  });
});

describe("mask", () => {
  test.each([
    { value: "123456789012", want: "••••••••9012" },
    { value: "alice@upi", want: "•••••@upi" },
    { value: "1234", want: "••••" },
    { value: "12", want: "••" },
    { value: "", want: "" },
  ])("$value → $want", ({ value, want }) => {
    expect(mask(value)).toBe(want);
  });

  test.each([
    {
      label: "nothing visible hides everything (a 2-character UPI handle)",
      value: "ab",
      visible: 0,
      want: "••",
    },
    { label: "negative visible hides everything", value: "abcd", visible: -1, want: "••••" },
    { label: "two visible", value: "alice", visible: 2, want: "•••ce" },
  ])("$label", ({ value, visible, want }) => {
    expect(mask(value, visible)).toBe(want);
  });
});
