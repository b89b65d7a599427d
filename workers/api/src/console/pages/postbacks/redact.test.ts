import { describe, expect, test } from "vitest";
import { REDACTED, redactCredentials } from "./redact";

describe("credentials redacted from a postback body", () => {
  test.each([
    {
      label: "a JSON token",
      body: '{"order_id":"A-1","token":"abc"}',
      shows: ['"order_id": "A-1"', `"token": "${REDACTED}"`],
      hides: ["abc"],
    },
    {
      label: "nested JSON secrets and signatures",
      body: '{"auth":{"api_key":"k1"},"meta":{"Signature":"s1","items":[{"password":"p1"}]}}',
      shows: [`"auth": "${REDACTED}"`, `"Signature": "${REDACTED}"`, `"password": "${REDACTED}"`],
      hides: ["k1", "s1", "p1"],
    },
    {
      label: "form parameters",
      body: "order_id=A-1&sig=abc&secret_key=def&amount=10",
      shows: ["order_id=A-1", `sig=${REDACTED}`, `secret_key=${REDACTED}`, "amount=10"],
      hides: ["abc", "def"],
    },
    {
      label: "an encoded form parameter name",
      body: "order_id=A-1&access%5Ftoken=xyz",
      shows: [`access%5Ftoken=${REDACTED}`],
      hides: ["xyz"],
    },
    {
      label: "a GET postback's query string",
      body: "?order_id=A-1&to%6Ben=xyz&api+key=k",
      shows: ["?order_id=A-1", `to%6Ben=${REDACTED}`, `api+key=${REDACTED}`],
      hides: ["xyz", "=k"],
    },
    {
      label: "headers in text",
      body: "Boomerang-Signature: t=1,v1=abc\nAuthorization: Bearer zzz\nX-Order: A-1",
      shows: [`Boomerang-Signature: ${REDACTED}`, `Authorization: ${REDACTED}`, "X-Order: A-1"],
      hides: ["v1=abc", "zzz"],
    },
    {
      label: "nothing secret is left as it was",
      body: "order_id=A-1&amount=10",
      shows: ["order_id=A-1&amount=10"],
      hides: [REDACTED],
    },
    {
      label: "broken JSON is redacted as text",
      body: '{"token": "abc", ',
      shows: [`"token": ${REDACTED}`],
      hides: ["abc"],
    },
    {
      label: "markup stays text for the page to escape",
      body: '{"note":"<script>alert(1)</script>"}',
      shows: ["<script>alert(1)</script>"],
      hides: [],
    },
  ])("$label", ({ body, shows, hides }) => {
    const out = redactCredentials(body);
    for (const s of shows) expect(out).toContain(s);
    for (const h of hides) expect(out).not.toContain(h);
  });
});
