import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, test } from "vitest";
import { budgetFor, partName, partOfHolder, reserveIn } from "#durable-objects/budget/index";
import { sendEvents } from "./events-client";
import { balances, walletStub } from "./helpers";
import {
  buyAtOnce as buyUsersAtOnce,
  expectAudited,
  newUsers,
  publish,
  refund,
  rule,
  usage,
} from "./rule-budget-parts-client";

/**
 * A rule budget split into parts (docs/rules.md "Budget parts"): the rule's `budgets[i].parts`
 * is published with the rule, each wallet asks part `shardOf(userId, parts)` carrying the
 * rule's limit, and the part borrows from the budget's own object (the root), which learns the
 * limit from it. Through the rules API, the events worker, the wallets and the real budget
 * objects: the whole limit is spent exactly and never more, a refund gives its grant back to
 * the part it came from, and a new part count or a lowered limit mid-period keeps the bound.
 */

/** 5% on `m-split`, at most 10,000 minor in all, in 4 parts. */
const SPLIT = rule("split-5pc", "m-split", 10_000, 4);
/** 5% on `m-moved`, at most 12,000 in all: 4 parts, then 2 (the rule's next version). */
const MOVED = rule("moved-5pc", "m-moved", 12_000, 4);
/** 5% on `m-lowered`, 12,000 in 4 parts, then lowered to 6,000. */
const LOWERED = rule("lowered-5pc", "m-lowered", 12_000, 4);

/** `n` new users buying `amountMinor` at `merchantId` all at once; their confirmed cashback. */
const buyAtOnce = (prefix: string, n: number, amountMinor: number, merchantId: string) =>
  buyUsersAtOnce(newUsers(prefix, n), amountMinor, merchantId);

beforeAll(async () => {
  await publish([SPLIT, MOVED, LOWERED]);
});

describe("a rule budget split into parts", () => {
  test("many users at once spend exactly its limit across 4 parts, never more; a refund gives back to its part", async () => {
    const key = "rule:split-5pc:global:lifetime";
    // 24 asks of 1,000 against 10,000, spread over the 4 parts by user id.
    const first = await buyAtOnce("split", 24, 20_000, "m-split");
    expect(new Set(first.users.map((u) => partOfHolder(u, 4).index)).size).toBe(4);
    expect(first.total).toBe(10_000);
    expect(first.confirmed.every((c) => c >= 0 && c <= 1_000)).toBe(true);
    expect(await usage(key)).toMatchObject({
      limit: 10_000,
      grantedTotal: 10_000,
      outstanding: 10_000,
      remaining: 0,
      parts: 4,
    });
    // The grants were made in the parts, not in the root: each part holds its users' share.
    const byPart = new Map<number, number>();
    first.users.forEach((u, i) => {
      const index = partOfHolder(u, 4).index;
      byPart.set(index, (byPart.get(index) ?? 0) + (first.confirmed[i] as number));
    });
    for (const [index, granted] of byPart.entries()) {
      const part = await budgetFor(env, partName(key, { parts: 4, index })).partUsage();
      expect(part?.grantedTotal ?? 0).toBeGreaterThanOrEqual(granted);
      expect((part?.grantedTotal ?? 0) - (part?.releasedTotal ?? 0)).toBe(granted);
    }
    await expectAudited(key, [4]);

    // A full refund of one paid reward goes back to the part it was granted in; a newcomer
    // (any part) is granted again, borrowing it through the root if it is another part.
    const paid = first.confirmed.indexOf(1_000);
    const refunded = first.users[paid] as string;
    await sendEvents(refund(refunded, first.ids[paid] as string, 20_000));
    expect(await balances(refunded)).toMatchObject({ confirmed: 0 });
    expect(await usage(key)).toMatchObject({ outstanding: 9_000, remaining: 1_000 });
    const late = await buyAtOnce("split-late", 3, 20_000, "m-split");
    expect(late.total).toBe(1_000);
    expect(await usage(key)).toMatchObject({ outstanding: 10_000, remaining: 0 });
    await expectAudited(key, [4]);
    expect(await walletStub(refunded).audit()).toEqual({ ok: true, violations: [] });
  });

  test("a part's requests are idempotent: a repeat gets the same grant, a replayed release and a stale reserve change nothing", async () => {
    const key = "rule:direct-split:global:lifetime";
    const ask = (desired: number, seq: number) =>
      reserveIn(env, 4, {
        budgetKey: key,
        unit: "points",
        limit: 1_000,
        holder: "u-replay",
        reference: "evt-1:r:points",
        desired,
        seq,
      });
    // The first request creates the budget at the root, from the limit it carried.
    expect(await ask(300, 1)).toMatchObject({ status: "granted", granted: 300 });
    expect(await ask(300, 1)).toMatchObject({ status: "repeat", granted: 300 });
    expect(await usage(key)).toMatchObject({ limit: 1_000, outstanding: 300, parts: 4 });
    expect(await ask(0, 2)).toMatchObject({ status: "granted", granted: 0 });
    expect(await ask(0, 2)).toMatchObject({ status: "repeat", granted: 0 });
    expect(await ask(300, 1)).toMatchObject({ status: "stale", granted: 0, seq: 2 });
    expect(await usage(key)).toMatchObject({ outstanding: 0, remaining: 1_000 });
    await expectAudited(key, [4]);
  });

  test("a new part count mid-period keeps the whole bound: old parts give their spare to the new ones", async () => {
    const key = "rule:moved-5pc:global:lifetime";
    // 6 asks of 1,000 under 4 parts: all granted, 6,000 of 12,000 left in the four parts.
    const before = await buyAtOnce("moved-4", 6, 20_000, "m-moved");
    expect(before.total).toBe(6_000);

    await publish([SPLIT, rule("moved-5pc", "m-moved", 12_000, 2), LOWERED]);
    // 16 asks of 1,000 under 2 parts: only the 6,000 the 4 parts still hold can be granted.
    const after = await buyAtOnce("moved-2", 16, 20_000, "m-moved");
    expect(after.total).toBe(6_000);
    expect(await usage(key)).toMatchObject({ outstanding: 12_000, remaining: 0 });

    // A reward granted under 4 parts is released where it was granted (its request pinned 4).
    const paid = before.confirmed.indexOf(1_000);
    await sendEvents(refund(before.users[paid] as string, before.ids[paid] as string, 20_000));
    expect(await usage(key)).toMatchObject({ outstanding: 11_000, remaining: 1_000 });
    const late = await buyAtOnce("moved-late", 2, 20_000, "m-moved");
    expect(late.total).toBe(1_000);
    expect(await usage(key)).toMatchObject({ outstanding: 12_000, remaining: 0 });
    await expectAudited(key, [4, 2]);
  });

  test("a lowered limit is the root's at the next request, and the parts' spare stops granting above it", async () => {
    const key = "rule:lowered-5pc:global:lifetime";
    const before = await buyAtOnce("lowered-a", 4, 20_000, "m-lowered");
    expect(before.total).toBe(4_000);

    await publish([
      SPLIT,
      rule("moved-5pc", "m-moved", 12_000, 2),
      rule("lowered-5pc", "m-lowered", 6_000, 4),
    ]);
    // 12 asks of 1,000 under a 6,000 limit with 4,000 granted: 2,000 more at most, though the
    // four parts were lent all 12,000 under the older limit.
    const after = await buyAtOnce("lowered-b", 12, 20_000, "m-lowered");
    expect(after.total).toBe(2_000);
    expect(await usage(key)).toMatchObject({ limit: 6_000, outstanding: 6_000, remaining: 0 });
    await expectAudited(key, [4]);
  });
});
