import { describe, expect, test } from "vitest";
import { toHex } from "../crypto/encoding";
import { hmacSha256 } from "../crypto/hmac";
import { templateAdapter } from "./template";
import { TemplateMappingSchema } from "./template-mapping";
import { getRequest, postRequest, RECEIVED_AT_MS, SECRET, settingsFor } from "./testing/fixtures";

/**
 * Issue 9: a template's HMAC must cover every part of the request its fields come from, and a
 * mapping's timestamp bounds replay to ±300 s like the generic format.
 */

const query = (name: string) => ({ from: "query", name });
const form = (name: string) => ({ from: "form", name });
const json = (path: string) => ({ from: "json", path });

const base = {
  currency: "USD",
  statusMap: { ok: "approved" },
  amountFormat: "minor",
  timeFormat: "unix_seconds",
};
const queryFields = {
  orderId: query("txn"),
  status: query("st"),
  saleAmount: query("amt"),
  commission: query("pay"),
};
const jsonFields = {
  orderId: json("o.id"),
  status: json("o.st"),
  saleAmount: json("o.amt"),
  commission: json("o.pay"),
};
const formFields = {
  orderId: form("txn"),
  status: form("st"),
  saleAmount: form("amt"),
  commission: form("pay"),
};
const hmacOver = (message: "raw_body" | "query_string") => ({
  type: "hmac_sha256",
  header: "x-sig",
  message,
});
const TOKEN_AUTH = { type: "token", in: "query", name: "key" };

describe("TemplateMappingSchema: the signature covers every part fields come from", () => {
  test.each([
    {
      label: "query fields, query string signed",
      fields: queryFields,
      auth: hmacOver("query_string"),
      refused: null,
    },
    {
      label: "json fields, body signed",
      fields: jsonFields,
      auth: hmacOver("raw_body"),
      refused: null,
    },
    {
      label: "form fields, body signed",
      fields: formFields,
      auth: hmacOver("raw_body"),
      refused: null,
    },
    {
      label: "a const field needs no signature",
      fields: { ...queryFields, status: { from: "const", value: "ok" } },
      auth: hmacOver("query_string"),
      refused: null,
    },
    {
      label: "token auth: no signature to cover",
      fields: { ...queryFields, orderId: json("id") },
      auth: TOKEN_AUTH,
      refused: null,
    },
    {
      label: "json fields, query string signed",
      fields: jsonFields,
      auth: hmacOver("query_string"),
      refused: "fields.orderId",
    },
    {
      label: "form fields, query string signed",
      fields: formFields,
      auth: hmacOver("query_string"),
      refused: "fields.orderId",
    },
    {
      label: "query fields, body signed",
      fields: queryFields,
      auth: hmacOver("raw_body"),
      refused: "fields.orderId",
    },
    {
      label: "one amount from the query, the rest from the signed body",
      fields: { ...jsonFields, commission: query("pay") },
      auth: hmacOver("raw_body"),
      refused: "fields.commission",
    },
    {
      label: "the sub-ID from the body, the rest from the signed query string",
      fields: { ...queryFields, subId: json("sub") },
      auth: hmacOver("query_string"),
      refused: "fields.subId",
    },
  ])("$label", ({ fields, auth, refused }) => {
    const parsed = TemplateMappingSchema.safeParse({ ...base, fields, auth });
    if (refused === null) {
      expect(parsed.success).toBe(true);
      return;
    }
    expect(parsed.success).toBe(false);
    const issue = parsed.error?.issues.find((i) => i.path.join(".") === refused);
    expect(issue?.message).toMatch(/the signature must cover every part fields are read from/);
  });
});

describe("TemplateMappingSchema: the timestamp", () => {
  test.each([
    {
      label: "from the signed body",
      timestamp: { source: json("sent_at") },
      auth: hmacOver("raw_body"),
      fields: jsonFields,
      refused: null,
    },
    {
      label: "from the signed query string, ISO",
      timestamp: { source: query("ts"), format: "iso" },
      auth: hmacOver("query_string"),
      fields: queryFields,
      refused: null,
    },
    {
      label: "from the query while the body is signed",
      timestamp: { source: query("ts") },
      auth: hmacOver("raw_body"),
      fields: jsonFields,
      refused: "timestamp.source",
    },
    {
      label: "with token auth (nothing signs it)",
      timestamp: { source: query("ts") },
      auth: TOKEN_AUTH,
      fields: queryFields,
      refused: "timestamp",
    },
    {
      label: "a constant",
      timestamp: { source: { from: "const", value: "1" } },
      auth: hmacOver("query_string"),
      fields: queryFields,
      refused: "timestamp.source.from",
    },
    {
      label: "an unknown format",
      timestamp: { source: query("ts"), format: "ms" },
      auth: hmacOver("query_string"),
      fields: queryFields,
      refused: "timestamp.format",
    },
  ])("$label", ({ timestamp, auth, fields, refused }) => {
    const parsed = TemplateMappingSchema.safeParse({ ...base, fields, auth, timestamp });
    if (refused === null) {
      expect(parsed.success).toBe(true);
      return;
    }
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join("."))).toContain(refused);
  });
});

/** A signed JSON postback whose body says it was sent at `sentAt`. */
async function signedJson(sentAt: unknown, mappingExtra: Record<string, unknown> = {}) {
  const mapping = {
    ...base,
    fields: jsonFields,
    auth: hmacOver("raw_body"),
    timestamp: { source: json("sent_at") },
    ...mappingExtra,
  };
  const raw = JSON.stringify({ o: { id: "O-1", st: "ok", amt: 1000, pay: 50 }, sent_at: sentAt });
  const request = postRequest(raw, {
    "content-type": "application/json",
    "x-sig": toHex(await hmacSha256(SECRET, raw)),
  });
  return templateAdapter.parsePostback(request, settingsFor("n", mapping));
}

const nowSec = Math.floor(RECEIVED_AT_MS / 1000);

describe("template postbacks: the timestamp is within ±300 s of receipt", () => {
  test.each([
    { label: "now", sentAt: nowSec, want: "ok" },
    { label: "as a digit string", sentAt: String(nowSec - 10), want: "ok" },
    { label: "300 s ago", sentAt: nowSec - 300, want: "ok" },
    { label: "300 s ahead", sentAt: nowSec + 300, want: "ok" },
    { label: "301 s ago (a replay)", sentAt: nowSec - 301, want: "stale_timestamp" },
    { label: "301 s ahead", sentAt: nowSec + 301, want: "stale_timestamp" },
    { label: "a day ago", sentAt: nowSec - 86_400, want: "stale_timestamp" },
    { label: "absent", sentAt: undefined, want: "missing_timestamp" },
    { label: "empty", sentAt: "", want: "missing_timestamp" },
    { label: "milliseconds", sentAt: RECEIVED_AT_MS, want: "malformed_timestamp" },
    { label: "not a number", sentAt: "yesterday", want: "malformed_timestamp" },
    { label: "fractional", sentAt: nowSec + 0.5, want: "malformed_timestamp" },
  ])("$label → $want", async ({ sentAt, want }) => {
    const result = await signedJson(sentAt);
    expect(result.ok ? "ok" : result).toEqual(
      want === "ok" ? "ok" : { ok: false, kind: "auth", reason: want },
    );
  });

  test.each([
    { label: "ISO now", sentAt: "2026-11-21T09:00:00Z", want: "ok" },
    { label: "ISO with an offset, 4 min ago", sentAt: "2026-11-21T10:56:00+02:00", want: "ok" },
    { label: "ISO 6 min ago", sentAt: "2026-11-21T08:54:00Z", want: "stale_timestamp" },
    { label: "ISO without a zone", sentAt: "2026-11-21T09:00:00", want: "malformed_timestamp" },
  ])("iso format: $label → $want", async ({ sentAt, want }) => {
    const result = await signedJson(sentAt, {
      timestamp: { source: json("sent_at"), format: "iso" },
    });
    expect(result.ok ? "ok" : result).toEqual(
      want === "ok" ? "ok" : { ok: false, kind: "auth", reason: want },
    );
  });

  test("the signature is checked first: a forged fresh timestamp is a bad signature", async () => {
    const mapping = {
      ...base,
      fields: jsonFields,
      auth: hmacOver("raw_body"),
      timestamp: { source: json("sent_at") },
    };
    const raw = JSON.stringify({ o: { id: "O-1", st: "ok", amt: 1000, pay: 50 }, sent_at: nowSec });
    const request = postRequest(raw, {
      "content-type": "application/json",
      "x-sig": "0".repeat(64),
    });
    expect(await templateAdapter.parsePostback(request, settingsFor("n", mapping))).toEqual({
      ok: false,
      kind: "auth",
      reason: "bad_signature",
    });
  });
});

describe("a postback signed over a part that does not hold every field is rejected", () => {
  test.each([
    {
      label: "fields in the query, HMAC of the (empty) body",
      mapping: { ...base, fields: queryFields, auth: hmacOver("raw_body") },
      sign: "",
    },
    {
      label: "fields in the body, HMAC of the query string",
      mapping: { ...base, fields: formFields, auth: hmacOver("query_string") },
      sign: "txn=O-1",
    },
  ])("$label → misconfigured, nothing read", async ({ mapping, sign }) => {
    const request = getRequest("txn=O-1&st=ok&amt=1000&pay=50", {
      headers: { "x-sig": toHex(await hmacSha256(SECRET, sign)) },
    });
    const result = await templateAdapter.parsePostback(request, settingsFor("n", mapping));
    expect(result.ok).toBe(false);
    expect(result.ok ? null : result.kind).toBe("auth");
    expect(result.ok ? "" : result.reason).toMatch(
      /^misconfigured: options\.fields\.orderId: .*signature must cover every part/,
    );
  });
});
