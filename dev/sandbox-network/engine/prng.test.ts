import { describe, expect, test } from "vitest";
import { Mulberry32 } from "./prng";

describe("Mulberry32", () => {
  test("the same seed gives the same sequence", () => {
    const a = new Mulberry32(42);
    const b = new Mulberry32(42);
    const seqA = Array.from({ length: 20 }, () => a.next());
    const seqB = Array.from({ length: 20 }, () => b.next());
    expect(seqA).toEqual(seqB);
  });

  test("different seeds give different sequences", () => {
    const a = new Mulberry32(1);
    const b = new Mulberry32(2);
    expect(Array.from({ length: 5 }, () => a.next())).not.toEqual(
      Array.from({ length: 5 }, () => b.next()),
    );
  });

  test("pinned values (a change here changes every recorded sandbox run)", () => {
    const prng = new Mulberry32(1);
    expect([prng.int(1_000_000), prng.int(1_000_000), prng.int(1_000_000)]).toEqual(PINNED_SEED_1);
  });

  test("state resumes the sequence", () => {
    const a = new Mulberry32(7);
    a.next();
    a.next();
    const b = new Mulberry32(a.state);
    expect(b.next()).toBe(a.next());
  });

  test.each([
    {
      label: "floats stay in [0, 1)",
      check: (p: Mulberry32) => ((v) => v >= 0 && v < 1)(p.next()),
    },
    {
      label: "int(6) stays in 0..5",
      check: (p: Mulberry32) => ((v) => Number.isInteger(v) && v >= 0 && v < 6)(p.int(6)),
    },
  ])("$label", ({ check }) => {
    const prng = new Mulberry32(123);
    for (let i = 0; i < 10_000; i++) expect(check(prng)).toBe(true);
  });

  test("int covers every value roughly evenly", () => {
    const prng = new Mulberry32(99);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 40_000; i++) {
      const v = prng.int(4);
      counts[v] = (counts[v] ?? 0) + 1;
    }
    for (const count of counts) expect(count).toBeGreaterThan(9_000);
  });

  test("chance(0) never draws and chance(1) always holds", () => {
    const prng = new Mulberry32(5);
    const before = prng.state;
    expect(prng.chance(0)).toBe(false);
    expect(prng.state).toBe(before);
    expect(prng.chance(1)).toBe(true);
  });

  test("shuffle is a permutation and is reproducible", () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const a = new Mulberry32(3).shuffle([...items]);
    const b = new Mulberry32(3).shuffle([...items]);
    expect(a).toEqual(b);
    expect([...a].sort((x, y) => x - y)).toEqual(items);
    expect(a).not.toEqual(items);
  });

  test.each([{ seed: 1.5 }, { seed: Number.NaN }])(
    "refuses a non-integer seed ($seed)",
    ({ seed }) => {
      expect(() => new Mulberry32(seed)).toThrow(RangeError);
    },
  );

  test("int refuses a bound below 1", () => {
    expect(() => new Mulberry32(1).int(0)).toThrow(RangeError);
  });
});

// mulberry32(1) starts 0.627073…, 0.002735…, 0.527447… (as the reference implementation).
const PINNED_SEED_1 = [627073, 2735, 527447];
