import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type OfferConfig, offerConfigKey } from "#shared/config/offer-config";
import { signLinkToken } from "#shared/links/link-token";
import type { PostbackMessage } from "#shared/messages";
import { signPostback } from "#shared/postback/signature";
import { gunzip } from "#workers/api/src/features/retention/archive-format";
import apiWorker, { CRONS } from "#workers/api/src/index";
import postbackWorker from "#workers/postback/src/index";
import {
  ADMIN_HEADERS,
  adminPut,
  api,
  clickThrough,
  d1Transaction,
  eventually,
  followLink,
  postbackBody,
  seedCatalog,
  sendPostback,
  uniqueUser,
  waitForClicks,
} from "./helpers";

/**
 * Retention of received postbacks through the real workers: the per-source bound on rejected
 * ones at intake, the retention cron (driven through the api worker's scheduled handler, its
 * scheduled time standing in for the clock) deleting expired rejected rows and archiving old
 * accepted bodies to R2, and the operator's view reading an archived body back. Also the
 * offer terms bound that keeps every click's queue message small.
 */

const NETWORK = "test-net";
const OFFER = "test-shop-offer";
const DAY_MS = 86_400_000;
const JUNK_IP = "203.0.113.77";
const BOUND = 100;

beforeAll(async () => {
  await seedCatalog();
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** A postback from `ip` through the postback worker, signed with the wrong secret. */
async function junkPostback(ip: string, orderId: string): Promise<Response> {
  const rawBody = postbackBody({ order_id: orderId, sub_id: "x".repeat(40) });
  const t = Math.floor(Date.now() / 1000);
  const ctx = createExecutionContext();
  const response = await postbackWorker.fetch(
    new Request(`https://postback.test/postback/${NETWORK}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "cf-connecting-ip": ip,
        "boomerang-signature": await signPostback(
          "wrong-secret-0123456789abcdef",
          NETWORK,
          rawBody,
          t,
        ),
      },
      body: rawBody,
    }) as Request<unknown, IncomingRequestCfProperties>,
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

function rowsFrom(ip: string) {
  return env.DB.prepare(`SELECT COUNT(*) AS n FROM received_postbacks WHERE source_ip = ?`)
    .bind(ip)
    .first<{ n: number }>()
    .then((r) => r?.n ?? 0);
}

/** Log events of the api worker, as `(event, fields)`, read from its JSON lines. */
function spyOnLogEvents() {
  const events: Array<{ event: string; [field: string]: unknown }> = [];
  const capture = (line: unknown) => {
    if (typeof line !== "string" || !line.startsWith("{")) return;
    events.push(JSON.parse(line) as { event: string });
  };
  vi.spyOn(console, "log").mockImplementation(capture);
  vi.spyOn(console, "warn").mockImplementation(capture);
  return events;
}

/** Runs the retention cron as the api worker's scheduled handler at `scheduledTimeMs`. */
async function runRetentionAt(scheduledTimeMs: number) {
  const events = spyOnLogEvents();
  const ctx = createExecutionContext();
  await apiWorker.scheduled(
    createScheduledController({ cron: CRONS.postbackRetention, scheduledTime: scheduledTimeMs }),
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  vi.restoreAllMocks();
  const report = events.find((e) => e.event === "cron.postback_retention");
  if (!report) throw new Error("the retention cron logged no report");
  return report;
}

type StoredRow = {
  id: string;
  verdict: string;
  raw_body: string;
  archive_key: string | null;
  archive_line: number | null;
};

function rowsForOrders(orderIds: string[]) {
  return env.DB.prepare(
    `SELECT id, verdict, raw_body, archive_key, archive_line FROM received_postbacks
     WHERE order_id IN (${orderIds.map(() => "?").join(", ")}) ORDER BY id`,
  )
    .bind(...orderIds)
    .all<StoredRow>()
    .then((r) => r.results);
}

describe("rejected postbacks are bounded per source IP per hour", () => {
  it("junk from one IP beyond the bound is counted, not stored; another IP still is", async () => {
    const events = spyOnLogEvents();
    const sent = BOUND + 10;
    for (let i = 0; i < sent; i++) {
      expect((await junkPostback(JUNK_IP, `JUNK-${i}`)).status).toBe(401);
    }
    expect((await junkPostback("198.51.100.8", "JUNK-OTHER-IP")).status).toBe(401);

    const notStored = () =>
      events
        .filter((e) => e.event === "postback.rejected_not_stored")
        .reduce((sum, e) => sum + Number(e.notStored ?? 0), 0);
    await eventually(
      async () => notStored() >= sent - BOUND && (await rowsFrom(JUNK_IP)) === BOUND,
    );
    expect(await rowsFrom(JUNK_IP)).toBe(BOUND);
    expect(await eventually(async () => (await rowsFrom("198.51.100.8")) === 1)).toBe(true);
    // The log event counts; it never carries a body or the source address.
    const event = events.find((e) => e.event === "postback.rejected_not_stored");
    expect(event).toMatchObject({ networkId: NETWORK, boundPerSourcePerHour: BOUND });
    expect(JSON.stringify(event)).not.toContain(JUNK_IP);
    expect(JSON.stringify(event)).not.toContain("JUNK-");
  });
});

describe("the retention cron", () => {
  it("deletes expired rejected rows, archives old accepted bodies to R2, and the admin view still shows them; a re-run changes nothing", async () => {
    // Two accepted postbacks, credited through the whole flow, and one rejected.
    const accepted: Array<{ orderId: string; rawBody: string }> = [];
    for (const label of ["keep-a", "keep-b"]) {
      const user = uniqueUser(label);
      const { subId } = await clickThrough(user, OFFER);
      await waitForClicks(user);
      const orderId = `RET-${user}`;
      const rawBody = postbackBody({ order_id: orderId, sub_id: subId });
      expect((await sendPostback(NETWORK, rawBody)).status).toBe(202);
      await eventually(() => d1Transaction(NETWORK, orderId));
      accepted.push({ orderId, rawBody });
    }
    const rejectedOrder = `RET-REJ-${uniqueUser("rej")}`;
    expect((await junkPostback("192.0.2.50", rejectedOrder)).status).toBe(401);
    const orders = [...accepted.map((a) => a.orderId), rejectedOrder];
    await eventually(async () => (await rowsForOrders(orders)).length === 3);

    // A month on: rejected rows are past 7 days, accepted bodies past 30.
    const inAMonth = Date.now() + 31 * DAY_MS;
    const first = await runRetentionAt(inAMonth);
    expect(first.rejectedDeleted).toBeGreaterThanOrEqual(1);
    expect(first.archivedRows).toBeGreaterThanOrEqual(2);
    expect(first.archiveObjectsWritten).toBeGreaterThanOrEqual(1);
    expect(first.more).toBe(false);

    const rows = await rowsForOrders(orders);
    expect(rows.map((r) => r.verdict)).toEqual(["accepted", "accepted"]);
    for (const row of rows) {
      expect(row.raw_body).toBe("");
      expect(row.archive_key).toMatch(
        /^received-postbacks\/v1\/\d{4}\/\d{2}\/\d{2}\/.+\.ndjson\.gz$/,
      );
    }
    // The R2 object holds each body at the row's line.
    for (const { orderId, rawBody } of accepted) {
      const row = (await rowsForOrders([orderId]))[0] as StoredRow;
      const object = await env.POSTBACK_ARCHIVE.get(row.archive_key as string);
      expect(object).not.toBeNull();
      const lines = (await gunzip(await (object as R2ObjectBody).arrayBuffer())).split("\n");
      expect(JSON.parse(lines[row.archive_line as number] as string)).toEqual({
        id: row.id,
        rawBody,
      });
      // The operator's view reads the body back from the archive.
      const view = await api(`/admin/v1/postbacks/${row.id}`, { headers: ADMIN_HEADERS });
      expect(view.status).toBe(200);
      expect(await view.json()).toMatchObject({
        id: row.id,
        verdict: "accepted",
        orderId,
        rawBody,
        archive: { key: row.archive_key, line: row.archive_line },
      });
    }

    // A second run at the same time finds nothing to do and changes nothing.
    const objectsBefore = (await env.POSTBACK_ARCHIVE.list()).objects.map((o) => o.key).sort();
    const second = await runRetentionAt(inAMonth);
    expect(second).toMatchObject({
      rejectedDeleted: 0,
      archivedRows: 0,
      archiveObjectsWritten: 0,
      acceptedDeleted: 0,
      archiveObjectsDeleted: 0,
      more: false,
    });
    expect(await rowsForOrders(orders)).toEqual(rows);
    expect((await env.POSTBACK_ARCHIVE.list()).objects.map((o) => o.key).sort()).toEqual(
      objectsBefore,
    );

    // Past the audit period the rows go, and the archive objects with them.
    const past = await runRetentionAt(Date.now() + 401 * DAY_MS);
    expect(past.acceptedDeleted).toBeGreaterThanOrEqual(2);
    expect(await rowsForOrders(orders)).toEqual([]);
    for (const row of rows) {
      expect(await env.POSTBACK_ARCHIVE.head(row.archive_key as string)).toBeNull();
    }
    const gone = await api(`/admin/v1/postbacks/${rows[0]?.id}`, { headers: ADMIN_HEADERS });
    expect(gone.status).toBe(404);
  });

  it("the operator's view shows a body still in D1 as it was received", async () => {
    const orderId = `RET-VIEW-${uniqueUser("view")}`;
    expect((await junkPostback("192.0.2.51", orderId)).status).toBe(401);
    const [row] = await eventually(async () => {
      const found = await rowsForOrders([orderId]);
      return found.length === 1 ? found : null;
    });
    const view = await api(`/admin/v1/postbacks/${row?.id}`, { headers: ADMIN_HEADERS });
    expect(await view.json()).toMatchObject({
      verdict: "rejected",
      rejectReason: "bad_signature",
      sourceIp: "192.0.2.51",
      rawBody: row?.raw_body,
      archive: null,
    });
    expect((await api("/admin/v1/postbacks/pb_nope", { headers: ADMIN_HEADERS })).status).toBe(404);
    expect((await api(`/admin/v1/postbacks/${row?.id}`)).status).toBe(401);
  });
});

/** The api worker's env with a D1 whose batches fail: a crash between R2 and D1. */
function envWithFailingD1Batches() {
  const db = {
    prepare: (query: string) => env.DB.prepare(query),
    batch: () => Promise.reject(new Error("injected: D1 unavailable mid-batch")),
  };
  return { ...env, DB: db } as unknown as typeof env;
}

describe("the retention cron after a crash mid-batch", () => {
  it("a run that fails between the R2 write and the D1 update leaves the rows whole; the next run rewrites the same object and points the rows to it", async () => {
    const postbackId = `pb_crash_${crypto.randomUUID().replaceAll("-", "")}`;
    const rawBody = JSON.stringify({ order_id: `CRASH-${postbackId}` });
    const message: PostbackMessage = {
      kind: "postback",
      postbackId,
      networkId: NETWORK,
      receivedAtMs: Date.now(),
      verdict: "accepted",
      rejectReason: null,
      rawBody,
      signatureHeader: null,
      sourceIp: null,
      conversions: [],
    };
    const batch = createMessageBatch<PostbackMessage>("boomerang-postbacks", [
      { id: "m0", timestamp: new Date(), attempts: 1, body: message },
    ]);
    const queueCtx = createExecutionContext();
    await apiWorker.queue(batch, env, queueCtx);
    await waitOnExecutionContext(queueCtx);
    const row = () =>
      env.DB.prepare(`SELECT raw_body, archive_key FROM received_postbacks WHERE id = ?`)
        .bind(postbackId)
        .first<{ raw_body: string; archive_key: string | null }>();
    expect(await row()).toEqual({ raw_body: rawBody, archive_key: null });

    const at = Date.now() + 31 * DAY_MS;
    const keys = async () => (await env.POSTBACK_ARCHIVE.list()).objects.map((o) => o.key).sort();
    const before = await keys();
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const ctx = createExecutionContext();
    await apiWorker.scheduled(
      createScheduledController({ cron: CRONS.postbackRetention, scheduledTime: at }),
      envWithFailingD1Batches(),
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(errors.mock.calls.some(([line]) => String(line).includes("cron.job_failed"))).toBe(true);
    vi.restoreAllMocks();
    // The object was written, the row still holds its body and points nowhere.
    const written = (await keys()).filter((k) => !before.includes(k));
    expect(written).toHaveLength(1);
    expect(await row()).toEqual({ raw_body: rawBody, archive_key: null });

    const report = await runRetentionAt(at);
    expect(report.archivedRows).toBe(1);
    expect(await row()).toEqual({ raw_body: "", archive_key: written[0] });
    expect((await keys()).filter((k) => !before.includes(k))).toEqual(written);
    const view = await api(`/admin/v1/postbacks/${postbackId}`, { headers: ADMIN_HEADERS });
    expect(((await view.json()) as { rawBody: string }).rawBody).toBe(rawBody);
  });
});

describe("offer terms are bounded so a click message always fits its queue", () => {
  const offer = (categoryRates: Record<string, number>) => ({
    merchantId: "test-shop",
    title: "Many categories",
    currency: "INR",
    cashback: { basis: "sale", defaultRateBps: 500, categoryRates },
    returnWindowDays: 30,
  });
  const rates = (n: number) =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`category-${i}`, 700]));

  it("the admin API refuses an offer with too many category rates, naming the field", async () => {
    const response = await adminPut("/admin/v1/offers/too-many-rates", offer(rates(201)));
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    const problem = (await response.json()) as { errors: Array<{ path: string; message: string }> };
    expect(problem.errors.map((e) => e.path)).toContain("cashback.categoryRates");
    expect((await adminPut("/admin/v1/offers/just-enough-rates", offer(rates(200)))).status).toBe(
      200,
    );
  });

  it("refuses a category key longer than 64 characters", async () => {
    const response = await adminPut(
      "/admin/v1/offers/long-category",
      offer({ ["c".repeat(65)]: 700 }),
    );
    expect(response.status).toBe(400);
  });

  it("a stored offer past the bound is refused at click time with a clear page, not lost", async () => {
    const offerId = "oversized-stored-offer";
    const config: OfferConfig = {
      offerId,
      merchantId: "test-shop",
      networkId: NETWORK,
      title: "Written around the API",
      currency: "INR",
      terms: {
        basis: "sale",
        defaultRateBps: 500,
        categoryRates: Object.fromEntries(
          Array.from({ length: 2_000 }, (_, i) => [`${"c".repeat(60)}-${i}`, 700]),
        ),
      },
      returnWindowDays: 30,
      startsAtMs: null,
      endsAtMs: null,
      active: true,
      trackingTemplate: "https://network.test/track?sub={subid}&url={landing_url}",
      landingUrl: "https://shop.test/",
      networkOfferRef: "",
    };
    await env.CONFIG_KV.put(offerConfigKey(offerId), JSON.stringify(config));
    const sendSpy = vi.spyOn(env.CLICKS, "send");
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const token = await signLinkToken(env.LINK_SIGNING_KEY, {
      userId: uniqueUser("oversized"),
      offerId,
      expiresAtSec: Math.floor(Date.now() / 1000) + 600,
    });
    const response = await followLink(`${env.REDIRECT_BASE_URL}/c/${token}`);
    expect(response.status).toBe(503);
    expect(sendSpy).not.toHaveBeenCalled();
    expect(errors.mock.calls.some(([line]) => String(line).includes("click.too_large"))).toBe(true);
  });
});
