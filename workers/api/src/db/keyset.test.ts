import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import { describe, expect, test } from "vitest";
import { payoutDiscrepancies, payouts } from "#shared/db/schema";
import { rowValueBefore } from "./keyset";

const dialect = new SQLiteSyncDialect();

describe("rowValueBefore", () => {
  test.each([
    {
      label: "payouts: (created, id)",
      columns: [payouts.createdAtMs, payouts.id],
      values: [1_700_000_000_000, "pay_x"],
      sql: '("payouts"."created_at_ms", "payouts"."id") < (?, ?)',
    },
    {
      label: "discrepancies: four columns",
      columns: [
        payoutDiscrepancies.createdAtMs,
        payoutDiscrepancies.runId,
        payoutDiscrepancies.kind,
        payoutDiscrepancies.subject,
      ],
      values: [5, "run_1", "status_mismatch", "pay_y"],
      sql: '("payout_discrepancies"."created_at_ms", "payout_discrepancies"."run_id", "payout_discrepancies"."kind", "payout_discrepancies"."subject") < (?, ?, ?, ?)',
    },
  ])("$label", ({ columns, values, sql }) => {
    const query = dialect.sqlToQuery(rowValueBefore(columns, values));
    expect(query.sql).toBe(sql);
    expect(query.params).toEqual(values);
  });

  test.each([
    { label: "no columns", columns: [], values: [] },
    { label: "fewer values than columns", columns: [payouts.id, payouts.userId], values: ["a"] },
  ])("refuses $label", ({ columns, values }) => {
    expect(() => rowValueBefore(columns, values)).toThrow();
  });
});
