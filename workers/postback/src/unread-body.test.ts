import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import {
  clickThrough,
  NETWORK_SECRET,
  postbackBody,
  seedCatalog,
  sendPostback,
  uniqueUser,
} from "#test/helpers";
import postbackWorker from "./index";
import { MAX_BODY_BYTES } from "./intake";

/**
 * The keep-alive defect (issue 8): a body the worker answers without reading to its end
 * breaks the client's connection under workerd, so the next request on it failed with
 * `503 Your worker restarted mid-request`. Over a real connection this is checked by
 * `npx tsx dev/checks/keep-alive.ts` against `npm run dev`; here we hold the cause: every
 * such body is read to its end (never cancelled), and the next request is served.
 */

const NETWORK = "test-net";
const OFFER = "test-shop-offer";

/** A request body that records how much of it was read and whether it was cancelled. */
function trackedBody(totalBytes: number, chunkBytes = 4096) {
  const seen = { readBytes: 0, cancelled: false, closed: false };
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= totalBytes) {
        seen.closed = true;
        controller.close();
        return;
      }
      const size = Math.min(chunkBytes, totalBytes - sent);
      sent += size;
      seen.readBytes += size;
      controller.enqueue(new Uint8Array(size).fill(0x78));
    },
    cancel() {
      seen.cancelled = true;
    },
  });
  return { stream, seen };
}

async function post(path: string, body: ReadableStream<Uint8Array>, declaredBytes?: number) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (declaredBytes !== undefined) headers["content-length"] = String(declaredBytes);
  const ctx = createExecutionContext();
  const response = await postbackWorker.fetch(
    new Request(`https://postback.test${path}`, {
      method: "POST",
      headers,
      body,
    }) as Request<unknown, IncomingRequestCfProperties>,
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  await response.arrayBuffer();
  return response;
}

beforeAll(async () => {
  await seedCatalog();
});

describe("a body answered unread is read out, so the next request is served", () => {
  const oversizedBytes = 17 * 1024;

  it.each([
    { case: "413, length declared", path: `/postback/${NETWORK}`, declared: true, status: 413 },
    {
      case: "413, streamed without a length",
      path: `/postback/${NETWORK}`,
      declared: false,
      status: 413,
    },
    {
      case: "413, unknown network (the size is checked first)",
      path: "/postback/no-such-network",
      declared: true,
      status: 413,
    },
    { case: "404, not a network id", path: "/postback/NOT_A_SLUG", declared: true, status: 404 },
    { case: "404, no such route", path: "/nothing-here", declared: true, status: 404 },
  ])("$case", async ({ path, declared, status }) => {
    expect(oversizedBytes).toBeGreaterThan(MAX_BODY_BYTES);
    const { stream, seen } = trackedBody(oversizedBytes);
    const first = await post(path, stream, declared ? oversizedBytes : undefined);
    expect(first.status).toBe(status);
    expect(seen).toEqual({ readBytes: oversizedBytes, cancelled: false, closed: true });

    // The follow-up, through the same worker: a genuine postback is accepted.
    const user = uniqueUser("keepalive");
    const { subId } = await clickThrough(user, OFFER);
    const second = await sendPostback(
      NETWORK,
      postbackBody({ order_id: `ORD-${user}`, sub_id: subId }),
      { secret: NETWORK_SECRET },
    );
    expect(second.status).toBe(202);
  });

  it("a body far over the drain limit is cancelled, not read without end", async () => {
    const hugeBytes = 2 * 1024 * 1024;
    const { stream, seen } = trackedBody(hugeBytes, 64 * 1024);
    const response = await post(`/postback/${NETWORK}`, stream, hugeBytes);
    expect(response.status).toBe(413);
    expect(seen.cancelled).toBe(true);
    expect(seen.readBytes).toBeLessThan(hugeBytes);
  });
});
