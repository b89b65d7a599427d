import { z } from "@hono/zod-openapi";
import { MAX_BUDGET_KEY_LENGTH, parseBudgetKey } from "#durable-objects/budget/index";
import { IsoTimeSchema } from "../../http/common-schemas";

const Value = z.number().int().min(0);

export const BudgetKeyParamSchema = z.object({
  key: z
    .string()
    .max(MAX_BUDGET_KEY_LENGTH)
    .refine((key) => parseBudgetKey(key) !== null, {
      message:
        "a budget key is rule:<ruleId>:user|campaign:<id>:<period> or rule:<ruleId>:global:<period>, " +
        "period day:YYYY-MM-DD, week:YYYY-Www, month:YYYY-MM or lifetime",
    })
    .openapi({
      param: { name: "key", in: "path" },
      description: "the budget key, URL-encoded",
      example: "rule:r1:user:u9:month:2026-03",
    }),
});

export const BudgetUsageSchema = z
  .object({
    budgetKey: z.string(),
    ruleId: z.string(),
    entity: z.enum(["user", "campaign", "global"]),
    entityId: z.string().nullable().describe("the user's or campaign's id; null when global"),
    period: z.enum(["day", "week", "month", "lifetime"]),
    periodKey: z
      .string()
      .describe("the local calendar period in the program's time zone, e.g. month:2026-03"),
    unit: z.string().describe("points, or the ISO 4217 currency of a money budget (minor units)"),
    limit: Value.describe("the newest limit seen (from the newest rule version)"),
    limitVersion: Value.describe("the rule version the limit came from; 0 when unversioned"),
    askedTotal: Value.describe("what the rewards holding a reservation ask for at full value"),
    grantedTotal: Value.describe("every grant ever made"),
    releasedTotal: Value.describe("given back by rollbacks and lowered requests"),
    outstanding: Value.describe("grantedTotal − releasedTotal: what the budget pays now"),
    overLimit: Value.describe(
      "of outstanding, what lies above a lowered limit (granted under an older, higher one)",
    ),
    remaining: Value.describe("max(0, limit − outstanding): what new rewards can still get"),
    reservations: Value.describe("rewards holding or asking for part of the budget"),
    partialReservations: Value.describe("of those, granted less than they asked"),
    parts: z
      .number()
      .int()
      .min(1)
      .describe(
        "how many objects new reservations are spread over (sub-budgets, configured per " +
          "campaign); every figure above is the sum over the budget's own object and its parts",
      ),
    partial: z
      .boolean()
      .describe(
        "true when a part did not answer: its figures are the budget's own view of it (all " +
          "it is lent counted as granted, its reservations not counted)",
      ),
    updatedAt: IsoTimeSchema,
  })
  .openapi("BudgetUsage");
