import { describe, expect, test } from "vitest";
import {
  canonicalPostbackString,
  SIGNATURE_TOLERANCE_SEC,
  signPostback,
  verifyPostbackSignature,
} from "./signature";

const SECRET = "network-secret-for-tests";
const NETWORK = "demo-network";
const BODY = '{"order_id":"ord-1","status":"pending","sale_amount_minor":99900}';
const T = 1_760_000_000;
const NOW_MS = T * 1000;
const V1_FOR_OTHER = "0".repeat(64);

function reasonOf(result: Awaited<ReturnType<typeof verifyPostbackSignature>>): string {
  return result.ok ? "ok" : result.reason;
}

describe("signPostback", () => {
  test("header form is t=<seconds>,v1=<64 hex>", async () => {
    expect(await signPostback(SECRET, NETWORK, BODY, T)).toMatch(/^t=1760000000,v1=[0-9a-f]{64}$/);
  });

  test("canonical string binds timestamp, network and body", () => {
    expect(canonicalPostbackString(T, NETWORK, "{}")).toBe("1760000000.demo-network.{}");
  });
});

describe("verifyPostbackSignature", () => {
  test("valid signature → ok with its timestamp", async () => {
    const header = await signPostback(SECRET, NETWORK, BODY, T);
    expect(await verifyPostbackSignature(SECRET, NETWORK, BODY, header, NOW_MS)).toEqual({
      ok: true,
      timestampSec: T,
    });
  });

  test.each([
    { label: "signed now", skewSec: 0, want: "ok" },
    { label: "signed 300 s ago (edge of window)", skewSec: -300, want: "ok" },
    { label: "signed 300 s ahead (edge of window)", skewSec: 300, want: "ok" },
    { label: "signed 301 s ago", skewSec: -301, want: "stale_timestamp" },
    { label: "signed 301 s ahead", skewSec: 301, want: "stale_timestamp" },
    { label: "signed a day ago", skewSec: -86_400, want: "stale_timestamp" },
  ])("$label → $want", async ({ skewSec, want }) => {
    expect(SIGNATURE_TOLERANCE_SEC).toBe(300);
    const header = await signPostback(SECRET, NETWORK, BODY, T + skewSec);
    expect(reasonOf(await verifyPostbackSignature(SECRET, NETWORK, BODY, header, NOW_MS))).toBe(
      want,
    );
  });

  test("sub-second clock: 300.5 s is outside the window", async () => {
    const header = await signPostback(SECRET, NETWORK, BODY, T);
    const result = await verifyPostbackSignature(SECRET, NETWORK, BODY, header, NOW_MS + 300_500);
    expect(reasonOf(result)).toBe("stale_timestamp");
  });

  test("a stale header with a bad mac is reported as stale (no HMAC work for replays)", async () => {
    const header = `t=${T - 301},v1=${V1_FOR_OTHER}`;
    const result = await verifyPostbackSignature(SECRET, NETWORK, BODY, header, NOW_MS);
    expect(reasonOf(result)).toBe("stale_timestamp");
  });

  test.each([
    { label: "null header", header: null, want: "missing_signature" },
    // `!header` treats a present-but-empty header as absent.
    { label: "empty header", header: "", want: "missing_signature" },
    { label: "non-numeric t", header: `t=abc,v1=${V1_FOR_OTHER}`, want: "malformed_signature" },
    { label: "no t", header: `v1=${V1_FOR_OTHER}`, want: "malformed_signature" },
    { label: "no v1", header: `t=${T}`, want: "malformed_signature" },
    { label: "garbage", header: "garbage", want: "malformed_signature" },
    {
      label: "two t values",
      header: `t=${T},t=${T},v1=${V1_FOR_OTHER}`,
      want: "malformed_signature",
    },
    { label: "empty t", header: `t=,v1=${V1_FOR_OTHER}`, want: "malformed_signature" },
    { label: "negative t", header: `t=-${T},v1=${V1_FOR_OTHER}`, want: "malformed_signature" },
    {
      label: "t in milliseconds",
      header: `t=${NOW_MS},v1=${V1_FOR_OTHER}`,
      want: "malformed_signature",
    },
    { label: "key without value sign", header: `t=${T},v1`, want: "malformed_signature" },
    { label: "empty key", header: `=${T},v1=${V1_FOR_OTHER}`, want: "malformed_signature" },
    { label: "trailing comma", header: `t=${T},v1=${V1_FOR_OTHER},`, want: "malformed_signature" },
    { label: "only v0 scheme", header: `t=${T},v0=${V1_FOR_OTHER}`, want: "malformed_signature" },
  ])("$label → $want", async ({ header, want }) => {
    const result = await verifyPostbackSignature(SECRET, NETWORK, BODY, header, NOW_MS);
    expect(reasonOf(result)).toBe(want);
  });

  test.each([
    {
      label: "wrong secret",
      sign: () => signPostback("another-secret", NETWORK, BODY, T),
      body: BODY,
    },
    {
      label: "body changed by one byte",
      sign: () => signPostback(SECRET, NETWORK, BODY, T),
      body: BODY.replace("99900", "99901"),
    },
    {
      label: "body with a trailing newline",
      sign: () => signPostback(SECRET, NETWORK, BODY, T),
      body: `${BODY}\n`,
    },
    {
      label: "signed for another network id",
      sign: () => signPostback(SECRET, "other-network", BODY, T),
      body: BODY,
    },
    {
      label: "timestamp in header changed after signing",
      sign: async () =>
        (await signPostback(SECRET, NETWORK, BODY, T)).replace(`t=${T}`, `t=${T + 1}`),
      body: BODY,
    },
    {
      label: "upper-case hex",
      sign: async () => {
        const [t, v1] = (await signPostback(SECRET, NETWORK, BODY, T)).split(",");
        return `${t},${v1?.toUpperCase().replace("V1=", "v1=")}`;
      },
      body: BODY,
    },
    {
      label: "truncated mac",
      sign: async () => (await signPostback(SECRET, NETWORK, BODY, T)).slice(0, -2),
      body: BODY,
    },
  ])("$label → bad_signature", async ({ sign, body }) => {
    const result = await verifyPostbackSignature(SECRET, NETWORK, body, await sign(), NOW_MS);
    expect(reasonOf(result)).toBe("bad_signature");
  });

  test.each([
    { label: "old secret first, new second", order: ["old", "new"] },
    { label: "new secret first, old second", order: ["new", "old"] },
  ])("secret rotation, $label → ok", async ({ order }) => {
    const macOf = async (secret: string) =>
      (await signPostback(secret, NETWORK, BODY, T)).split("v1=")[1];
    const macs = { old: await macOf("old-secret"), new: await macOf(SECRET) };
    const header = `t=${T},${order.map((k) => `v1=${macs[k as "old" | "new"]}`).join(",")}`;
    expect(await verifyPostbackSignature(SECRET, NETWORK, BODY, header, NOW_MS)).toEqual({
      ok: true,
      timestampSec: T,
    });
  });

  test("spaces after commas are tolerated", async () => {
    const header = (await signPostback(SECRET, NETWORK, BODY, T)).replace(",", ", ");
    expect(reasonOf(await verifyPostbackSignature(SECRET, NETWORK, BODY, header, NOW_MS))).toBe(
      "ok",
    );
  });

  test("unknown extra keys are ignored", async () => {
    const header = `${await signPostback(SECRET, NETWORK, BODY, T)},v0=deadbeef`;
    expect(reasonOf(await verifyPostbackSignature(SECRET, NETWORK, BODY, header, NOW_MS))).toBe(
      "ok",
    );
  });
});
