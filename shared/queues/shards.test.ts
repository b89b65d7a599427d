import { describe, expect, it } from "vitest";
import {
  baseQueueName,
  clickShardKey,
  postbackShardKey,
  queueFor,
  shardBinding,
  shardCount,
  shardOf,
  shardQueueName,
} from "./shards";

describe("shardOf", () => {
  it("is 32-bit FNV-1a mod n (published test vectors)", () => {
    // FNV-1a 32: "" → 0x811c9dc5, "a" → 0xe40c292c, "foobar" → 0xbf9cf968.
    expect(shardOf("", 2 ** 31)).toBe(0x811c9dc5 % 2 ** 31);
    expect(shardOf("a", 1_000_003)).toBe(0xe40c292c % 1_000_003);
    expect(shardOf("foobar", 97)).toBe(0xbf9cf968 % 97);
  });

  it("puts everything on shard 0 of 1 and spreads 10,000 keys evenly over 4", () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 10_000; i++) {
      expect(shardOf(`u-${i}`, 1)).toBe(0);
      counts[shardOf(`u-${i}`, 4)] = (counts[shardOf(`u-${i}`, 4)] ?? 0) + 1;
    }
    for (const c of counts) expect(c).toBeGreaterThan(2_200);
  });

  it("refuses a count below 1 or not whole", () => {
    expect(() => shardOf("k", 0)).toThrow(RangeError);
    expect(() => shardOf("k", 1.5)).toThrow(RangeError);
  });
});

describe("shard names and counts", () => {
  it.each([
    [{}, 1],
    [{ CLICK_QUEUE_SHARDS: "" }, 1],
    [{ CLICK_QUEUE_SHARDS: "3" }, 3],
    [{ CLICK_QUEUE_SHARDS: "0" }, 1],
    [{ CLICK_QUEUE_SHARDS: "2.5" }, 1],
    [{ CLICK_QUEUE_SHARDS: "65" }, 1],
    [{ CLICK_QUEUE_SHARDS: "x" }, 1],
  ])("count from %j is %i", (env, n) => {
    expect(shardCount(env, "CLICKS")).toBe(n);
  });

  it("keeps today's names for shard 0", () => {
    expect(shardBinding("CLICKS", 0)).toBe("CLICKS");
    expect(shardBinding("POSTBACKS", 2)).toBe("POSTBACKS_2");
    expect(shardQueueName("CLICKS", 0)).toBe("boomerang-clicks");
    expect(shardQueueName("LEDGER_EVENTS", 3)).toBe("boomerang-ledger-events-3");
  });

  it.each([
    ["boomerang-clicks", "boomerang-clicks"],
    ["boomerang-clicks-1", "boomerang-clicks"],
    ["boomerang-postbacks-12", "boomerang-postbacks"],
    ["boomerang-ledger-events-3", "boomerang-ledger-events"],
    ["boomerang-clicks-0", "boomerang-clicks-0"],
    ["boomerang-clicks-01", "boomerang-clicks-01"],
    ["boomerang-clicks-64", "boomerang-clicks-64"],
    ["boomerang-payouts-1", "boomerang-payouts-1"],
    ["boomerang-payouts-dlq", "boomerang-payouts-dlq"],
  ])("consumer dispatch of %s is %s", (queue, base) => {
    expect(baseQueueName(queue)).toBe(base);
  });
});

describe("queueFor", () => {
  const q0 = { name: "q0" } as unknown as Queue<unknown>;
  const q1 = { name: "q1" } as unknown as Queue<unknown>;

  it("uses the shard-0 binding alone when no count is set", () => {
    for (let i = 0; i < 50; i++) expect(queueFor({ CLICKS: q0 }, "CLICKS", `u-${i}`)).toBe(q0);
  });

  it("routes by key across configured shards", () => {
    const env = { POSTBACKS: q0, POSTBACKS_1: q1, POSTBACK_QUEUE_SHARDS: "2" };
    const seen = new Set<unknown>();
    for (let i = 0; i < 50; i++) {
      const key = `net\u0000order-${i}`;
      const queue = queueFor(env, "POSTBACKS", key);
      expect(queue).toBe(shardOf(key, 2) === 0 ? q0 : q1);
      seen.add(queue);
    }
    expect(seen.size).toBe(2);
  });

  it("throws when the count names a shard that has no binding", () => {
    const keyOnShard1 = Array.from({ length: 50 }, (_, i) => `u-${i}`).find(
      (k) => shardOf(k, 2) === 1,
    );
    expect(() =>
      queueFor({ CLICKS: q0, CLICK_QUEUE_SHARDS: "2" }, "CLICKS", keyOnShard1 ?? ""),
    ).toThrow(/CLICKS_1 is not configured/);
  });
});

describe("shard keys", () => {
  it("clicks go by user, referral clicks by referrer", () => {
    expect(clickShardKey({ kind: "click", userId: "u1" })).toBe("u1");
    expect(clickShardKey({ kind: "referral_click", referrerId: "r9" })).toBe("r9");
  });

  it("postbacks go by network and order; every update of one order shares a key", () => {
    const a = postbackShardKey({
      networkId: "n",
      postbackId: "p1",
      conversions: [{ orderId: "o" }],
    });
    const b = postbackShardKey({
      networkId: "n",
      postbackId: "p2",
      conversions: [{ orderId: "o" }],
    });
    const other = postbackShardKey({
      networkId: "m",
      postbackId: "p3",
      conversions: [{ orderId: "o" }],
    });
    expect(a).toBe(b);
    expect(other).not.toBe(a);
    // "n1" + "2" and "n" + "12" must not collide.
    expect(
      postbackShardKey({ networkId: "n1", postbackId: "x", conversions: [{ orderId: "2" }] }),
    ).not.toBe(
      postbackShardKey({ networkId: "n", postbackId: "x", conversions: [{ orderId: "12" }] }),
    );
    expect(postbackShardKey({ networkId: "n", postbackId: "p4", conversions: [] })).toBe("p4");
    expect(postbackShardKey({ networkId: "n", postbackId: "p5" })).toBe("p5");
  });
});
