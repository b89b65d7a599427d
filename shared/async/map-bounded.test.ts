import { describe, expect, test } from "vitest";
import { mapBounded } from "./map-bounded";

const tick = () => new Promise((r) => setTimeout(r, 1));

describe("mapBounded", () => {
  test.each([
    { items: [], limit: 4, running: 0 },
    { items: [1], limit: 4, running: 1 },
    { items: [1, 2, 3, 4, 5, 6, 7], limit: 3, running: 3 },
    { items: [1, 2, 3], limit: 8, running: 3 },
    { items: [1, 2, 3], limit: 0, running: 1 },
  ])(
    "$items.length items, limit $limit: results in order, at most $running at once",
    async ({ items, limit, running }) => {
      let now = 0;
      let most = 0;
      const results = await mapBounded(items, limit, async (item, index) => {
        now++;
        most = Math.max(most, now);
        // Later items finish first, so order comes from the index, not from completion.
        for (let k = 0; k < items.length - index; k++) await tick();
        now--;
        return `${item}@${index}`;
      });
      expect(results).toEqual(items.map((item, i) => `${item}@${i}`));
      expect(most).toBe(running);
    },
  );

  test("a rejection rejects the map", async () => {
    await expect(
      mapBounded([1, 2, 3], 2, async (item) => {
        if (item === 2) throw new Error("two");
        return item;
      }),
    ).rejects.toThrow("two");
  });
});
