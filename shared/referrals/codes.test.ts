import { describe, expect, test } from "vitest";
import {
  generateReferralCode,
  normalizeReferralCode,
  REFERRAL_CODE_ALPHABET,
  REFERRAL_CODE_LENGTH,
  referralCodeKvKey,
} from "./codes";

/** A random source that hands out `bytes` in order, then repeats them. */
function scripted(bytes: number[]): (n: number) => Uint8Array {
  let i = 0;
  return (n) => Uint8Array.from({ length: n }, () => bytes[i++ % bytes.length] ?? 0);
}

describe("REFERRAL_CODE_ALPHABET", () => {
  test.each(["0", "O", "1", "I", "L"])("leaves out the ambiguous %s", (char) => {
    expect(REFERRAL_CODE_ALPHABET).not.toContain(char);
  });

  test("31 distinct upper-case letters and digits", () => {
    expect(new Set(REFERRAL_CODE_ALPHABET).size).toBe(31);
    expect(REFERRAL_CODE_ALPHABET).toMatch(/^[A-Z2-9]+$/);
  });
});

describe("generateReferralCode", () => {
  test.each([
    { label: "zeros are the first symbol", bytes: [0], want: "2222222" },
    { label: "30 is the last symbol", bytes: [30], want: "ZZZZZZZ" },
    { label: "31 wraps to the first symbol", bytes: [31], want: "2222222" },
    { label: "247 (= 7 × 31 + 30) is still kept", bytes: [247], want: "ZZZZZZZ" },
    { label: "248 and above are dropped, not folded", bytes: [248, 255, 1], want: "3333333" },
    { label: "a sequence spells the alphabet", bytes: [0, 1, 2, 3, 4, 5, 6], want: "2345678" },
  ])("$label", ({ bytes, want }) => {
    expect(generateReferralCode(scripted(bytes))).toBe(want);
  });

  test("a source that only gives unusable bytes is an error, not a short code", () => {
    expect(() => generateReferralCode(scripted([255]))).toThrow(/too few usable bytes/);
  });

  test("random codes are the right length, from the alphabet, and normalise to themselves", () => {
    const codes = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const code = generateReferralCode();
      expect(code).toHaveLength(REFERRAL_CODE_LENGTH);
      for (const char of code) expect(REFERRAL_CODE_ALPHABET).toContain(char);
      expect(normalizeReferralCode(code)).toBe(code);
      codes.add(code);
    }
    expect(codes.size).toBe(500);
  });
});

describe("normalizeReferralCode", () => {
  test.each([
    { label: "already normal", input: "K7QM4XR", want: "K7QM4XR" },
    { label: "lower case", input: "k7qm4xr", want: "K7QM4XR" },
    { label: "mixed case with spaces around", input: "  k7Qm4xR\n", want: "K7QM4XR" },
    { label: "dashes and inner spaces", input: "k7q-m4x r", want: "K7QM4XR" },
    { label: "shortest (4)", input: "abcd", want: "ABCD" },
    { label: "longest (16)", input: "a".repeat(16), want: "A".repeat(16) },
    { label: "vanity with 0 and O kept as typed", input: "GOLD2024", want: "GOLD2024" },
    { label: "too short", input: "abc", want: null },
    { label: "too long", input: "a".repeat(17), want: null },
    { label: "empty", input: "", want: null },
    { label: "only dashes", input: "----", want: null },
    { label: "punctuation", input: "K7QM4X!", want: null },
    { label: "underscore", input: "K7QM_4XR", want: null },
    { label: "a non-ASCII letter", input: "K7QMÄXR", want: null },
    { label: "a path", input: "../K7QM4XR", want: null },
    { label: "huge input refused unread", input: `${"-".repeat(100)}ABCD`, want: null },
  ])("$label → $want", ({ input, want }) => {
    expect(normalizeReferralCode(input)).toBe(want);
  });
});

test("referralCodeKvKey is versioned and names the normalised code", () => {
  expect(referralCodeKvKey("K7QM4XR")).toBe("ref:code:v1:K7QM4XR");
});
