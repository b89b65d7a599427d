import { describe, expect, test } from "vitest";
import {
  DEFAULT_REASON_WINDOW_HOURS,
  type FiredReason,
  mergeReasons,
  publicReasons,
  type ReasonInForce,
  sameReasons,
  scoreOf,
} from "./risk-score";

const H = 3_600_000;
const reason = (code: string, score: number, untilMs: number): ReasonInForce => ({
  code,
  score,
  detail: code,
  ruleId: `rule-${code}`,
  ruleVersion: 1,
  sinceMs: 0,
  untilMs,
});
const fired = (code: string, score: number, releaseAfterHours?: number): FiredReason => ({
  code,
  score,
  detail: code,
  ruleId: `rule-${code}`,
  ruleVersion: 2,
  releaseAfterHours,
});

describe("scoreOf: the reasons in force, summed, at most 100", () => {
  test.each([
    { label: "no reasons", reasons: [], atMs: 0, score: 0 },
    { label: "one reason", reasons: [reason("a", 30, 10 * H)], atMs: 0, score: 30 },
    {
      label: "two reasons add",
      reasons: [reason("a", 30, 10 * H), reason("b", 25, 10 * H)],
      atMs: 0,
      score: 55,
    },
    {
      label: "capped at 100",
      reasons: [reason("a", 70, 10 * H), reason("b", 50, 10 * H)],
      atMs: 0,
      score: 100,
    },
    {
      label: "a reason ends at its untilMs (exclusive)",
      reasons: [reason("a", 70, 10 * H), reason("b", 50, 20 * H)],
      atMs: 10 * H,
      score: 50,
    },
    { label: "every reason ended", reasons: [reason("a", 70, 10 * H)], atMs: 11 * H, score: 0 },
  ])("$label → $score", ({ reasons, atMs, score }) => {
    expect(scoreOf(reasons, atMs)).toBe(score);
  });
});

describe("mergeReasons: each code once, refreshed when it fires again", () => {
  test.each([
    {
      label: "a new reason lasts its rule's releaseAfterHours",
      current: [],
      fired: [fired("click_flood", 20, 24)],
      atMs: H,
      expected: [{ code: "click_flood", score: 20, sinceMs: H, untilMs: 25 * H }],
    },
    {
      label: "without releaseAfterHours, the default window",
      current: [],
      fired: [fired("shared_device", 40)],
      atMs: 0,
      expected: [{ code: "shared_device", untilMs: DEFAULT_REASON_WINDOW_HOURS * H }],
    },
    {
      label: "firing again counts once, extends, and takes the latest score",
      current: [reason("click_flood", 20, 5 * H)],
      fired: [fired("click_flood", 35, 24)],
      atMs: 2 * H,
      expected: [{ code: "click_flood", score: 35, ruleVersion: 2, untilMs: 26 * H }],
    },
    {
      label: "a shorter window never shortens a reason in force",
      current: [reason("click_flood", 20, 100 * H)],
      fired: [fired("click_flood", 20, 1)],
      atMs: 2 * H,
      expected: [{ code: "click_flood", untilMs: 100 * H }],
    },
    {
      label: "the same code from two rules in one observation is one reason",
      current: [],
      fired: [fired("ato", 30, 24), fired("ato", 50, 48)],
      atMs: 0,
      expected: [{ code: "ato", score: 50, untilMs: 48 * H }],
    },
    {
      label: "reasons out of force are dropped, others kept, sorted by code",
      current: [reason("old", 10, H), reason("zz_kept", 10, 50 * H)],
      fired: [fired("aa_new", 5, 1)],
      atMs: 2 * H,
      expected: [{ code: "aa_new" }, { code: "zz_kept" }],
    },
  ])("$label", ({ current, fired: given, atMs, expected }) => {
    const merged = mergeReasons(current, given, atMs);
    expect(merged).toHaveLength(expected.length);
    expected.forEach((want, index) => {
      expect(merged[index]).toMatchObject(want);
    });
  });
});

test("publicReasons: heaviest first, without the bookkeeping", () => {
  expect(publicReasons([reason("a", 10, H), reason("b", 40, H), reason("c", 10, H)])).toEqual([
    { code: "b", score: 40, detail: "b" },
    { code: "a", score: 10, detail: "a" },
    { code: "c", score: 10, detail: "c" },
  ]);
});

describe("sameReasons: the risk object rewrites its reasons only when they changed", () => {
  const a = reason("click_flood", 20, 5 * H);
  const b = reason("shared_device", 40, 9 * H);
  test.each([
    { name: "both empty", x: [], y: [], same: true },
    { name: "equal lists", x: [a, b], y: [{ ...a }, { ...b }], same: true },
    { name: "one dropped (expired)", x: [a, b], y: [b], same: false },
    { name: "one added", x: [], y: [a], same: false },
    { name: "window extended", x: [a], y: [{ ...a, untilMs: 6 * H }], same: false },
    { name: "fired again later", x: [a], y: [{ ...a, sinceMs: H }], same: false },
    { name: "rule version moved", x: [a], y: [{ ...a, ruleVersion: 2 }], same: false },
    { name: "score edited", x: [a], y: [{ ...a, score: 25 }], same: false },
  ])("$name", ({ x, y, same }) => {
    expect(sameReasons(x, y)).toBe(same);
    expect(sameReasons(y, x)).toBe(same);
  });
});
