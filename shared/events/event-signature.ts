import { signPostback, verifyPostbackSignature } from "../postback/signature";

/**
 * Events are signed exactly like generic postbacks (shared/postback/signature.ts): the header
 * `Boomerang-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` over `"<t>.<key name>.<body>"`,
 * ±5 minutes. The key's name takes the network id's place, so a body signed under one key is
 * worthless under another, and a captured request cannot be replayed later.
 */
export const EVENT_KEY_HEADER = "boomerang-key";

/**
 * @example
 * const body = JSON.stringify(event);
 * const signature = await signEvents(secret, "shop", body, Math.floor(Date.now() / 1000));
 * fetch("https://events.example.com/v1/events", {
 *   method: "POST",
 *   body,
 *   headers: { "content-type": "application/json", "Boomerang-Key": "shop", "Boomerang-Signature": signature },
 * });
 */
export function signEvents(
  secret: string,
  keyName: string,
  rawBody: string,
  timestampSec: number,
): Promise<string> {
  return signPostback(secret, keyName, rawBody, timestampSec);
}

export const verifyEventsSignature = verifyPostbackSignature;
