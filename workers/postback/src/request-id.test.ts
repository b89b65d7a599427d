import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { PostbackMessage } from "#shared/messages";
import { signPostback } from "#shared/postback/signature";
import { clickThrough, NETWORK_SECRET, postbackBody, seedCatalog, uniqueUser } from "#test/helpers";
import postbackWorker from "./index";

/** The request id travels from the edge request onto the queue message and the log line. */

const NETWORK = "test-net";
const OFFER = "test-shop-offer";

beforeAll(async () => {
  await seedCatalog();
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function postCapturing(headers: Record<string, string>, failSend = false) {
  const user = uniqueUser("reqid");
  const { subId } = await clickThrough(user, OFFER);
  const body = postbackBody({ order_id: `ORD-${user}`, sub_id: subId });
  const signature = await signPostback(
    NETWORK_SECRET,
    NETWORK,
    body,
    Math.floor(Date.now() / 1000),
  );
  const sent: PostbackMessage[] = [];
  const lines: string[] = [];
  vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
  vi.spyOn(console, "error").mockImplementation((line: string) => void lines.push(line));
  const workerEnv = {
    ...env,
    POSTBACKS: {
      send: async (message: PostbackMessage) => {
        if (failSend) throw new Error("queue down");
        sent.push(message);
      },
    },
  };
  const ctx = createExecutionContext();
  const response = await postbackWorker.fetch(
    new Request(`https://postback.test/postback/${NETWORK}`, {
      method: "POST",
      headers: { "content-type": "application/json", "boomerang-signature": signature, ...headers },
      body,
    }) as Request<unknown, IncomingRequestCfProperties>,
    workerEnv as unknown as typeof env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { response, sent, logs: lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe("postback request id", () => {
  it("carries cf-ray onto the message and the log line", async () => {
    const { response, sent, logs } = await postCapturing({ "cf-ray": "8f1e2d3c4b5a6978-BOM" });
    expect(response.status).toBe(202);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.requestId).toBe("8f1e2d3c4b5a6978-BOM");
    const recorded = logs.find((line) => line.event === "postback.recorded");
    expect(recorded).toMatchObject({
      level: "info",
      worker: "postback",
      requestId: "8f1e2d3c4b5a6978-BOM",
      networkId: NETWORK,
      verdict: "accepted",
      conversions: 1,
    });
  });

  it("mints one when there is no cf-ray, and logs a failed record with it", async () => {
    const { response, logs } = await postCapturing({}, true);
    expect(response.status).toBe(503);
    const failed = logs.find((line) => line.event === "postback.record_failed");
    expect(failed).toMatchObject({
      level: "error",
      worker: "postback",
      errorMessage: "queue down",
    });
    expect(String(failed?.requestId)).toMatch(/^req_[0-9a-f]{32}$/);
  });
});
