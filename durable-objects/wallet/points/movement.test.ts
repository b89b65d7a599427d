import { describe, expect, it } from "vitest";
import { movementSources } from "./movement";

const lot = (sourceType: string, earned: number, spent = 0, expired = 0, reversed = 0) => ({
  sourceType,
  earned,
  spent,
  expired,
  reversed,
});
const was = (spent = 0, expired = 0, reversed = 0) => ({ spent, expired, reversed });

describe("movementSources", () => {
  it.each([
    {
      name: "an earn credits the new lot's points",
      kind: "points_earn",
      touched: [{ lot: lot("purchase", 120), before: was() }],
      want: [{ sourceType: "purchase", earned: 120, spent: 0, expired: 0, reversed: 0 }],
    },
    {
      name: "an earn repaying debt: earned and the repaid part reversed",
      kind: "points_earn",
      touched: [{ lot: lot("review", 50, 0, 0, 30), before: was() }],
      want: [{ sourceType: "review", earned: 50, spent: 0, expired: 0, reversed: 30 }],
    },
    {
      name: "an activation moves nothing the funnel counts",
      kind: "points_activate",
      touched: [{ lot: lot("purchase", 120), before: was() }],
      want: [],
    },
    {
      name: "a redemption across two sources, summed per source",
      kind: "points_redeem_cashback",
      touched: [
        { lot: lot("purchase", 100, 100), before: was(20) },
        { lot: lot("purchase", 50, 10), before: was() },
        { lot: lot("login_streak", 30, 30), before: was() },
      ],
      want: [
        { sourceType: "purchase", earned: 0, spent: 90, expired: 0, reversed: 0 },
        { sourceType: "login_streak", earned: 0, spent: 30, expired: 0, reversed: 0 },
      ],
    },
    {
      name: "an expiry",
      kind: "points_expire",
      touched: [{ lot: lot("purchase", 100, 40, 60), before: was(40) }],
      want: [{ sourceType: "purchase", earned: 0, spent: 0, expired: 60, reversed: 0 }],
    },
    {
      name: "a restore gives reversed points back (negative)",
      kind: "points_restore",
      touched: [{ lot: lot("purchase", 100, 0, 0, 0), before: was(0, 0, 75) }],
      want: [{ sourceType: "purchase", earned: 0, spent: 0, expired: 0, reversed: -75 }],
    },
  ])("$name", ({ kind, touched, want }) => {
    expect(movementSources(kind, touched)).toEqual(want);
  });
});
