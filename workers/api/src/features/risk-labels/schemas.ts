import { z } from "@hono/zod-openapi";
import { DEFAULT_MAX_ROWS, EXPORT_ID_PATTERN, MAX_MAX_ROWS, MAX_RANGE_MS } from "./export";

/** The labels export's request and response schemas (docs/fraud.md "Labels export"). */

const EpochMsSchema = z.number().int().min(0).max(8_640_000_000_000_000);

export const RiskLabelExportInputSchema = z
  .object({
    fromMs: EpochMsSchema.describe("holds that ended at or after this time (epoch ms)"),
    toMs: EpochMsSchema.describe("…and before this time (epoch ms, exclusive)"),
    maxRows: z
      .number()
      .int()
      .min(1)
      .max(MAX_MAX_ROWS)
      .default(DEFAULT_MAX_ROWS)
      .describe("the most rows written; a longer export is cut off and says `truncated`"),
  })
  .strict()
  .refine((b) => b.toMs > b.fromMs, { message: "toMs must be after fromMs", path: ["toMs"] })
  .refine((b) => b.toMs - b.fromMs <= MAX_RANGE_MS, {
    message: "one export covers at most 366 days",
    path: ["toMs"],
  })
  .openapi("RiskLabelExportInput");

export const RiskLabelExportSchema = z
  .object({
    id: z.string(),
    key: z.string().describe("the CSV's object key in the RISK_EXPORTS bucket"),
    rows: z.number().int().describe("rows written, the header not counted"),
    bytes: z.number().int().describe("the CSV's size"),
    fromMs: z.number().int(),
    toMs: z.number().int(),
    maxRows: z.number().int(),
    truncated: z.boolean().describe("true: more labelled holds were in the range than maxRows"),
    createdAtMs: z.number().int(),
    createdBy: z.string().describe("the admin key or operator that asked for it"),
  })
  .openapi("RiskLabelExport");

export const RiskLabelExportCreatedSchema = z
  .object({ export: RiskLabelExportSchema })
  .openapi("RiskLabelExportCreated");

export const RiskLabelExportListSchema = z
  .object({ exports: z.array(RiskLabelExportSchema), nextCursor: z.string().nullable() })
  .openapi("RiskLabelExportList");

export const RiskLabelExportListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z
    .string()
    .regex(EXPORT_ID_PATTERN, "a cursor from the previous page")
    .optional()
    .describe("nextCursor of the previous page"),
});

export const RiskLabelExportIdParam = z.object({
  id: z
    .string()
    .regex(EXPORT_ID_PATTERN, "an export id as the list gives it")
    .openapi({ param: { name: "id", in: "path" } }),
});
