import { z } from "@hono/zod-openapi";

/** Report reconciliation schemas: runs and the orders they flagged. */

export const RunSchema = z
  .object({
    id: z.string(),
    networkId: z.string(),
    from: z.string(),
    to: z.string(),
    status: z.enum(["running", "completed", "failed"]),
    counts: z.record(z.string(), z.number().int()).describe("orders per outcome"),
    error: z.string().nullable(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .openapi("ReconciliationRun");

export const ItemSchema = z
  .object({
    orderId: z.string(),
    transactionId: z.string(),
    outcome: z.string(),
    detail: z.string().nullable(),
  })
  .openapi("ReconciliationItem");
