import { fromBase64Url, toBase64Url } from "#shared/crypto/encoding";
import type { PushSubscriptionKeys } from "#shared/notify/channel";
import {
  decryptPushPayload,
  type VapidCheck,
  verifyVapidAuthorization,
} from "#workers/api/src/features/notifications/channels/web-push-crypto";

/**
 * A local push service and the browser behind it, for tests: it holds a subscriber's P-256 key
 * pair and auth secret (what PushManager.subscribe makes), and its `fetcher` answers a push the
 * way a push service would — checking the VAPID JWT against the application server key the
 * subscription was made with — then decrypts the payload as the browser would.
 */
export interface ReceivedPush {
  url: string;
  headers: Record<string, string>;
  vapid: VapidCheck;
  /** The decrypted payload, parsed as JSON. */
  payload: Record<string, unknown>;
}

export class PushReceiver {
  readonly received: ReceivedPush[] = [];
  /** The status the next pushes get (201 by default; 410 for an unsubscribed browser). */
  status = 201;

  private constructor(
    private readonly privateKey: CryptoKey,
    private readonly publicKey: Uint8Array,
    private readonly authSecret: Uint8Array,
    private readonly applicationServerKey: string,
    readonly endpoint: string,
    private readonly nowMs: () => number,
  ) {}

  static async create(
    applicationServerKey: string,
    endpoint = `https://push.test.example/wpush/${crypto.randomUUID()}`,
    nowMs: () => number = Date.now,
  ): Promise<PushReceiver> {
    const pair = (await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, [
      "deriveBits",
    ])) as CryptoKeyPair;
    const publicKey = new Uint8Array(
      (await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer,
    );
    const auth = crypto.getRandomValues(new Uint8Array(16));
    return new PushReceiver(
      pair.privateKey,
      publicKey,
      auth,
      applicationServerKey,
      endpoint,
      nowMs,
    );
  }

  /** What the browser hands the site: endpoint, p256dh, auth. */
  get subscription(): PushSubscriptionKeys {
    return {
      endpoint: this.endpoint,
      p256dh: toBase64Url(this.publicKey),
      auth: toBase64Url(this.authSecret),
    };
  }

  readonly fetcher = async (request: Request): Promise<Response> => {
    if (request.url !== this.endpoint) return new Response("no such subscription", { status: 404 });
    const headers = Object.fromEntries(request.headers);
    const vapid = await verifyVapidAuthorization(
      request.headers.get("authorization"),
      new URL(this.endpoint).origin,
      this.nowMs(),
      this.applicationServerKey,
    );
    if (!vapid.ok) return new Response(vapid.reason, { status: 403 });
    if (headers["content-encoding"] !== "aes128gcm" || !/^\d+$/.test(headers.ttl ?? "")) {
      return new Response("aes128gcm and TTL required", { status: 400 });
    }
    const body = new Uint8Array(await request.arrayBuffer());
    if (this.status !== 201) return new Response(null, { status: this.status });
    const plain = await decryptPushPayload(body, {
      privateKey: this.privateKey,
      publicKey: this.publicKey,
      authSecret: this.authSecret,
    });
    this.received.push({
      url: request.url,
      headers,
      vapid,
      payload: JSON.parse(new TextDecoder().decode(plain)) as Record<string, unknown>,
    });
    return new Response(null, {
      status: 201,
      headers: { location: `${this.endpoint}/messages/${this.received.length}` },
    });
  };
}

/** Decodes base64url or fails the test. */
export function bytesOf(text: string): Uint8Array {
  const bytes = fromBase64Url(text);
  if (!bytes) throw new Error("not base64url");
  return bytes;
}
