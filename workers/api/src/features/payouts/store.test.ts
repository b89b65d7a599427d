import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import { describe, expect, test } from "vitest";
import { adminPayoutConditions } from "./store";

const dialect = new SQLiteSyncDialect();
const render = (...args: Parameters<typeof adminPayoutConditions>) => {
  const condition = adminPayoutConditions(...args);
  if (!condition) throw new Error("no condition");
  return dialect.sqlToQuery(condition);
};

const CREATED = '"payouts"."created_at_ms" is not null';

describe("adminPayoutConditions: the admin listing's filters as SQL", () => {
  test.each([
    { label: "no filter", filter: {}, after: null, sql: [CREATED], params: [] },
    {
      label: "status and user",
      filter: { status: "held" as const, userId: "u1" },
      after: null,
      sql: [CREATED, '"payouts"."status" = ?', '"payouts"."user_id" = ?'],
      params: ["held", "u1"],
    },
    {
      label: "flagged for attention",
      filter: { attention: true },
      after: null,
      sql: [CREATED, '"payouts"."attention" is not null'],
      params: [],
    },
    {
      label: "not flagged",
      filter: { attention: false },
      after: null,
      sql: [CREATED, '"payouts"."attention" is null'],
      params: [],
    },
    {
      label: "a creation window [from, to)",
      filter: { fromMs: 10, toMs: 20 },
      after: null,
      sql: [CREATED, '"payouts"."created_at_ms" >= ?', '"payouts"."created_at_ms" < ?'],
      params: [10, 20],
    },
    {
      label: "the page after a cursor",
      filter: {},
      after: { createdAtMs: 30, payoutId: "pay_b" },
      sql: [CREATED, '("payouts"."created_at_ms", "payouts"."id") < (?, ?)'],
      params: [30, "pay_b"],
    },
  ])("$label", ({ filter, after, sql, params }) => {
    const query = render(filter, after);
    // drizzle leaves a lone condition unbracketed.
    expect(query.sql).toBe(sql.length === 1 ? sql[0] : `(${sql.join(" and ")})`);
    expect(query.params).toEqual(params);
  });
});
