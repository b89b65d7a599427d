import { env } from "cloudflare:workers";
import { describe, expect, it, test } from "vitest";
import { ChannelError } from "#shared/notify/channel";
import { createApp } from "#workers/api/src/app";
import { webhookAdapter } from "#workers/api/src/features/notifications/channels/webhook";
import { payoutProcessorFor } from "#workers/api/src/features/payouts/processor-client";
import { ADMIN_HEADERS } from "./helpers";

/**
 * Secret-bearing URLs are https outside development and tests (issue 9, item 6): a network's
 * feed and report endpoints (bearer secret), the notification webhook (step-up codes) and the
 * payout processor (API key). The test runtime does not set ALLOW_INSECURE_URLS, so it
 * behaves as a deployment; each case that needs the switch passes it as a binding.
 */

const SECRET = "secure-urls-network-secret-0123456789";
const DEPLOYED = { ...env, ALLOW_INSECURE_URLS: "" };
const DEVELOPMENT = { ...env, ALLOW_INSECURE_URLS: "true" };

/** Options of one format only are saved with that format; the others are generic. */
const FORMAT_WITH_OPTION: Record<string, string> = { apiBaseUrl: "admitad", apiUrl: "cj" };

function putNetwork(
  id: string,
  options: Record<string, unknown>,
  bindings: object,
  postbackFormat = "generic",
) {
  return createApp().fetch(
    new Request(`https://api.test/admin/v1/networks/${id}`, {
      method: "PUT",
      headers: ADMIN_HEADERS,
      body: JSON.stringify({
        name: `Secure ${id}`,
        trackingTemplate: "http://net.test/t?sub={subid}",
        postbackFormat,
        postbackSecret: SECRET,
        options,
      }),
    }),
    bindings,
  );
}

describe("admin API: a network's secret-bearing URLs", () => {
  test.each([
    { label: "http reportUrl", options: { reportUrl: "http://net.test/r" }, field: "reportUrl" },
    { label: "http feedUrl", options: { feedUrl: "http://net.test/feed" }, field: "feedUrl" },
    {
      label: "http Admitad/impact API root",
      options: { apiBaseUrl: "http://api.net.test" },
      field: "apiBaseUrl",
    },
    { label: "http CJ endpoint", options: { apiUrl: "http://cj.test/query" }, field: "apiUrl" },
  ])("$label is a 400 naming the field when insecure URLs are off", async ({ options, field }) => {
    const format = FORMAT_WITH_OPTION[field];
    const response = await putNetwork(`secure-${field.toLowerCase()}`, options, DEPLOYED, format);
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    const problem = (await response.json()) as {
      code: string;
      errors: Array<{ path: string; message: string }>;
    };
    expect(problem.code).toBe("validation_failed");
    expect(problem.errors).toEqual([
      { path: `options.${field}`, message: expect.stringContaining(`${field} must be https`) },
    ]);
    // Nothing was stored.
    const read = await createApp().fetch(
      new Request(`https://api.test/admin/v1/networks/secure-${field.toLowerCase()}`, {
        headers: ADMIN_HEADERS,
      }),
      DEPLOYED,
    );
    expect(read.status).toBe(404);
  });

  it("both bad URLs are named in one problem", async () => {
    const response = await putNetwork(
      "secure-both",
      { feedUrl: "http://net.test/feed", reportUrl: "http://net.test/r" },
      DEPLOYED,
    );
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: Array<{ path: string }> };
    expect(problem.errors.map((e) => e.path)).toEqual(["options.feedUrl", "options.reportUrl"]);
  });

  it("the test runtime's own bindings behave as a deployment", async () => {
    const response = await putNetwork("secure-default", { reportUrl: "http://net.test/r" }, env);
    expect(response.status).toBe(400);
  });

  it("https URLs are accepted", async () => {
    const options = { feedUrl: "https://net.test/feed", reportUrl: "https://net.test/r" };
    const response = await putNetwork("secure-https", options, DEPLOYED);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ options });
  });

  it("http is accepted where ALLOW_INSECURE_URLS is true (npm run dev)", async () => {
    const options = { feedUrl: "http://127.0.0.1:8787/sandbox/feed" };
    const response = await putNetwork("secure-dev", options, DEVELOPMENT);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ options });
  });
});

describe("network fetches", () => {
  it("a report URL stored as http before the rule is not called in a deployment", async () => {
    // Saved where http is allowed, as an older deployment could have.
    const saved = await putNetwork(
      "secure-legacy",
      { reportUrl: "http://net.test/r" },
      DEVELOPMENT,
    );
    expect(saved.status).toBe(200);
    const response = await createApp().fetch(
      new Request("https://api.test/admin/v1/networks/secure-legacy/reconcile", {
        method: "POST",
        headers: ADMIN_HEADERS,
        body: "{}",
      }),
      DEPLOYED,
    );
    expect(response.status).toBe(503);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    const problem = (await response.json()) as { detail: string };
    expect(problem.detail).toContain("not sent to http://net.test");
    expect(problem.detail).toContain("must be https");
  });
});

describe("the notification webhook", () => {
  const webhook = (url: string, bindings: object) => ({
    ...bindings,
    NOTIFY_CHANNEL: "webhook",
    NOTIFY_WEBHOOK_URL: url,
    NOTIFY_WEBHOOK_SECRET: "notify-webhook-secret-0123456789",
  });

  const delivery = {
    deliveryId: "dlv_n-secure",
    eventId: "n-secure",
    userId: "u-secure",
    type: "step_up_code" as const,
    category: "critical" as const,
    message: { title: "t", body: "b", locale: "en" },
    recipient: { channel: "webhook" as const },
    vars: { code: "1" },
  };

  it("refuses an http URL as not configured, and sends nothing", async () => {
    const sent: Request[] = [];
    const thrown = await webhookAdapter(webhook("http://operator.test/hooks", DEPLOYED), {
      fetcher: async (request: Request) => {
        sent.push(request);
        return new Response(null, { status: 204 });
      },
    })
      .send(delivery)
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(thrown).toBeInstanceOf(ChannelError);
    expect((thrown as ChannelError).message).toContain("NOTIFY_WEBHOOK_URL (https)");
    expect(sent).toHaveLength(0);
  });

  test.each([
    { label: "https, deployed", url: "https://operator.test/hooks", bindings: DEPLOYED },
    { label: "http, development", url: "http://127.0.0.1:9000/hooks", bindings: DEVELOPMENT },
  ])("$label: sends", async ({ url, bindings }) => {
    const sent: string[] = [];
    await webhookAdapter(webhook(url, bindings), {
      fetcher: async (request: Request) => {
        sent.push(request.url);
        return new Response(null, { status: 204 });
      },
    }).send(delivery);
    expect(sent).toEqual([url]);
  });
});

describe("the payout processor", () => {
  // Without the test-only binding the sandbox adapter is reached at PAYOUT_PROCESSOR_URL.
  const overHttp = (url: string, bindings: object) => ({
    ...bindings,
    SANDBOX_PROCESSOR: undefined,
    PAYOUT_PROCESSOR_URL: url,
  });

  it("an http PAYOUT_PROCESSOR_URL is refused as not configured: the webhook answers 503", async () => {
    const response = await createApp().fetch(
      new Request("https://api.test/webhooks/payouts/sandbox", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      }),
      overHttp("http://processor.test", DEPLOYED),
    );
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      code: "unavailable",
      detail: "payouts are not configured",
    });
  });

  test.each([
    { label: "http, deployed", url: "http://processor.test", bindings: DEPLOYED, ok: false },
    { label: "ftp, development", url: "ftp://processor.test", bindings: DEVELOPMENT, ok: false },
    { label: "https, deployed", url: "https://processor.test", bindings: DEPLOYED, ok: true },
    { label: "http, development", url: "http://127.0.0.1:8787", bindings: DEVELOPMENT, ok: true },
  ])("$label → configured: $ok", ({ url, bindings, ok }) => {
    const build = () => payoutProcessorFor(overHttp(url, bindings) as typeof DEPLOYED);
    if (ok) expect(build().id).toBe("sandbox");
    else expect(build).toThrow("payouts are not configured");
  });
});
