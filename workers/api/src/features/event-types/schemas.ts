import { z } from "@hono/zod-openapi";
import {
  CustomEventTypeSpecSchema,
  CustomFieldSpecSchema,
} from "#shared/events/custom-event-types";
import { CUSTOM_EVENT_TYPE_PATTERN } from "#shared/events/event-schema";
import { IsoTimeSchema } from "../../http/common-schemas";

/** Custom event type request and response schemas (docs/events.md "Custom event types"). */

export const EventTypeParamSchema = z.object({
  type: z
    .string()
    .regex(
      CUSTOM_EVENT_TYPE_PATTERN,
      "custom event types are custom.<name>: a-z, 0-9 and _, starting with a letter, up to 48",
    )
    .openapi({ param: { name: "type", in: "path" }, example: "custom.quiz_won" }),
});

export const EventTypeSpecInputSchema = CustomEventTypeSpecSchema.openapi("CustomEventTypeSpec", {
  example: {
    description: "a user won a quiz",
    active: true,
    fields: {
      quizId: { type: "string", required: true, maxLength: 64 },
      score: { type: "integer", required: true, min: 0, max: 100 },
      mode: { type: "enum", values: ["solo", "team"] },
    },
  },
});

export const EventTypeSchema = z
  .object({
    type: z.string().describe("custom.<name>"),
    description: z.string().nullable(),
    active: z.boolean().describe("false: events of the type are refused (400)"),
    fields: z.record(z.string(), CustomFieldSpecSchema),
    version: z
      .number()
      .int()
      .describe("the version of the set of types this write produced (grows with every write)"),
    createdAt: IsoTimeSchema,
    updatedAt: IsoTimeSchema,
  })
  .openapi("CustomEventType");

export const EventTypeListSchema = z
  .object({
    items: z.array(EventTypeSchema),
    version: z
      .number()
      .int()
      .describe("the version of the registered set, as the events worker caches it; 0: none"),
  })
  .openapi("CustomEventTypeList");
