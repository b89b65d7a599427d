import { describe, expect, it } from "vitest";
import { DEFAULT_FULL_VERIFY_DAYS, fullVerifyDays, fullVerifyDue } from "./audit-anchors";

const DAY = 86_400_000;

describe("fullVerifyDue: each wallet's day in the full re-verification cycle", () => {
  const users = Array.from({ length: 500 }, (_v, i) => `u-${i}-${(i * 7919).toString(36)}`);
  const start = Date.UTC(2026, 11, 7, 3, 0, 0);

  it.each([2, 3, 7, 30])("every wallet exactly once in any %i consecutive days", (days) => {
    for (const offset of [0, 1, days - 1]) {
      for (const user of users) {
        const due = Array.from({ length: days }, (_v, d) =>
          fullVerifyDue(user, start + (offset + d) * DAY, days),
        ).filter(Boolean);
        expect(due, user).toHaveLength(1);
      }
    }
  });

  it("a slice of about 1/days of the wallets each day", () => {
    const today = users.filter((u) => fullVerifyDue(u, start, 7)).length;
    expect(today).toBeGreaterThan(users.length / 7 / 2);
    expect(today).toBeLessThan((users.length / 7) * 2);
  });

  it("the same all day long (UTC), whatever the hour", () => {
    for (const user of users.slice(0, 50)) {
      const day = Date.UTC(2026, 11, 9);
      const hours = [0, 1, 12, 23].map((h) => fullVerifyDue(user, day + h * 3_600_000, 7));
      expect(new Set(hours).size).toBe(1);
    }
  });

  it("one day per cycle: every wallet every day", () => {
    expect(users.every((u) => fullVerifyDue(u, start, 1))).toBe(true);
  });
});

describe("fullVerifyDays (LEDGER_FULL_VERIFY_DAYS)", () => {
  it.each([
    [undefined, DEFAULT_FULL_VERIFY_DAYS],
    ["", DEFAULT_FULL_VERIFY_DAYS],
    ["1", 1],
    ["14", 14],
    ["0", DEFAULT_FULL_VERIFY_DAYS],
    ["-3", DEFAULT_FULL_VERIFY_DAYS],
    ["2.5", DEFAULT_FULL_VERIFY_DAYS],
    ["weekly", DEFAULT_FULL_VERIFY_DAYS],
  ])("%j → %i", (value, days) => {
    expect(fullVerifyDays(value)).toBe(days);
  });
});
