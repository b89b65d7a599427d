import { describe, expect, it } from "vitest";
import { PartBuffer } from "./part-buffer";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (part: Uint8Array | null) => (part === null ? null : new TextDecoder().decode(part));

describe("PartBuffer", () => {
  it.each([
    { size: 4, chunks: ["abcdef"], parts: ["abcd"], last: "ef" },
    { size: 4, chunks: ["ab", "cd", "ef"], parts: ["abcd"], last: "ef" },
    { size: 3, chunks: ["a", "bcdefgh", "i"], parts: ["abc", "def", "ghi"], last: null },
    { size: 2, chunks: ["", "abcdefg"], parts: ["ab", "cd", "ef"], last: "g" },
    { size: 10, chunks: ["abc"], parts: [], last: "abc" },
    { size: 10, chunks: [], parts: [], last: null },
  ])("cuts $chunks into parts of $size", ({ size, chunks, parts, last }) => {
    const buffer = new PartBuffer(size);
    const emitted = chunks.flatMap((c) => buffer.push(bytes(c)).map(text));
    expect(emitted).toEqual(parts);
    expect(text(buffer.flush())).toBe(last);
    expect(buffer.flush()).toBeNull();
  });

  it("refuses a part size below one byte", () => {
    expect(() => new PartBuffer(0)).toThrow(RangeError);
  });
});
