import { env } from "cloudflare:test";
import { describe, expect, test } from "vitest";
import type { ApiEnv } from "#shared/env";
import type { ChannelDelivery } from "#shared/notify/channel";
import { adaptersFor } from "./index";

/**
 * The registry: each channel's setting picks its adapter (the real provider, the dev outbox,
 * or off), so an operator who sets EMAIL_PROVIDER=resend gets e-mail through Resend.
 */

const base = {
  DB: (env as unknown as ApiEnv).DB,
  WALLET: (env as unknown as ApiEnv).WALLET,
  NOTIFY_CHANNEL: "",
  EMAIL_PROVIDER: "",
  SMS_PROVIDER: "",
  WEB_PUSH: "",
} as unknown as ApiEnv;

const delivery: ChannelDelivery = {
  deliveryId: "dlv_registry",
  eventId: "txn_1:confirmed",
  userId: "usr_registry",
  type: "cashback_confirmed",
  category: "transactional",
  message: { locale: "en", title: "Cashback confirmed", body: "₹50.00 is now available." },
  recipient: { channel: "email", address: "ana@example.org" },
};

describe("adaptersFor", () => {
  test.each([
    { label: "nothing set: every channel off", over: {}, want: [] },
    {
      label: "dev outboxes",
      over: {
        NOTIFY_CHANNEL: "outbox",
        EMAIL_PROVIDER: "outbox",
        SMS_PROVIDER: "outbox",
        WEB_PUSH: "outbox",
      },
      want: ["email", "push", "sms", "webhook"],
    },
    {
      label: "real providers",
      over: {
        EMAIL_PROVIDER: "resend",
        EMAIL_API_KEY: "re_key",
        EMAIL_FROM: "Shop <n@mail.example.com>",
        SMS_PROVIDER: "twilio",
        TWILIO_ACCOUNT_SID: "AC123",
        TWILIO_AUTH_TOKEN: "tok",
        SMS_FROM: "+15550001111",
      },
      want: ["email", "sms"],
    },
  ])("$label → $want", ({ over, want }) => {
    const adapters = adaptersFor({ ...base, ...over } as ApiEnv);
    expect([...adapters.keys()].sort()).toEqual(want);
  });

  test("EMAIL_PROVIDER=resend sends through Resend, not the outbox", async () => {
    const urls: string[] = [];
    const adapters = adaptersFor(
      {
        ...base,
        EMAIL_PROVIDER: "resend",
        EMAIL_API_KEY: "re_key",
        EMAIL_FROM: "Shop <n@mail.example.com>",
      } as ApiEnv,
      {
        providerFetcher: async (request) => {
          urls.push(request.url);
          return Response.json({ id: "re_1" });
        },
      },
    );
    const result = await adapters.get("email")?.send(delivery);
    expect(result).toEqual({ providerRef: "re_1" });
    expect(urls).toEqual(["https://api.resend.com/emails"]);
  });
});
