import { describe, expect, test } from "vitest";
import { offerCategories, searchDocument } from "./search-document";

describe("offerCategories", () => {
  test.each([
    { label: "none", rates: {}, excluded: undefined, categories: [] },
    {
      label: "sorted",
      rates: { toys: 100, books: 200 },
      excluded: undefined,
      categories: ["books", "toys"],
    },
    {
      label: "excluded ones left out",
      rates: { phones: 300, gift_cards: 500 },
      excluded: ["gift_cards"],
      categories: ["phones"],
    },
    {
      label: "an exclusion without a rate changes nothing",
      rates: { phones: 300 },
      excluded: ["recharge"],
      categories: ["phones"],
    },
  ] as Array<{
    label: string;
    rates: Record<string, number>;
    excluded: string[] | undefined;
    categories: string[];
  }>)("$label", ({ rates, excluded, categories }) => {
    expect(
      offerCategories({
        basis: "sale",
        defaultRateBps: 100,
        categoryRates: rates,
        ...(excluded ? { excludedCategories: excluded } : {}),
      }),
    ).toEqual(categories);
  });
});

describe("searchDocument", () => {
  test("copies the offer's text and the merchant's name, and derives facets from the terms", () => {
    expect(
      searchDocument(
        {
          id: "o1",
          merchantId: "m1",
          title: "Café deals",
          description: "Breakfast",
          createdAtMs: 1_700_000_000_000,
          cashbackTerms: {
            basis: "sale",
            defaultRateBps: 200,
            categoryRates: { coffee: 800, vouchers: 900 },
            excludedCategories: ["vouchers"],
          },
        },
        "Lumière",
      ),
    ).toEqual({
      offerId: "o1",
      merchantId: "m1",
      title: "Café deals",
      description: "Breakfast",
      merchantName: "Lumière",
      offerCreatedAtMs: 1_700_000_000_000,
      categories: "coffee",
      categoryList: ["coffee"],
      // The excluded category's 9% is not advertised (headlineRateBps).
      headlineRateBps: 800,
    });
  });
});
