import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, test } from "vitest";
import { budgetFor, partOfHolder, reserveIn } from "#durable-objects/budget/index";
import { sendEvents } from "./events-client";
import { uniqueUser } from "./helpers";
import {
  buyAtOnce,
  expectAudited,
  newUsers,
  publish,
  refund,
  rule,
  usage,
  usersPerPart,
} from "./rule-budget-parts-client";

/**
 * A split rule budget whose rule changes (docs/rules.md "Budget parts", "When the limit
 * changes"): the limit carries its rule version from the wallet to the part and the root, so
 * a refund of a reward granted under an older, higher limit cannot set a lowered limit back
 * up; a lowered limit is the root's before it reclaims the parts' spare, so a dry part that
 * borrows meanwhile is judged against it; and a rule that goes back to one object is one
 * object again. Through the rules API, the events worker, the wallets and the real budget
 * objects, or straight to the budget objects where the order of two requests matters.
 */

/** 5% on `m-stale`, 12,000 in 4 parts, then lowered to 6,000. */
const STALE = rule("stale-5pc", "m-stale", 12_000, 4);
/** 5% on `m-unsplit`, 12,000 in 4 parts, then one object (the rule's next version). */
const UNSPLIT = rule("unsplit-5pc", "m-unsplit", 12_000, 4);

beforeAll(async () => {
  await publish([STALE, UNSPLIT]);
});

describe("a split rule budget whose rule changes", () => {
  test("a full refund of a reward granted under the older, higher limit does not set the lowered limit back up", async () => {
    const key = "rule:stale-5pc:global:lifetime";
    // One reward of 1,000 in each part under 12,000.
    const before = await buyAtOnce(usersPerPart("stale-a", 4, 1), 20_000, "m-stale");
    expect(before.total).toBe(4_000);

    const lowered = await publish([rule("stale-5pc", "m-stale", 6_000, 4), UNSPLIT]);
    // Two buyers in every part: each part tells the root the lowered limit; 2,000 more at most.
    const after = await buyAtOnce(usersPerPart("stale-b", 4, 2), 20_000, "m-stale");
    expect(after.total).toBe(2_000);
    expect(await usage(key)).toMatchObject({
      limit: 6_000,
      limitVersion: lowered,
      outstanding: 6_000,
      remaining: 0,
    });

    // The refund's release keeps its saved request's terms (12,000, the older version): it
    // goes to its part, which does not hand that limit to the root.
    const paid = before.confirmed.indexOf(1_000);
    await sendEvents(refund(before.users[paid] as string, before.ids[paid] as string, 20_000));
    expect(await usage(key)).toMatchObject({ limit: 6_000, outstanding: 5_000 });

    // New buyers in every part borrow through the root: only the 1,000 refunded is granted.
    const late = await buyAtOnce(usersPerPart("stale-c", 4, 2), 20_000, "m-stale");
    expect(late.total).toBe(1_000);
    expect(await usage(key)).toMatchObject({ limit: 6_000, outstanding: 6_000, remaining: 0 });
    await expectAudited(key, [4]);
  });

  test("a split rule budget that goes back to one object mid-period keeps the whole bound and says so", async () => {
    const key = "rule:unsplit-5pc:global:lifetime";
    const before = await buyAtOnce(newUsers("unsplit-4", 6), 20_000, "m-unsplit");
    expect(before.total).toBe(6_000);
    expect(await usage(key)).toMatchObject({ parts: 4 });

    await publish([
      rule("stale-5pc", "m-stale", 6_000, 4),
      rule("unsplit-5pc", "m-unsplit", 12_000),
    ]);
    // 16 asks of 1,000 at the root: only the 6,000 the 4 parts still hold can be granted.
    const after = await buyAtOnce(newUsers("unsplit-1", 16), 20_000, "m-unsplit");
    expect(after.total).toBe(6_000);
    expect(await usage(key)).toMatchObject({ outstanding: 12_000, remaining: 0, parts: 1 });
    expect(await budgetFor(env, key).layout()).toEqual({ parts: 1 });

    // A reward granted under 4 parts is released where it was granted (its request pinned 4).
    const paid = before.confirmed.indexOf(1_000);
    await sendEvents(refund(before.users[paid] as string, before.ids[paid] as string, 20_000));
    expect(await usage(key)).toMatchObject({ outstanding: 11_000, remaining: 1_000 });
    const late = await buyAtOnce(newUsers("unsplit-late", 2), 20_000, "m-unsplit");
    expect(late.total).toBe(1_000);
    expect(await usage(key)).toMatchObject({ outstanding: 12_000, remaining: 0, parts: 1 });
    await expectAudited(key, [4]);
  });

  test("a dry part borrowing while the root reclaims for a lowered limit is judged against it", async () => {
    const key = "rule:race:global:lifetime";
    const inPart = (index: number) => {
      for (;;) {
        const user = uniqueUser("race");
        if (partOfHolder(user, 4).index === index) return user;
      }
    };
    const ask = (holder: string, limit: number, limitVersion: number, desired: number) =>
      reserveIn(env, 4, {
        budgetKey: key,
        unit: "points",
        limit,
        limitVersion,
        holder,
        reference: "evt:r:points",
        desired,
        seq: 1,
      });
    // 12,000 lent as 3,000 to each part; part 3 grants all of its share.
    expect(await ask(inPart(3), 12_000, 1, 3_000)).toMatchObject({ granted: 3_000 });

    // Version 2 lowers the limit to 4,000 (told by part 0) while part 3, dry, borrows for
    // requests of version 1 (a reward's retry keeps its terms): 1,000 more at most in all.
    const answers = await Promise.all([
      ask(inPart(0), 4_000, 2, 1),
      ask(inPart(3), 12_000, 1, 3_000),
      ask(inPart(3), 12_000, 1, 3_000),
    ]);
    const granted = answers.reduce((sum, a) => sum + a.granted, 0);
    expect(granted).toBeLessThanOrEqual(1_000);
    const now = await usage(key);
    expect(now).toMatchObject({ limit: 4_000, limitVersion: 2 });
    expect(now.outstanding).toBeLessThanOrEqual(4_000);
    await expectAudited(key, [4]);
  });
});
