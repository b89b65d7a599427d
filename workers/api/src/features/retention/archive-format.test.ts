import { describe, expect, test } from "vitest";
import {
  archiveKeyFor,
  archiveLines,
  bodyAtLine,
  gunzip,
  gzip,
  takeWithinBytes,
} from "./archive-format";

const rows = [
  { id: "pb_1", receivedAtMs: Date.UTC(2026, 0, 5, 10), rawBody: '{"order_id":"A"}' },
  { id: "pb_2", receivedAtMs: Date.UTC(2026, 0, 5, 11), rawBody: "line\nbreak and ünïcode" },
];

describe("archive objects", () => {
  test("a body is read back from its line, and only under its own id", async () => {
    const ndjson = archiveLines(rows);
    const roundTrip = await gunzip(await gzip(ndjson));
    expect(roundTrip).toBe(ndjson);
    expect(bodyAtLine(roundTrip, 1, "pb_2")).toBe("line\nbreak and ünïcode");
    expect(bodyAtLine(roundTrip, 0, "pb_2")).toBeNull();
    expect(bodyAtLine(roundTrip, 2, "pb_1")).toBeNull();
  });

  test("the key depends on the content: same rows, same key; other rows, another key", async () => {
    const key = await archiveKeyFor(rows, archiveLines(rows));
    expect(key).toMatch(/^received-postbacks\/v1\/2026\/01\/05\/\d+-[0-9a-f]{32}\.ndjson\.gz$/);
    expect(await archiveKeyFor(rows, archiveLines(rows))).toBe(key);
    const fewer = rows.slice(0, 1);
    expect(await archiveKeyFor(fewer, archiveLines(fewer))).not.toBe(key);
  });
});

describe("takeWithinBytes", () => {
  const body = (chars: number) => ({ rawBody: "x".repeat(chars) });
  test.each([
    { label: "all fit", sizes: [10, 10, 10], maxBytes: 100, want: 3 },
    { label: "stops before the one that overflows", sizes: [10, 10, 10], maxBytes: 60, want: 2 },
    { label: "always at least one, however large", sizes: [1_000], maxBytes: 10, want: 1 },
    { label: "nothing to take", sizes: [], maxBytes: 10, want: 0 },
  ])("$label", ({ sizes, maxBytes, want }) => {
    expect(takeWithinBytes(sizes.map(body), maxBytes)).toHaveLength(want);
  });
});
