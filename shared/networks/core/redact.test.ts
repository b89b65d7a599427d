import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { adapterFor } from "../registry";
import { settingsFor } from "../testing/fixtures";
import type { CredentialParams } from "../types";
import { isCredentialHeader, NO_CREDENTIALS, redactCredentialParams } from "./redact";

const TOKEN: CredentialParams = { params: ["token"], headers: [], caseInsensitive: true };
const EXACT: CredentialParams = { params: ["key"], headers: [], caseInsensitive: false };

describe("redactCredentialParams", () => {
  test.each([
    { label: "first", text: "?token=s3cret&order_id=7", want: "?token=[redacted]&order_id=7" },
    {
      label: "middle",
      text: "?order_id=7&token=s3cret&subid=abc",
      want: "?order_id=7&token=[redacted]&subid=abc",
    },
    { label: "last", text: "?order_id=7&token=s3cret", want: "?order_id=7&token=[redacted]" },
    { label: "only", text: "?token=s3cret", want: "?token=[redacted]" },
    {
      label: "repeated",
      text: "?token=s3cret&order_id=7&token=s3cret",
      want: "?token=[redacted]&order_id=7&token=[redacted]",
    },
    { label: "URL-encoded value", text: "?token=s%2F3+cr%3Det", want: "?token=[redacted]" },
    {
      label: "URL-encoded name",
      text: "?%74oken=s3cret&order_id=7",
      want: "?%74oken=[redacted]&order_id=7",
    },
    { label: "other case", text: "?order_id=7&TOKEN=s3cret", want: "?order_id=7&TOKEN=[redacted]" },
    { label: "empty value", text: "?token=&order_id=7", want: "?token=[redacted]&order_id=7" },
    { label: "absent", text: "?order_id=7&subid=abc", want: "?order_id=7&subid=abc" },
    {
      label: "a name that only starts like it",
      text: "?tokens=1&my_token=2",
      want: "?tokens=1&my_token=2",
    },
    {
      label: "the token's text as another parameter's value",
      text: "?note=token%3Ds3cret",
      want: "?note=token%3Ds3cret",
    },
    {
      label: "form body without ?",
      text: "order_id=7&token=s3cret",
      want: "order_id=7&token=[redacted]",
    },
    { label: "empty", text: "", want: "" },
    { label: "just ?", text: "?", want: "?" },
    {
      label: "form body whose first name starts with a bracket",
      text: "[x]=1&token=s3cret",
      want: "[x]=1&token=[redacted]",
    },
    {
      label: "JSON-looking but not JSON",
      text: "{x}&token=s3cret",
      want: "{x}&token=[redacted]",
    },
    {
      label: "JSON body unchanged",
      text: '{"order_id":"7","x":"a&token=s3cret"}',
      want: '{"order_id":"7","x":"a&token=s3cret"}',
    },
  ])("$label", ({ text, want }) => {
    expect(redactCredentialParams(text, TOKEN)).toBe(want);
  });

  test.each([
    { label: "exact name", text: "?key=s&a=1", want: "?key=[redacted]&a=1" },
    { label: "other case kept when exact", text: "?KEY=s&a=1", want: "?KEY=s&a=1" },
  ])("case-sensitive credentials: $label", ({ text, want }) => {
    expect(redactCredentialParams(text, EXACT)).toBe(want);
  });

  test("no credentials: the text as received", () => {
    expect(redactCredentialParams("?token=s3cret", NO_CREDENTIALS)).toBe("?token=s3cret");
  });
});

test("property: whatever the parameters, no credential value survives and nothing else changes", () => {
  const name = fc.stringMatching(/^[A-Za-z0-9_%+.\-[\]]{0,8}$/);
  const value = fc.string({ maxLength: 12 });
  const encode = (text: string, how: number) =>
    how === 0
      ? text
      : how === 1
        ? encodeURIComponent(text)
        : text.replace(/./g, (ch) => `%${ch.charCodeAt(0).toString(16).padStart(2, "0")}`);
  fc.assert(
    fc.property(
      fc.array(fc.tuple(name, value), { maxLength: 6 }),
      fc.array(
        fc.tuple(
          fc.constantFrom("token", "TOKEN", "Token"),
          fc.integer({ min: 0, max: 2 }),
          fc.nat(),
        ),
        {
          minLength: 1,
          maxLength: 3,
        },
      ),
      fc.string({ minLength: 1, maxLength: 16 }),
      (others, tokens, secret) => {
        const pairs = others.map(([n, v]) => `${n}=${encodeURIComponent(v)}`);
        for (const [spelling, how, at] of tokens) {
          pairs.splice(
            at % (pairs.length + 1),
            0,
            `${encode(spelling, how)}=${encodeURIComponent(secret)}`,
          );
        }
        const text = `?${pairs.join("&")}`;
        const redacted = redactCredentialParams(text, TOKEN);
        for (const [key, v] of new URLSearchParams(redacted)) {
          if (key.toLowerCase() === "token") expect(v).toBe("[redacted]");
        }
        const kept = (t: string) =>
          [...new URLSearchParams(t)].filter(([key]) => key.toLowerCase() !== "token");
        expect(kept(redacted)).toEqual(kept(text));
      },
    ),
    { numRuns: 300 },
  );
});

test("isCredentialHeader compares lower-case names", () => {
  const header: CredentialParams = { params: [], headers: ["x-api-key"], caseInsensitive: true };
  expect(isCredentialHeader("X-Api-Key", header)).toBe(true);
  expect(isCredentialHeader("boomerang-signature", header)).toBe(false);
});

describe("each adapter names its credentials", () => {
  const templateBase = {
    fields: {
      orderId: { from: "query", name: "txn" },
      status: { from: "query", name: "st" },
      saleAmount: { from: "query", name: "amt" },
      commission: { from: "query", name: "pay" },
    },
    currency: "USD",
    statusMap: { ok: "approved" },
    amountFormat: "decimal",
    timeFormat: "unix_seconds",
  };
  test.each([
    { label: "generic", format: "generic", options: {}, want: undefined },
    {
      label: "admitad default",
      format: "admitad",
      options: {},
      want: { params: ["token"], headers: [], caseInsensitive: true },
    },
    {
      label: "impact custom tokenParam",
      format: "impact",
      options: { tokenParam: "secret" },
      want: { params: ["secret"], headers: [], caseInsensitive: true },
    },
    {
      label: "cj misconfigured: default and configured names",
      format: "cj",
      options: { tokenParam: "key", requireToken: "yes" },
      want: { params: ["token", "key"], headers: [], caseInsensitive: true },
    },
    {
      label: "template token in the query",
      format: "template",
      options: { ...templateBase, auth: { type: "token", in: "query", name: "key" } },
      want: { params: ["key"], headers: [], caseInsensitive: true },
    },
    {
      label: "template token in a header",
      format: "template",
      options: { ...templateBase, auth: { type: "token", in: "header", name: "x-key" } },
      want: { params: [], headers: ["x-key"], caseInsensitive: true },
    },
    {
      label: "template HMAC: nothing to redact",
      format: "template",
      options: {
        ...templateBase,
        auth: { type: "hmac_sha256", header: "x-sig", message: "query_string" },
      },
      want: NO_CREDENTIALS,
    },
    {
      label: "template that does not validate, token still named",
      format: "template",
      options: { auth: { type: "token", in: "query", name: "key" } },
      want: { params: ["key"], headers: [], caseInsensitive: true },
    },
  ])("$label", ({ format, options, want }) => {
    const adapter = adapterFor(format);
    expect(adapter).not.toBeNull();
    expect(adapter?.credentialParams?.(settingsFor("n", options))).toEqual(want);
  });
});
