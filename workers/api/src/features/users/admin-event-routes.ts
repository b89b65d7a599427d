import { createRoute, z } from "@hono/zod-openapi";
import { EVENT_REWARD_KINDS } from "#durable-objects/wallet/index";
import { AppError } from "#shared/http/errors";
import { rowsToFetch, splitPage } from "#shared/paging";
import { PageQuerySchema, toIso, toIsoOrNull, UserIdParamSchema } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import {
  ADMIN_SECURITY,
  jsonBody,
  problemResponses,
  UNAVAILABLE_RESPONSE,
} from "../../http/responses";
import { walletOf } from "../../wallet-client";
import { cursorInt, decodeCursor, encodeCursor } from "./cursor";
import { knownUser } from "./store";

/**
 * What an operator reads about a user's first-party events (docs/events.md), and the user's
 * contact details from `user.signed_up`: masked by default; in clear only through a reveal
 * that names its reason, is recorded in the wallet before anything is opened, and shows in
 * the audit log (whose "after" is the masked view with the reveal's who, why and when).
 */

const security = ADMIN_SECURITY;
const tags = ["users"];
const params = UserIdParamSchema;

const EventSchema = z
  .object({
    eventId: z.string(),
    type: z.string(),
    occurredAt: z.string(),
    receivedAt: z.string(),
    keyName: z.string().describe("the event key that signed it"),
    data: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
    status: z.enum(["received", "waiting", "processed"]),
    outcome: z
      .object({
        result: z.enum(["processed", "orphaned"]),
        detail: z.string().optional(),
        ruleSetVersion: z.number().int().optional().describe("the live rules it was evaluated by"),
        referral: z
          .string()
          .optional()
          .describe(
            "a signup with referral data: how it was attributed, or why it is not a referral (docs/referrals.md)",
          ),
        rewards: z
          .array(
            z.object({
              ruleId: z.string().nullable(),
              ruleVersion: z.number().int().nullable(),
              kind: z.enum(EVENT_REWARD_KINDS),
              points: z.number().int().optional(),
              amountMinor: z.number().int().optional().describe("cashback, in minor units"),
              currency: z.string().optional(),
              asked: z
                .number()
                .int()
                .optional()
                .describe(
                  "what the rule asked for, when its budgets granted less or have yet to answer",
                ),
              detail: z.string().optional(),
            }),
          )
          .optional()
          .describe("what the event earned, or took back from the event it names"),
      })
      .nullable(),
    processedAt: z.string().nullable(),
  })
  .openapi("UserEvent");

const ContactSchema = z
  .object({
    masked: z.object({ email: z.string().optional(), phone: z.string().optional() }),
    updatedAt: z.string(),
    reveals: z.array(z.object({ revealedBy: z.string(), reason: z.string(), at: z.string() })),
  })
  .openapi("UserContactMasked");

const eventsRoute = createRoute({
  method: "get",
  path: "/users/{id}/events",
  operationId: "listAdminUserEvents",
  tags,
  security,
  summary: "A user's first-party events, newest occurrence first (keyset-paginated)",
  request: { params, query: PageQuerySchema },
  responses: {
    200: jsonBody(z.object({ items: z.array(EventSchema), nextCursor: z.string().nullable() })),
    ...problemResponses,
  },
});

const contactRoute = createRoute({
  method: "get",
  path: "/users/{id}/contact",
  operationId: "getAdminUserContact",
  tags,
  security,
  summary: "A user's contact details, masked, with the most recent reveals",
  description: "404 when the user's backend sent no e-mail or phone (`user.signed_up`).",
  request: { params },
  responses: { 200: jsonBody(ContactSchema), ...problemResponses },
});

const revealRoute = createRoute({
  method: "post",
  path: "/users/{id}/contact/reveal",
  operationId: "createAdminUserContactReveal",
  tags,
  security,
  summary: "Reveal a user's contact details in clear (recorded with its reason)",
  description:
    "Support and admin only. The reason is kept with the reveal in the user's wallet and shows " +
    "in the audit log; the details themselves are never logged or stored anywhere else.",
  request: {
    params,
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z.strictObject({
            reason: z.string().trim().min(3).max(500).describe("why the details are needed"),
          }),
        },
      },
    },
  },
  responses: {
    200: jsonBody(
      z
        .object({ email: z.string().optional(), phone: z.string().optional() })
        .openapi("UserContact"),
    ),
    ...problemResponses,
    ...UNAVAILABLE_RESPONSE,
  },
});

/** Mounted under `/admin/v1`. */
export const userEventAdminRoutes = featureApp()
  .openapi(eventsRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { cursor, limit } = c.req.valid("query");
    await knownUser(c.env, id);
    const position = decodeCursor(cursor, 2);
    const before = position
      ? { occurredAtMs: cursorInt(position[0] as string), eventId: position[1] as string }
      : null;
    const fetched = await walletOf(c.env, id).getEvents(before, rowsToFetch(limit));
    const { rows, nextCursor } = splitPage(fetched, limit, (last) =>
      encodeCursor([last.occurredAtMs, last.eventId]),
    );
    return c.json(
      {
        items: rows.map((e) => ({
          eventId: e.eventId,
          type: e.type,
          occurredAt: toIso(e.occurredAtMs),
          receivedAt: toIso(e.receivedAtMs),
          keyName: e.keyName,
          data: e.data,
          status: e.status,
          outcome: e.outcome,
          processedAt: toIsoOrNull(e.processedAtMs),
        })),
        nextCursor,
      },
      200,
    );
  })
  .openapi(contactRoute, async (c) => {
    const { id } = c.req.valid("param");
    await knownUser(c.env, id);
    const contact = await walletOf(c.env, id).getMaskedContact();
    if (!contact) throw new AppError("not_found", "no contact details were sent for this user");
    return c.json(
      {
        masked: contact.masked,
        updatedAt: toIso(contact.updatedAtMs),
        reveals: contact.reveals.map((r) => ({
          revealedBy: r.revealedBy,
          reason: r.reason,
          at: toIso(r.atMs),
        })),
      },
      200,
    );
  })
  .openapi(revealRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { reason } = c.req.valid("json");
    await knownUser(c.env, id);
    const wallet = walletOf(c.env, id);
    if (!(await wallet.getMaskedContact())) {
      throw new AppError("not_found", "no contact details were sent for this user");
    }
    const clear = await wallet.revealContact({ revealedBy: c.get("admin").name, reason });
    if (!clear) throw new AppError("unavailable", "the contact details cannot be opened now");
    c.header("cache-control", "no-store");
    return c.json(clear, 200);
  });
