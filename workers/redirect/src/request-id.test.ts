import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { seedCatalog, trackingLinkFor, uniqueUser } from "#test/helpers";
import redirectWorker from "./index";

/** The request id travels from the click's request onto the clicks queue message. */

const OFFER = "test-shop-offer";

beforeAll(async () => {
  await seedCatalog();
});

describe("click request id", () => {
  it("carries cf-ray onto the click message", async () => {
    const user = uniqueUser("reqid-click");
    const url = await trackingLinkFor(user, OFFER);
    const sent: Array<{ requestId?: string }> = [];
    const workerEnv = {
      ...env,
      CLICKS: { send: async (m: { requestId?: string }) => void sent.push(m) },
    };
    const ctx = createExecutionContext();
    const response = await redirectWorker.fetch(
      new Request(url, { headers: { "cf-ray": "8f1e2d3c4b5a6979-BOM" } }) as Request<
        unknown,
        IncomingRequestCfProperties
      >,
      workerEnv as unknown as typeof env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(302);
    expect(sent.map((m) => m.requestId)).toEqual(["8f1e2d3c4b5a6979-BOM"]);
  });
});
