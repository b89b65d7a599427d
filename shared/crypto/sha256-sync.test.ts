import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { toHex, utf8 } from "./encoding";
import { sha256Hex } from "./sha256-sync";

describe("sha256 (synchronous)", () => {
  // FIPS 180-4 examples (NIST CSRC "SHA256.pdf", "SHA2_Additional.pdf").
  test.each([
    ["", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
    ["abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
    [
      "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    ],
    [
      "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
    ],
    ["a".repeat(1_000_000), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"],
  ])("%#: FIPS 180-4 vector", (message, digest) => {
    expect(sha256Hex(utf8.encode(message))).toBe(digest);
  });

  test.each([55, 56, 63, 64, 65, 119, 120])("padding boundary: %i bytes", async (n) => {
    const bytes = new Uint8Array(n).map((_, i) => (i * 7) & 0xff);
    const expected = toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
    expect(sha256Hex(bytes)).toBe(expected);
  });

  test("equals crypto.subtle on arbitrary bytes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (bytes) => {
        const expected = toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
        expect(sha256Hex(bytes)).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});
