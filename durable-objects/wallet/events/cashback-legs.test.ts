import { describe, expect, test } from "vitest";
import { creditLegs, restoreLegs, takeLegs } from "./cashback-legs";

const sum = (legs: { bucket: string; amountMinor: number }[], bucket: string) =>
  legs.filter((l) => l.bucket === bucket).reduce((s, l) => s + l.amountMinor, 0);

describe("creditLegs", () => {
  test.each([
    { label: "no debt: all to confirmed", amount: 500, debt: 0, confirmed: 500, debtMove: 0 },
    { label: "some debt: repaid first", amount: 500, debt: 200, confirmed: 300, debtMove: -200 },
    {
      label: "debt above the credit: all repays",
      amount: 500,
      debt: 900,
      confirmed: 0,
      debtMove: -500,
    },
  ])("$label", ({ amount, debt, confirmed, debtMove }) => {
    const legs = creditLegs(amount, "INR", debt);
    expect(sum(legs, "confirmed")).toBe(confirmed);
    expect(sum(legs, "debt")).toBe(debtMove);
    expect(legs.every((l) => l.amountMinor !== 0 && l.currency === "INR")).toBe(true);
  });
});

describe("takeLegs", () => {
  test.each([
    { label: "confirmed covers it", amount: 500, confirmed: 800, taken: 500, debt: 0 },
    {
      label: "partly withdrawn: the rest is debt",
      amount: 500,
      confirmed: 300,
      taken: 300,
      debt: 200,
    },
    { label: "all withdrawn: all debt", amount: 500, confirmed: 0, taken: 0, debt: 500 },
  ])("$label", ({ amount, confirmed, taken, debt }) => {
    const take = takeLegs(amount, "INR", confirmed);
    expect(take).toMatchObject({ takenMinor: taken, debtMinor: debt });
    expect(sum(take.legs, "confirmed") + taken).toBe(0);
    expect(sum(take.legs, "debt")).toBe(debt);
  });
});

describe("restoreLegs", () => {
  test.each([
    {
      label: "no debt made",
      take: { takenMinor: 500, debtMinor: 0 },
      owed: 0,
      confirmed: 500,
      debtMove: 0,
    },
    {
      label: "its debt still owed: cancelled",
      take: { takenMinor: 300, debtMinor: 200 },
      owed: 200,
      confirmed: 300,
      debtMove: -200,
    },
    {
      label: "its debt partly repaid meanwhile",
      take: { takenMinor: 300, debtMinor: 200 },
      owed: 50,
      confirmed: 450,
      debtMove: -50,
    },
    {
      label: "its debt repaid in full meanwhile",
      take: { takenMinor: 300, debtMinor: 200 },
      owed: 0,
      confirmed: 500,
      debtMove: 0,
    },
  ])("$label", ({ take, owed, confirmed, debtMove }) => {
    const legs = restoreLegs(take, "INR", owed);
    expect(sum(legs, "confirmed")).toBe(confirmed);
    expect(sum(legs, "debt")).toBe(debtMove);
    // The member's net position gets back exactly what was taken.
    expect(sum(legs, "confirmed") - sum(legs, "debt")).toBe(take.takenMinor + take.debtMinor);
  });
});
