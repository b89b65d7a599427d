import { describe, expect, test } from "vitest";
import { type ChannelDelivery, ChannelError, type Recipient } from "#shared/notify/channel";
import { emailAdapterFor } from "./email";
import { smsAdapterFor } from "./sms";

function capture(status: number, answer: unknown) {
  const requests: Request[] = [];
  const fetcher = async (request: Request) => {
    requests.push(request.clone());
    return Response.json(answer, { status });
  };
  return { requests, fetcher };
}

function delivery(recipient: Recipient, over: Partial<ChannelDelivery["message"]> = {}) {
  return {
    deliveryId: "evt_9:email:u1",
    eventId: "evt_9",
    userId: "usr_9",
    type: "promotion",
    category: "promotional",
    message: {
      locale: "en",
      title: "Flash sale",
      body: "Double cashback at Acme today.",
      url: "https://app.example/offers/acme",
      ...over,
    },
    recipient,
  } satisfies ChannelDelivery;
}

const RESEND = {
  EMAIL_PROVIDER: "resend",
  EMAIL_API_KEY: "re_test_key",
  EMAIL_FROM: "Boomerang <notify@mail.example.com>",
};

describe("e-mail through Resend", () => {
  test("open tracking: an HTML part with the escaped text, the link and the pixel; none without", async () => {
    const { requests, fetcher } = capture(200, { id: "re_msg_2" });
    const adapter = emailAdapterFor(RESEND, { fetcher });
    const pixel = "https://api.example/v1/notifications/track/open?t=open.dlv_1.mac";
    await adapter?.send(
      delivery(
        { channel: "email", address: "ana@example.org" },
        { body: "Save <b>5%</b> & more.", openPixelUrl: pixel },
      ),
    );
    await adapter?.send(delivery({ channel: "email", address: "ana@example.org" }));
    const [tracked, plain] = (await Promise.all(requests.map((r) => r.json()))) as Array<{
      html?: string;
      text: string;
    }>;
    expect(tracked?.text).toBe("Save <b>5%</b> & more.\n\nhttps://app.example/offers/acme");
    expect(tracked?.html).toContain("<p>Save &#60;b&#62;5%&#60;/b&#62; &#38; more.</p>");
    expect(tracked?.html).toContain('<a href="https://app.example/offers/acme">');
    expect(tracked?.html).toContain(`<img src="${pixel}" width="1" height="1"`);
    expect(plain?.html).toBeUndefined();
  });

  test("the exact request: bearer key, idempotency key, text body, List-Unsubscribe", async () => {
    const { requests, fetcher } = capture(200, { id: "re_msg_1" });
    const adapter = emailAdapterFor(RESEND, { fetcher });
    const result = await adapter?.send(
      delivery(
        { channel: "email", address: "ana@example.org" },
        { unsubscribeUrl: "https://api.example/v1/unsubscribe?t=sig" },
      ),
    );
    expect(result).toEqual({ providerRef: "re_msg_1" });
    expect(requests).toHaveLength(1);
    const [request] = requests as [Request];
    expect(request.method).toBe("POST");
    expect(request.url).toBe("https://api.resend.com/emails");
    expect(request.headers.get("authorization")).toBe("Bearer re_test_key");
    expect(request.headers.get("idempotency-key")).toBe("evt_9:email:u1");
    expect(request.headers.get("content-type")).toBe("application/json");
    expect(await request.json()).toEqual({
      from: "Boomerang <notify@mail.example.com>",
      to: ["ana@example.org"],
      subject: "Flash sale",
      text: "Double cashback at Acme today.\n\nhttps://app.example/offers/acme\n\nUnsubscribe: https://api.example/v1/unsubscribe?t=sig",
      headers: {
        "List-Unsubscribe": "<https://api.example/v1/unsubscribe?t=sig>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
      },
    });
  });

  test("no unsubscribe link: no List-Unsubscribe headers", async () => {
    const { requests, fetcher } = capture(200, { id: "re_msg_2" });
    await emailAdapterFor(RESEND, { fetcher })?.send(
      delivery({ channel: "email", address: "ana@example.org" }, { url: undefined }),
    );
    const body = (await requests[0]?.json()) as Record<string, unknown>;
    expect(body).not.toHaveProperty("headers");
    expect(body.text).toBe("Double cashback at Acme today.");
  });

  test.each([
    { status: 429, retryable: true },
    { status: 500, retryable: true },
    { status: 503, retryable: true },
    { status: 400, retryable: false },
    { status: 401, retryable: false },
    { status: 403, retryable: false },
    { status: 422, retryable: false },
  ])("$status from Resend: retryable $retryable", async ({ status, retryable }) => {
    const { fetcher } = capture(status, { message: "no" });
    const error = await emailAdapterFor(RESEND, { fetcher })
      ?.send(delivery({ channel: "email", address: "ana@example.org" }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelError);
    expect(error).toMatchObject({ retryable, gone: false });
    expect((error as Error).message).not.toContain("ana@example.org");
  });

  test.each([
    { label: "unset", env: {} },
    { label: "outbox", env: { EMAIL_PROVIDER: "outbox" } },
  ])("EMAIL_PROVIDER $label: no Resend adapter", ({ env }) => {
    expect(emailAdapterFor(env)).toBeNull();
  });

  test("resend without a key: every send fails, not retryable, nothing sent", async () => {
    const { requests, fetcher } = capture(200, {});
    const adapter = emailAdapterFor({ ...RESEND, EMAIL_API_KEY: "" }, { fetcher });
    await expect(
      adapter?.send(delivery({ channel: "email", address: "a@b.c" })),
    ).rejects.toMatchObject({ retryable: false });
    expect(requests).toEqual([]);
  });
});

const TWILIO = {
  SMS_PROVIDER: "twilio",
  TWILIO_ACCOUNT_SID: "AC0123456789abcdef0123456789abcdef",
  TWILIO_AUTH_TOKEN: "tok_secret",
  SMS_FROM: "+15005550006",
};

describe("SMS through Twilio", () => {
  test("the exact request: form POST to the account's Messages, basic auth", async () => {
    const { requests, fetcher } = capture(201, { sid: "SM123" });
    const result = await smsAdapterFor(TWILIO, { fetcher })?.send(
      delivery({ channel: "sms", phone: "+919812345678" }),
    );
    expect(result).toEqual({ providerRef: "SM123" });
    const [request] = requests as [Request];
    expect(request.method).toBe("POST");
    expect(request.url).toBe(
      "https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json",
    );
    expect(request.headers.get("authorization")).toBe(
      `Basic ${btoa("AC0123456789abcdef0123456789abcdef:tok_secret")}`,
    );
    expect(request.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    expect(Object.fromEntries(new URLSearchParams(await request.text()))).toEqual({
      To: "+919812345678",
      From: "+15005550006",
      Body: "Double cashback at Acme today. https://app.example/offers/acme",
    });
  });

  test("an MG… sender goes as MessagingServiceSid", async () => {
    const { requests, fetcher } = capture(201, { sid: "SM124" });
    await smsAdapterFor({ ...TWILIO, SMS_FROM: "MG0123" }, { fetcher })?.send(
      delivery({ channel: "sms", phone: "+919812345678" }),
    );
    const form = new URLSearchParams(await requests[0]?.text());
    expect(form.get("MessagingServiceSid")).toBe("MG0123");
    expect(form.has("From")).toBe(false);
  });

  test.each([
    { status: 429, retryable: true },
    { status: 500, retryable: true },
    { status: 400, retryable: false },
    { status: 401, retryable: false },
  ])("$status from Twilio: retryable $retryable", async ({ status, retryable }) => {
    const { fetcher } = capture(status, { code: 21211 });
    const error = await smsAdapterFor(TWILIO, { fetcher })
      ?.send(delivery({ channel: "sms", phone: "+919812345678" }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable });
    expect((error as Error).message).not.toContain("9812345678");
  });

  test.each([
    { label: "unset", env: {} },
    { label: "outbox", env: { SMS_PROVIDER: "outbox" } },
  ])("SMS_PROVIDER $label: no Twilio adapter", ({ env }) => {
    expect(smsAdapterFor(env)).toBeNull();
  });

  test("a transport failure is retryable", async () => {
    const adapter = smsAdapterFor(TWILIO, {
      fetcher: () => Promise.reject(new TypeError("down")),
    });
    await expect(
      adapter?.send(delivery({ channel: "sms", phone: "+919812345678" })),
    ).rejects.toMatchObject({ retryable: true });
  });
});
