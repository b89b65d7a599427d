import { type Context, Hono } from "hono";
import { z } from "zod";
import { createLogger, errorFields } from "#shared/observability/logger";
import { exponentialBackoff } from "#shared/retry/backoff";
import {
  deliveryRequest,
  type EndpointFault,
  isoTime,
  type NetworkFaults,
  type PostbackFaults,
  type PostbackLogEntry,
  SANDBOX_ERROR_STATUS,
  SandboxError,
  SandboxFeedOfferSchema,
  SandboxFeedSchema,
  type SandboxLineItem,
  type SandboxOrder,
  wireBody,
} from "../engine";
import { jsonBody, problem, SandboxBadRequest, validate } from "../engine/problem";
import type { SandboxHost } from "./host";
import { StateTooLargeError } from "./state-store";

/**
 * The sandbox worker's HTTP API, served by the Durable Object (docs/sandbox.md):
 *
 *   the network's own API        GET  /sandbox/report · /sandbox/feed · /sandbox/click
 *   driving it (dev and tests)   POST /sandbox/orders, /sandbox/orders/:id/<action>,
 *                                POST /sandbox/faults, PUT /sandbox/feed, POST /sandbox/deliver …
 *
 * Control bodies are snake_case JSON like the generic format. Errors are problem+json.
 */

const Amount = z.number().int("amounts are integer minor units").min(0).max(1_000_000_000_000);
const IsoTime = z.iso.datetime({ offset: true });
const Status = z.enum(["pending", "approved", "cancelled"]);

const LineItemBody = z
  .object({
    sku: z.string().min(1).max(128).optional(),
    category: z.string().min(1).max(64).optional(),
    amount_minor: Amount,
    commission_minor: Amount.optional(),
    quantity: z.number().int().min(1).max(1_000_000).optional(),
  })
  .strict();

const PostbackFaultsBody = z
  .object({
    duplicates: z.number().int().min(1).max(10).optional().describe("copies of this postback"),
    lose: z.boolean().optional().describe("drop this postback"),
    delay_ms: z
      .number()
      .int()
      .min(0)
      .max(7 * 86_400_000)
      .optional(),
  })
  .strict();

const When = {
  at: IsoTime.optional().describe("when the change happens at the network; default now"),
  faults: PostbackFaultsBody.optional(),
};

const PlaceOrderBody = z
  .object({
    order_id: z.string().min(1).max(128),
    sub_id: z.string().min(1).max(400),
    currency: z.string().regex(/^[A-Z]{3}$/, "currency must be a 3-letter ISO 4217 code"),
    sale_amount_minor: Amount,
    commission_minor: Amount,
    category: z.string().min(1).max(64).optional(),
    line_items: z.array(LineItemBody).max(100).optional(),
    status: Status.optional().describe("first status; default pending"),
    campaign_ref: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .describe("the network's advertiser/campaign reference; default the clicked offer"),
    ...When,
  })
  .strict();

const ChangeBody = z.object(When).strict();

const RefundBody = z
  .object({
    sale_amount_minor: Amount.describe("amount refunded"),
    commission_minor: Amount.describe("commission taken back"),
    line_items: z
      .array(LineItemBody)
      .max(100)
      .optional()
      .describe("the order's lines after the refund"),
    ...When,
  })
  .strict();

const CorrectBody = z
  .object({
    status: Status.optional(),
    sale_amount_minor: Amount.optional(),
    commission_minor: Amount.optional(),
    category: z.string().min(1).max(64).nullable().optional(),
    line_items: z.array(LineItemBody).max(100).nullable().optional(),
    ...When,
  })
  .strict();

const Times = z
  .number()
  .int()
  .min(1)
  .max(1_000_000)
  .optional()
  .describe("fail this many requests; default all");
const EndpointFaultBody = z
  .union([
    z.object({ status: z.number().int().min(400).max(599), times: Times }).strict(),
    z.object({ timeout_ms: z.number().int().min(0).max(600_000), times: Times }).strict(),
  ])
  .nullable();

const FaultsBody = z
  .object({
    duplicates: z.number().int().min(1).max(10),
    lose: z.boolean(),
    lose_rate: z.number().min(0).max(1),
    delay_ms: z
      .number()
      .int()
      .min(0)
      .max(7 * 86_400_000),
    delay_jitter_ms: z
      .number()
      .int()
      .min(0)
      .max(7 * 86_400_000),
    shuffle: z.boolean(),
    feed: EndpointFaultBody,
    report: EndpointFaultBody,
  })
  .partial()
  .strict();

const DeliverBody = z.object({ limit: z.number().int().min(1).max(1_000).optional() }).strict();

const ResetBody = z
  .object({
    seed: z.number().int().optional(),
    report_page_size: z.number().int().min(1).max(1_000).optional(),
    report_lag_ms: z
      .number()
      .int()
      .min(0)
      .max(7 * 86_400_000)
      .optional(),
    extended_fields: z.boolean().optional(),
    require_click: z.boolean().optional(),
  })
  .strict();

/** A network that does not answer 2xx is retried like a real network would: 10 s, doubling, ≤ 5 min. */
export function retryDelayMs(attempt: number): number {
  return exponentialBackoff(attempt, { base: 10_000, cap: 300_000 });
}

/**
 * The control and network API over one `SandboxHost`.
 *
 * @example
 * const app = createControlApp(await SandboxHost.open(storage, config));
 * await app.fetch(new Request("http://sandbox/sandbox/orders", { method: "POST", body }));
 */
export function createControlApp(host: SandboxHost): Hono {
  const app = new Hono();

  // ---- the network's own API (what Boomerang and shoppers call) ----------------------------
  const networkApi = (path: string) => async (c: Context) => {
    const network = host.network;
    const before = JSON.stringify(network.faults());
    const response = await network.handle(c.req.raw);
    // A click is recorded and a fault counts down: keep what changed.
    if (path === "/sandbox/click" || JSON.stringify(network.faults()) !== before) await host.save();
    return response;
  };
  for (const path of ["/sandbox/report", "/sandbox/feed", "/sandbox/click"]) {
    app.get(path, networkApi(path));
  }
  // Each format's own report API (the engine answers 404 unless the network speaks it).
  // Admitad and Impact build their paths from an origin, so theirs sit at the root.
  for (const path of [
    "/statistics/actions/",
    "/Mediapartners/:sid/Actions",
    "/sandbox/template/report",
  ]) {
    app.get(path, networkApi(path));
  }
  app.post("/sandbox/cj/query", networkApi("/sandbox/cj/query"));

  // ---- inspection --------------------------------------------------------------------------
  app.get("/sandbox/state", (c) => {
    const network = host.network;
    return c.json({
      network_id: network.networkId,
      format: network.format,
      seed: network.seed,
      report_page_size: network.reportPageSize,
      report_lag_ms: network.reportLagMs,
      extended_fields: network.extendedFields,
      require_click: network.requireClick,
      postback_url: new URL(
        `/postback/${network.networkId}`,
        host.config.postbackBaseUrl,
      ).toString(),
      faults: faultsView(network.faults()),
      orders: network.orders().length,
      pending_postbacks: network.pendingPostbacks().length,
      next_due_at: dueView(network.nextDueAtMs()),
      recent_clicks: network
        .clicks()
        .slice(-20)
        .map((click) => ({ sub_id: click.subId, offer: click.offerRef, at: isoTime(click.atMs) })),
    });
  });

  app.get("/sandbox/orders", (c) => c.json({ orders: host.network.orders().map(orderView) }));

  app.get("/sandbox/orders/:orderId", (c) => {
    const order = host.network.order(c.req.param("orderId"));
    if (order === null)
      throw new SandboxError("unknown_order", `no order ${c.req.param("orderId")}`);
    return c.json(orderView(order));
  });

  app.get("/sandbox/postbacks", (c) => {
    const network = host.network;
    return c.json({
      pending: network.pendingPostbacks().map((entry) => ({
        delivery_id: `pb-${entry.seq}-${entry.copy}`,
        order_id: entry.orderId,
        status: entry.status,
        due_at: isoTime(entry.dueAtMs),
        attempts: entry.attempts,
        body: JSON.parse(entry.body) as unknown,
        ...(entry.params !== undefined ? { params: Object.fromEntries(entry.params) } : {}),
      })),
      log: network.postbackLog().map(logView),
    });
  });

  // ---- orders ------------------------------------------------------------------------------
  app.post("/sandbox/orders", async (c) => {
    const body = validate(PlaceOrderBody, await readJson(c));
    const change = await mutate(host, (network) =>
      network.placeOrder({
        orderId: body.order_id,
        subId: body.sub_id,
        currency: body.currency,
        saleAmountMinor: body.sale_amount_minor,
        commissionMinor: body.commission_minor,
        ...(body.category !== undefined ? { category: body.category } : {}),
        ...(body.line_items !== undefined ? { lineItems: body.line_items.map(lineItem) } : {}),
        ...(body.status !== undefined ? { status: body.status } : {}),
        ...(body.campaign_ref !== undefined ? { campaignRef: body.campaign_ref } : {}),
        atMs: body.at !== undefined ? Date.parse(body.at) : host.now(),
        faults: postbackFaults(body.faults),
      }),
    );
    return c.json({ order: orderView(change.order), postback: logView(change.postback) }, 201);
  });

  app.post("/sandbox/orders/:orderId/:action", async (c) => {
    const orderId = c.req.param("orderId");
    const action = c.req.param("action");
    const json = await readJson(c);
    const at = (given: string | undefined) => changeTime(host, orderId, given);
    const change = await (async () => {
      switch (action) {
        case "approve":
        case "cancel": {
          const body = validate(ChangeBody, json);
          return mutate(host, (network) =>
            network[action](orderId, at(body.at), postbackFaults(body.faults)),
          );
        }
        case "refund": {
          const body = validate(RefundBody, json);
          return mutate(host, (network) =>
            network.refund(
              orderId,
              {
                saleAmountMinor: body.sale_amount_minor,
                commissionMinor: body.commission_minor,
                ...(body.line_items !== undefined
                  ? { lineItems: body.line_items.map(lineItem) }
                  : {}),
              },
              at(body.at),
              postbackFaults(body.faults),
            ),
          );
        }
        case "correct": {
          const body = validate(CorrectBody, json);
          return mutate(host, (network) =>
            network.correct(
              orderId,
              {
                ...(body.status !== undefined ? { status: body.status } : {}),
                ...(body.sale_amount_minor !== undefined
                  ? { saleAmountMinor: body.sale_amount_minor }
                  : {}),
                ...(body.commission_minor !== undefined
                  ? { commissionMinor: body.commission_minor }
                  : {}),
                ...(body.category !== undefined ? { category: body.category } : {}),
                ...(body.line_items !== undefined
                  ? { lineItems: body.line_items === null ? null : body.line_items.map(lineItem) }
                  : {}),
              },
              at(body.at),
              postbackFaults(body.faults),
            ),
          );
        }
        default:
          return null;
      }
    })();
    if (change === null) {
      return problem(404, "not_found", "actions are approve, cancel, refund and correct");
    }
    return c.json({ order: orderView(change.order), postback: logView(change.postback) });
  });

  // ---- faults and feed -----------------------------------------------------------------------
  app.get("/sandbox/faults", (c) => c.json(faultsView(host.network.faults())));

  app.post("/sandbox/faults", async (c) => {
    const body = validate(FaultsBody, await readJson(c));
    const faults = await mutate(host, (network) =>
      network.setFaults({
        ...(body.duplicates !== undefined ? { duplicates: body.duplicates } : {}),
        ...(body.lose !== undefined ? { lose: body.lose } : {}),
        ...(body.lose_rate !== undefined ? { loseRate: body.lose_rate } : {}),
        ...(body.delay_ms !== undefined ? { delayMs: body.delay_ms } : {}),
        ...(body.delay_jitter_ms !== undefined ? { delayJitterMs: body.delay_jitter_ms } : {}),
        ...(body.shuffle !== undefined ? { shuffle: body.shuffle } : {}),
        ...(body.feed !== undefined ? { feed: endpointFault(body.feed) } : {}),
        ...(body.report !== undefined ? { report: endpointFault(body.report) } : {}),
      }),
    );
    return c.json(faultsView(faults));
  });

  app.delete("/sandbox/faults", async (c) => {
    await mutate(host, (network) => network.clearFaults());
    return c.json(faultsView(host.network.faults()));
  });

  app.put("/sandbox/feed", async (c) => {
    const feed = validate(SandboxFeedSchema, await readJson(c));
    return c.json(await mutate(host, (network) => network.setFeed(feed)));
  });

  app.put("/sandbox/feed/merchants/:merchantId/offers/:offerId", async (c) => {
    const offer = validate(SandboxFeedOfferSchema, await readJson(c));
    if (offer.id !== c.req.param("offerId"))
      throw new SandboxBadRequest("the body's id must match the path's offer id");
    return c.json(
      await mutate(host, (network) => network.upsertOffer(c.req.param("merchantId"), offer)),
    );
  });

  app.delete("/sandbox/feed/merchants/:merchantId/offers/:offerId", async (c) => {
    const removed = await mutate(host, (network) =>
      network.removeOffer(c.req.param("merchantId"), c.req.param("offerId")),
    );
    if (!removed) return problem(404, "not_found", "no such offer in the feed");
    return c.json(host.network.feed());
  });

  // ---- delivery and reset ----------------------------------------------------------------------
  app.post("/sandbox/deliver", async (c) => {
    const body = validate(DeliverBody, await readJson(c));
    // Captured once: a reset while this request awaits Boomerang must not receive old retries.
    const network = host.network;
    const nowMs = host.now();
    const deliveries = await network.drainPostbacks(nowMs, body.limit ?? 100);
    // Saved before sending: a crash mid-delivery loses copies (as a real network can), never resends them.
    await persist(host);
    const results = [];
    let requeued = false;
    // One at a time, in the sandbox's delivery order: that order is what is under test.
    for (const delivery of deliveries) {
      let httpStatus: number | null = null;
      let response = "";
      let error: string | null = null;
      try {
        const answer = await host.fetch(deliveryRequest(delivery, host.config.postbackBaseUrl));
        httpStatus = answer.status;
        response = (await answer.text()).slice(0, 1_000);
      } catch (failure) {
        error = String(failure).slice(0, 300);
      }
      const retry = httpStatus === null || httpStatus === 429 || httpStatus >= 500;
      const again = retry && network.requeue(delivery, nowMs + retryDelayMs(delivery.attempts));
      requeued ||= again;
      results.push({
        delivery_id: delivery.deliveryId,
        order_id: delivery.orderId,
        status: delivery.status,
        attempt: delivery.attempts,
        http_status: httpStatus,
        response,
        error,
        requeued: again,
      });
    }
    if (requeued && network === host.network) await persist(host);
    return c.json({
      delivered: results,
      pending: host.network.pendingPostbacks().length,
      next_due_at: dueView(host.network.nextDueAtMs()),
    });
  });

  app.post("/sandbox/reset", async (c) => {
    const body = validate(ResetBody, await readJson(c));
    const network = await host.reset({
      ...(body.seed !== undefined ? { seed: body.seed } : {}),
      ...(body.report_page_size !== undefined ? { reportPageSize: body.report_page_size } : {}),
      ...(body.report_lag_ms !== undefined ? { reportLagMs: body.report_lag_ms } : {}),
      ...(body.extended_fields !== undefined ? { extendedFields: body.extended_fields } : {}),
      ...(body.require_click !== undefined ? { requireClick: body.require_click } : {}),
    });
    return c.json({ network_id: network.networkId, seed: network.seed });
  });

  app.get("/healthz", (c) => c.json({ ok: true, worker: "sandbox-network" }));

  app.notFound(() => problem(404, "not_found", "no such route"));
  app.onError((error, c) => {
    if (error instanceof SandboxError)
      return problem(SANDBOX_ERROR_STATUS[error.code], error.code, error.message);
    if (error instanceof SandboxBadRequest)
      return problem(400, "validation_failed", error.message, { errors: error.fields });
    if (error instanceof StateTooLargeError) return problem(507, "state_too_large", error.message);
    createLogger({ worker: "sandbox-network" }).error("sandbox.request_failed", {
      method: c.req.method,
      path: c.req.path,
      ...errorFields(error),
    });
    return problem(500, "internal", "An unexpected error occurred.");
  });

  return app;
}

/** Runs a change and persists it. */
async function mutate<T>(
  host: SandboxHost,
  change: (network: SandboxHost["network"]) => T,
): Promise<T> {
  const result = change(host.network);
  await persist(host);
  return result;
}

/** Saves; a state that cannot be saved is undone in memory too, so memory never runs ahead of storage. */
async function persist(host: SandboxHost): Promise<void> {
  try {
    await host.save();
  } catch (error) {
    await host.reload();
    throw error;
  }
}

/** The time of a change: the given one, else now, nudged past the order's last change. */
function changeTime(host: SandboxHost, orderId: string, given: string | undefined): number {
  if (given !== undefined) return Date.parse(given);
  const last = host.network.order(orderId)?.versions.at(-1)?.updatedAtMs ?? 0;
  return Math.max(host.now(), last + 1);
}

async function readJson(c: Context): Promise<unknown> {
  return jsonBody(await c.req.text());
}

function lineItem(line: z.infer<typeof LineItemBody>): SandboxLineItem {
  return {
    ...(line.sku !== undefined ? { sku: line.sku } : {}),
    ...(line.category !== undefined ? { category: line.category } : {}),
    amountMinor: line.amount_minor,
    ...(line.commission_minor !== undefined ? { commissionMinor: line.commission_minor } : {}),
    ...(line.quantity !== undefined ? { quantity: line.quantity } : {}),
  };
}

function postbackFaults(body: z.infer<typeof PostbackFaultsBody> | undefined): PostbackFaults {
  return {
    ...(body?.duplicates !== undefined ? { duplicates: body.duplicates } : {}),
    ...(body?.lose !== undefined ? { lose: body.lose } : {}),
    ...(body?.delay_ms !== undefined ? { delayMs: body.delay_ms } : {}),
  };
}

function endpointFault(body: z.infer<typeof EndpointFaultBody>): EndpointFault | null {
  if (body === null) return null;
  const times = body.times ?? null;
  return "status" in body
    ? { kind: "status", status: body.status, times }
    : { kind: "timeout", afterMs: body.timeout_ms, times };
}

function endpointView(fault: EndpointFault | null) {
  if (fault === null) return null;
  return fault.kind === "status"
    ? { status: fault.status, times: fault.times }
    : { timeout_ms: fault.afterMs, times: fault.times };
}

function faultsView(faults: NetworkFaults) {
  return {
    duplicates: faults.duplicates,
    lose: faults.lose,
    lose_rate: faults.loseRate,
    delay_ms: faults.delayMs,
    delay_jitter_ms: faults.delayJitterMs,
    shuffle: faults.shuffle,
    feed: endpointView(faults.feed),
    report: endpointView(faults.report),
  };
}

function orderView(order: SandboxOrder) {
  const current = order.versions[order.versions.length - 1];
  if (current === undefined) throw new Error("an order always has a version");
  return {
    ...wireBody(order, current, true),
    history: order.versions.map((version) => ({
      op: version.op,
      status: version.status,
      sale_amount_minor: version.saleAmountMinor,
      commission_minor: version.commissionMinor,
      updated_at: isoTime(version.updatedAtMs),
    })),
  };
}

function logView(entry: PostbackLogEntry) {
  return {
    seq: entry.seq,
    order_id: entry.orderId,
    op: entry.op,
    status: entry.status,
    fate: entry.fate,
    copies: entry.copies,
    due_at: isoTime(entry.dueAtMs),
  };
}

function dueView(ms: number | null): string | null {
  return ms === null ? null : isoTime(ms);
}
