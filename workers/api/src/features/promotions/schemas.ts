import { z } from "@hono/zod-openapi";
import { SEGMENT_PATTERN } from "#durable-objects/wallet/index";
import { toIso, toIsoOrNull } from "../../http/common-schemas";
import { ALL_MEMBERS } from "./segments-store";
import type { PromoSendRow } from "./store";

export const PROMO_SEND_ID_PATTERN = /^ps_[A-Za-z0-9_-]{1,60}$/;

const SegmentSchema = z
  .string()
  .refine((s) => s === ALL_MEMBERS || SEGMENT_PATTERN.test(s), {
    message: "a segment name (a lower-case slug) or * for all members",
  })
  .describe("the segment whose members get the message, or `*` for all members");

export const PromoSendInputSchema = z
  .object({
    segment: SegmentSchema,
    headline: z.string().trim().min(1).max(120).describe("the message's title ({{headline}})"),
    body: z.string().trim().min(1).max(1000).describe("the message's text ({{body}})"),
    url: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .describe("where a tap or click leads ({{url}})"),
    sendAtMs: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("when the fan-out starts (ms since the epoch); absent or past: now"),
  })
  .openapi("PromoSendInput");

export const PromoSendSchema = z
  .object({
    id: z.string(),
    segment: z.string(),
    headline: z.string(),
    body: z.string(),
    url: z.string(),
    status: z.enum(["scheduled", "sending", "completed", "cancelled"]),
    sendAt: z.string(),
    audience: z.number().int().describe("members in the segment when the send was created"),
    enqueued: z
      .number()
      .int()
      .describe("events put on the promotional queue so far (opted-in members)"),
    skipped: z.number().int().describe("members passed over: not opted in to promotions"),
    createdBy: z.string(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    endedAt: z.string().nullable(),
    cancelledBy: z.string().nullable(),
  })
  .openapi("PromoSend");

export type PromoSendView = z.infer<typeof PromoSendSchema>;

export function promoSendView(row: PromoSendRow): PromoSendView {
  return {
    id: row.id,
    segment: row.segment,
    headline: row.headline,
    body: row.body,
    url: row.url,
    status: row.status,
    sendAt: toIso(row.sendAtMs),
    audience: row.audience,
    enqueued: row.enqueued,
    skipped: row.skipped,
    createdBy: row.createdBy,
    createdAt: toIso(row.createdAtMs),
    startedAt: toIsoOrNull(row.startedAtMs),
    endedAt: toIsoOrNull(row.endedAtMs),
    cancelledBy: row.cancelledBy,
  };
}

export const PromoSendIdParam = z.object({
  id: z
    .string()
    .regex(PROMO_SEND_ID_PATTERN, "not a promotional send id")
    .openapi({ param: { name: "id", in: "path" } }),
});

export const PromoSendListQuery = z.object({
  cursor: z.string().max(200).optional().describe("opaque cursor from the previous page"),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const PromoSendListSchema = z
  .object({ sends: z.array(PromoSendSchema), nextCursor: z.string().nullable() })
  .openapi("PromoSendList");

export const SegmentListSchema = z
  .object({
    segments: z.array(z.object({ segment: z.string(), members: z.number().int() })),
    allMembers: z.number().int().describe("every registered member (the `*` audience)"),
  })
  .openapi("SegmentList");
