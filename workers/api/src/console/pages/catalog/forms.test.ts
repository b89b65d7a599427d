import { describe, expect, test } from "vitest";
import { campaignBody, type FormValues, networkBody, offerBody } from "./forms";

const SECRET = "a-postback-secret-of-24-chars-or-more";

describe("networkBody: write-only secrets", () => {
  test.each<{ label: string; values: FormValues; has: object; lacks: string | null }>([
    {
      label: "an empty report token is left out (the API keeps the stored one)",
      values: { postbackSecret: SECRET, reportApiToken: "" },
      has: { postbackSecret: SECRET },
      lacks: "reportApiToken",
    },
    {
      label: "a typed report token replaces it",
      values: { postbackSecret: SECRET, reportApiToken: "token-123456" },
      has: { reportApiToken: "token-123456" },
      lacks: null,
    },
    {
      label: "remove sends null, whatever was typed",
      values: { postbackSecret: SECRET, reportApiToken: "typed", removeReportApiToken: "on" },
      has: { reportApiToken: null },
      lacks: null,
    },
  ])("$label", ({ values, has, lacks }) => {
    const built = networkBody({
      name: "N",
      trackingTemplate: "https://n.test/?s={subid}",
      ...values,
    });
    expect(built.errors).toEqual([]);
    expect(built.body).toMatchObject(has);
    if (lacks) expect(built.body).not.toHaveProperty(lacks);
  });

  test("the postback secret is needed on every save; bad options JSON is named", () => {
    const built = networkBody({ name: "N", options: "{oops" });
    expect(built.errors.map((e) => e.path)).toEqual(["options", "postbackSecret"]);
    expect(built.body).not.toHaveProperty("postbackSecret");
  });
});

describe("offerBody", () => {
  const base = {
    merchantId: "shop",
    title: "T",
    currency: "eur",
    defaultRatePercent: "7.5",
    returnWindowDays: "30",
  };

  test.each<{ label: string; values: FormValues; cashback: object }>([
    {
      label: "defaults stay out of the stored terms",
      values: {},
      cashback: { basis: "sale", defaultRateBps: 750, categoryRates: {} },
    },
    {
      label: "exclusions, lowest_rate and a cap in the offer's currency",
      values: {
        excludedCategories: " gift cards ,recharges,, ",
        policy: "lowest_rate",
        cap: "12.34",
        categoryRates: '{"books": 900}',
      },
      cashback: {
        basis: "sale",
        defaultRateBps: 750,
        categoryRates: { books: 900 },
        excludedCategories: ["gift cards", "recharges"],
        policy: "lowest_rate",
        capMinor: 1234,
      },
    },
  ])("$label", ({ values, cashback }) => {
    const built = offerBody({ ...base, ...values }, "UTC");
    expect(built.errors).toEqual([]);
    expect(built.body.cashback).toEqual(cashback);
    expect(built.body.currency).toBe("EUR");
    expect(built.body.returnWindowDays).toBe(30);
  });

  test.each<{ label: string; values: FormValues; path: string }>([
    {
      label: "a rate with three decimals",
      values: { defaultRatePercent: "1.234" },
      path: "cashback.defaultRateBps",
    },
    {
      label: "category rates that are not JSON",
      values: { categoryRates: "books=5" },
      path: "cashback.categoryRates",
    },
    { label: "a cap that is not an amount", values: { cap: "lots" }, path: "cashback.capMinor" },
    { label: "a start that is not a date-time", values: { startsAt: "soon" }, path: "startsAt" },
  ])("named under the API's path: $label", ({ values, path }) => {
    expect(offerBody({ ...base, ...values }, "UTC").errors.map((e) => e.path)).toEqual([path]);
  });

  test("a return window that is not a whole number goes as typed, for the API to name", () => {
    expect(offerBody({ ...base, returnWindowDays: "ten" }, "UTC").body.returnWindowDays).toBe(
      "ten",
    );
  });
});

describe("campaignBody", () => {
  test("boost in percent, budget in the campaign's currency, empty targets null", () => {
    const built = campaignBody(
      {
        name: "C",
        offerId: "o",
        merchantId: "",
        boostRatePercent: "2",
        currency: "JPY",
        budget: "5000",
      },
      "UTC",
    );
    expect(built.errors).toEqual([]);
    expect(built.body).toMatchObject({
      offerId: "o",
      merchantId: null,
      category: null,
      boostRateBps: 200,
      budgetMinor: 5000,
      active: false,
    });
  });
});

describe("campaignBody: budget parts", () => {
  const base = { name: "C", offerId: "o", boostRatePercent: "2", currency: "EUR", budget: "100" };

  test("blank stays out of the body: the API keeps the campaign's count", () => {
    const built = campaignBody({ ...base, budgetParts: "  " }, "UTC");
    expect(built.errors).toEqual([]);
    expect(built.body).not.toHaveProperty("budgetParts");
  });

  test.each(["1", "4", " 64 "])("%s is sent as a number", (typed) => {
    const built = campaignBody({ ...base, budgetParts: typed }, "UTC");
    expect(built.errors).toEqual([]);
    expect(built.body.budgetParts).toBe(Number(typed));
  });

  test.each(["0", "65", "-1", "2.5", "four", "1e1", "0004"])(
    "%s is named beside the field and not sent",
    (typed) => {
      const built = campaignBody({ ...base, budgetParts: typed }, "UTC");
      expect(built.errors.map((e) => e.path)).toEqual(["budgetParts"]);
      expect(built.body).not.toHaveProperty("budgetParts");
    },
  );
});
