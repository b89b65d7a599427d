import { env } from "cloudflare:workers";
import { expect, test } from "vitest";
import {
  holderCounts,
  holdersOf,
  type LinkRow,
  recordLinks,
} from "#workers/api/src/features/fraud/identity-store";
import { uniqueUser } from "./helpers";

/**
 * The risk consumer's D1 links and the linked-accounts read at the size of a busy queue batch:
 * every query stays within D1's limits (100 bound parameters, 5 terms in a compound SELECT).
 * `npm run scenario:fraud` found both reads failing once more than 5 identifiers were asked.
 */
test("a batch's worth of identifiers is recorded and counted, each holder once", async () => {
  const users = [uniqueUser("links-a"), uniqueUser("links-b")];
  const rows: LinkRow[] = [];
  for (let i = 0; i < 120; i++) {
    // 60 identifiers, each held by both users.
    for (const userId of users) {
      rows.push({ kind: "device", hash: `v1.bulk-${users[0]}-${i % 60}`, userId, seenAtMs: i });
    }
  }
  await recordLinks(env.DB, rows);
  const counts = await holderCounts(env.DB, rows);
  expect(counts.size).toBe(60);
  expect([...counts.values()].every((n) => n === 2)).toBe(true);
});

test("the other holders of many identifiers are read, a bounded few per identifier", async () => {
  const users = [uniqueUser("holders-a"), uniqueUser("holders-b"), uniqueUser("holders-c")];
  const rows: LinkRow[] = [];
  for (let i = 0; i < 12; i++) {
    for (const userId of users) {
      rows.push({ kind: "ip_prefix", hash: `v1.many-${users[0]}-${i}`, userId, seenAtMs: i });
    }
  }
  await recordLinks(env.DB, rows);
  const pairs = rows.filter((r) => r.userId === users[0]);
  const holders = await holdersOf(env.DB, pairs, [users[0] as string], 1);
  // One other holder per identifier (the limit), never the excluded user.
  expect(holders).toHaveLength(12);
  expect(holders.every((h) => h.userId !== users[0])).toBe(true);
});
