import { expect } from "vitest";
import { INTERNAL_ERROR } from "../core/guard";
import type {
  NetworkSettings,
  NormalizedConversion,
  PostbackParse,
  PostbackRequest,
  ReportFetch,
} from "../types";

/** Test helpers shared by the adapter tests. Not imported by production code. */

export const RECEIVED_AT_MS = Date.UTC(2026, 10, 21, 9, 0, 0);
export const SECRET = "network-postback-secret-for-tests";
export const SUB_ID = "MXxkZW1vLWFsaWNlfHNob3BrYXJ0fDE3OTUyNDg0NDJ8Y2xrX3Rlc3Q9fJko2I0myJlJ89N";

export function settingsFor(
  networkId: string,
  options: Record<string, unknown>,
  extra: Partial<NetworkSettings> = {},
): NetworkSettings {
  return { networkId, postbackSecret: SECRET, options, ...extra };
}

/** A GET postback with `query` as its query string. */
export function getRequest(
  query: Record<string, string> | string,
  extra: Partial<PostbackRequest> = {},
): PostbackRequest {
  const qs = typeof query === "string" ? query : new URLSearchParams(query).toString();
  return {
    method: "GET",
    url: `https://pb.boomerang.test/postback/net?${qs}`,
    headers: {},
    rawBody: "",
    sourceIp: "203.0.113.7",
    receivedAtMs: RECEIVED_AT_MS,
    ...extra,
  };
}

/** A POST postback with a raw body. */
export function postRequest(
  rawBody: string,
  headers: Record<string, string>,
  extra: Partial<PostbackRequest> = {},
): PostbackRequest {
  return {
    method: "POST",
    url: "https://pb.boomerang.test/postback/net",
    headers,
    rawBody,
    sourceIp: "203.0.113.7",
    receivedAtMs: RECEIVED_AT_MS,
    ...extra,
  };
}

/** The single conversion of a successful parse, failing the test otherwise. */
export function onlyConversion(result: PostbackParse): NormalizedConversion {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  expect(result.conversions).toHaveLength(1);
  const [conversion] = result.conversions;
  if (!conversion) throw new Error("no conversion");
  expectValidConversion(conversion);
  return conversion;
}

/** The invariants every adapter promises for every conversion it lets out. */
export function expectValidConversion(c: NormalizedConversion): void {
  expect(typeof c.orderId).toBe("string");
  expect(c.orderId.length).toBeGreaterThanOrEqual(1);
  expect(c.orderId.length).toBeLessThanOrEqual(128);
  expect(c.orderId).toMatch(/^[\x21-\x7e]+$/);
  if (c.subId !== null) expect(c.subId.length).toBeLessThanOrEqual(400);
  expect(["pending", "approved", "cancelled"]).toContain(c.status);
  expect(c.currency).toMatch(/^[A-Z]{3}$/);
  for (const amount of [c.saleAmountMinor, c.commissionMinor]) {
    expect(Number.isSafeInteger(amount)).toBe(true);
    expect(amount).toBeGreaterThanOrEqual(0);
    expect(amount).toBeLessThanOrEqual(1_000_000_000_000);
  }
  expect(Number.isFinite(c.occurredAtMs)).toBe(true);
  if (c.updatedAtMs !== null) expect(Number.isFinite(c.updatedAtMs)).toBe(true);
  if (c.category !== null) expect(c.category.length).toBeLessThanOrEqual(64);
  if (c.lineItems !== null) {
    expect(c.lineItems.length).toBeLessThanOrEqual(100);
    for (const line of c.lineItems) {
      expect(Number.isSafeInteger(line.amountMinor) && line.amountMinor >= 0).toBe(true);
      expect(
        line.commissionMinor === null ||
          (Number.isSafeInteger(line.commissionMinor) && line.commissionMinor >= 0),
      ).toBe(true);
      expect(Number.isSafeInteger(line.quantity) && line.quantity >= 1).toBe(true);
    }
  }
}

/** Asserts a parse result is a well-formed value and, when ok, every conversion is valid. */
export function expectWellFormedParse(result: PostbackParse): void {
  expect(typeof result.ok).toBe("boolean");
  if (result.ok) {
    for (const c of result.conversions) expectValidConversion(c);
  } else {
    expect(["auth", "malformed"]).toContain(result.kind);
    expect(typeof result.reason).toBe("string");
    // A guarded adapter bug would show up here rather than as a throw.
    expect(result.reason.startsWith(INTERNAL_ERROR)).toBe(false);
  }
}

/** A fetch that answers one JSON body and remembers the request it got. */
export function jsonFetch(body: unknown, status = 200): ReportFetch & { requests: Request[] } {
  const requests: Request[] = [];
  const fetcher = async (request: Request) => {
    requests.push(request);
    return new Response(typeof body === "string" ? body : JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json" },
    });
  };
  return Object.assign(fetcher, { requests });
}

/** The field paths of a malformed result (empty for any other result). */
export function fieldPaths(result: PostbackParse): string[] {
  return !result.ok && result.kind === "malformed" ? (result.fields ?? []).map((f) => f.path) : [];
}
