import { describe, expect, it, test } from "vitest";
import { SLUG_PATTERN } from "../../ids";
import { feedRecordId } from "./feed-ids";

describe("feedRecordId", () => {
  test.each([
    { label: "plain merchant id", args: ["sbx", "shopkart"], id: "sbx-shopkart" },
    { label: "plain offer id", args: ["sbx", "shopkart", "1001"], id: "sbx-shopkart-1001" },
    { label: "network id with a dash", args: ["my-net", "shop"], id: "my-net-shop" },
  ])("$label stays readable: $id", async ({ args, id }) => {
    const [network, ...feed] = args as [string, ...string[]];
    expect(await feedRecordId(network, ...feed)).toBe(id);
  });

  test.each([
    { label: "upper case", feed: ["ShopKart"], prefix: "sbx-shopkart-" },
    { label: "a dash inside a feed id", feed: ["sbx-1001"], prefix: "sbx-sbx-1001-" },
    { label: "punctuation", feed: ["shop.kart", "A/B 1"], prefix: "sbx-shop-kart-a-b-1-" },
    { label: "nothing readable", feed: ["!!!"], prefix: "sbx-" },
    { label: "too long", feed: ["x".repeat(120)], prefix: "sbx-xxxx" },
  ])("$label is cleaned, hashed and still a slug", async ({ feed, prefix }) => {
    const id = await feedRecordId("sbx", ...feed);
    expect(id).toMatch(SLUG_PATTERN);
    expect(id.startsWith(prefix)).toBe(true);
    expect(id).toMatch(/-[0-9a-f]{12}$/);
    expect(await feedRecordId("sbx", ...feed)).toBe(id);
  });

  it.each([
    { a: ["sbx", "ShopKart"], b: ["sbx", "shopkart"] },
    { a: ["sbx", "shop.a"], b: ["sbx", "shop-a"] },
    { a: ["sbx", "a-b", "c"], b: ["sbx", "a", "b-c"] },
    { a: ["net-a", "shop"], b: ["net", "a-shop"] },
    { a: ["net-a", "shop"], b: ["net-b", "shop"] },
    { a: ["sbx", `${"x".repeat(100)}1`], b: ["sbx", `${"x".repeat(100)}2`] },
  ])("never maps two different feed records to one id: $a vs $b", async ({ a, b }) => {
    const [na, ...fa] = a as [string, ...string[]];
    const [nb, ...fb] = b as [string, ...string[]];
    expect(await feedRecordId(na, ...fa)).not.toBe(await feedRecordId(nb, ...fb));
  });

  it("refuses a network id that is not a slug", async () => {
    await expect(feedRecordId("Bad Net", "x")).rejects.toThrow(/slug/);
  });
});
