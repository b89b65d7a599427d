import { describe, expect, test } from "vitest";
import { AppError } from "#shared/http/errors";
import { type CatalogSort, decodeCatalogCursor, encodeCatalogCursor } from "./cursor";
import { cacheKey } from "./edge-cache";

describe("catalog cursors", () => {
  test.each([
    { label: "relevance: a float score", sort: "relevance", key: -2.2000000000000006 },
    { label: "rate", sort: "rate", key: 750 },
    { label: "newest", sort: "newest", key: 1_700_000_000_000 },
    { label: "merchant: a name with accents and a pipe", sort: "merchant", key: "Café | Zürich" },
  ] as const)("round-trips $label exactly", ({ sort, key }) => {
    const cursor = encodeCatalogCursor(sort, { key, offerId: "offer-1" });
    expect(decodeCatalogCursor(cursor, sort)).toEqual({ key, offerId: "offer-1" });
  });

  test("no cursor is the first page", () => {
    expect(decodeCatalogCursor(undefined, "rate")).toBeNull();
  });

  test.each([
    { label: "not base64url", cursor: "%%%", sort: "rate" },
    { label: "not JSON", cursor: "bm90LWEtY3Vyc29y", sort: "rate" },
    {
      label: "another sort's",
      cursor: encodeCatalogCursor("rate", { key: 1, offerId: "a" }),
      sort: "newest",
    },
    {
      label: "a string key for a numeric sort",
      cursor: encodeCatalogCursor("merchant", { key: "x", offerId: "a" }),
      sort: "rate",
    },
    {
      label: "an empty offer id",
      cursor: encodeCatalogCursor("rate", { key: 1, offerId: "" }),
      sort: "rate",
    },
  ] as Array<{ label: string; cursor: string; sort: CatalogSort }>)(
    "refuses $label with a 400",
    ({ cursor, sort }) => {
      expect(() => decodeCatalogCursor(cursor, sort)).toThrow(AppError);
    },
  );
});

describe("cacheKey", () => {
  test.each([
    {
      label: "parameters in a canonical order, under the generation",
      url: "https://api.test/v1/catalog/offers?sort=rate&q=ama",
      generation: 7,
      key: "https://api.test/v1/catalog/offers?generation=7&q=ama&sort=rate",
    },
    {
      label: "the same page asked differently is one key",
      url: "https://api.test/v1/catalog/offers?q=ama&sort=rate",
      generation: 7,
      key: "https://api.test/v1/catalog/offers?generation=7&q=ama&sort=rate",
    },
    {
      label: "a new generation is a new key",
      url: "https://api.test/v1/catalog/categories",
      generation: 8,
      key: "https://api.test/v1/catalog/categories?generation=8",
    },
  ])("$label", ({ url, generation, key }) => {
    expect(cacheKey(new URL(url), generation)).toBe(key);
  });
});
