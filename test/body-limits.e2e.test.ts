import { describe, expect, it } from "vitest";
import { ADMIN_HEADERS, api, mintUserJwt, uniqueUser } from "./helpers";

/**
 * Request bodies are bounded before anything parses them (workers/api/src/http/limits/
 * body-size.ts): 413 problem+json past API_MAX_BODY_BYTES (64 KiB here), whether the body
 * declares its length or streams without one, and nothing is written.
 */

const OVER_BOUND = 64 * 1024 + 1;

/** A JSON object of about `bytes` bytes: one long string field. */
const paddedJson = (fields: Record<string, unknown>, bytes: number) =>
  JSON.stringify({ ...fields, pad: "x".repeat(bytes) });

/** The same bytes, sent as a stream with no Content-Length (chunked on the wire). */
function streamed(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  const chunkBytes = 8 * 1024;
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunkBytes));
      offset += chunkBytes;
    },
  });
}

async function expectTooLarge(response: Response): Promise<void> {
  expect(response.status).toBe(413);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  expect(((await response.json()) as { code: string }).code).toBe("payload_too_large");
}

const OFFER_INPUT = {
  merchantId: "nowhere",
  title: "Oversized",
  networkOfferRef: "cmp-1",
  currency: "INR",
  cashback: { basis: "sale", defaultRateBps: 500, categoryRates: {} },
  returnWindowDays: 30,
};

describe("API request bodies", () => {
  it("an oversized body on an admin route is refused with 413 and nothing is written", async () => {
    const response = await api("/admin/v1/offers/oversized-offer", {
      method: "PUT",
      headers: ADMIN_HEADERS,
      body: paddedJson(OFFER_INPUT, OVER_BOUND),
    });
    await expectTooLarge(response);
    const read = await api("/admin/v1/offers/oversized-offer", { headers: ADMIN_HEADERS });
    expect(read.status).toBe(404);
  });

  it("an oversized body on a user route is refused with 413 and nothing is written", async () => {
    const user = uniqueUser("oversized");
    const headers = {
      authorization: `Bearer ${await mintUserJwt(user)}`,
      "content-type": "application/json",
      "idempotency-key": "oversized-destination",
    };
    const body = paddedJson(
      { type: "upi", vpa: "asha.rao@okaxis", holderName: "Asha" },
      OVER_BOUND,
    );
    await expectTooLarge(
      await api("/v1/me/payout-destinations", { method: "POST", headers, body }),
    );
    // Streamed without a Content-Length: counted as it arrives and refused at the bound.
    await expectTooLarge(
      await api("/v1/me/payout-destinations", {
        method: "POST",
        headers,
        body: streamed(body),
        duplex: "half",
      } as RequestInit),
    );
    const listed = await api("/v1/me/payout-destinations", {
      headers: { authorization: headers.authorization },
    });
    expect(((await listed.json()) as { items: unknown[] }).items).toEqual([]);
  });

  it("a body within the bound is read as before", async () => {
    const response = await api("/admin/v1/confirmations/run", {
      method: "POST",
      headers: ADMIN_HEADERS,
      body: JSON.stringify({}),
    });
    expect(response.status).toBe(200);
  });
});
