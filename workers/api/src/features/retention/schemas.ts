import { z } from "@hono/zod-openapi";
import { IsoTimeSchema } from "../../http/common-schemas";

/** Retention's request and response schemas: one received postback, body included. */

export const PostbackIdParam = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, "postback ids are 1-64 chars of A-Z, a-z, 0-9, '_' and '-'")
    .openapi({ param: { name: "id", in: "path" } }),
});

export const ReceivedPostbackSchema = z
  .object({
    id: z.string(),
    networkId: z.string(),
    receivedAt: IsoTimeSchema,
    verdict: z.enum(["accepted", "rejected"]),
    rejectReason: z.string().nullable(),
    orderId: z.string().nullable(),
    sourceIp: z.string().nullable(),
    rawBody: z
      .string()
      .nullable()
      .describe(
        "the body as received (credentials redacted, at most 16 KiB); read back from the " +
          "archive when it was moved there; null only if the archive object is gone",
      ),
    archive: z
      .object({
        key: z.string().describe("the POSTBACK_ARCHIVE object (gzip NDJSON)"),
        line: z.number().int().describe("the body's line in it, from 0"),
      })
      .nullable()
      .describe("where the body is kept when it is no longer in D1; null: in D1"),
  })
  .openapi("ReceivedPostback");
