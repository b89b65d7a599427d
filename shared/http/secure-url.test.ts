import { describe, expect, test } from "vitest";
import { insecureUrlsAllowed, secretBearingFetcher, secretBearingUrl } from "./secure-url";

describe("secretBearingUrl", () => {
  test.each([
    { label: "https, deployed", raw: "https://net.example/feed?x=1", allow: false, ok: true },
    { label: "https, development", raw: "https://net.example/feed", allow: true, ok: true },
    { label: "http, deployed", raw: "http://net.example/feed", allow: false, ok: false },
    { label: "http, development", raw: "http://127.0.0.1:8787/feed", allow: true, ok: true },
    {
      label: "upper-case scheme is still http",
      raw: "HTTP://net.example/",
      allow: false,
      ok: false,
    },
    { label: "ftp, development", raw: "ftp://net.example/feed", allow: true, ok: false },
    { label: "javascript:, development", raw: "javascript:alert(1)", allow: true, ok: false },
    { label: "not a URL", raw: "net.example/feed", allow: true, ok: false },
    { label: "empty", raw: "", allow: true, ok: false },
    { label: "not a string", raw: 42, allow: true, ok: false },
    { label: "absent", raw: undefined, allow: true, ok: false },
  ])("$label → ok: $ok", ({ raw, allow, ok }) => {
    expect(secretBearingUrl(raw, allow).ok).toBe(ok);
  });

  test("an http refusal says why and how development allows it", () => {
    expect(secretBearingUrl("http://net.example/feed", false)).toEqual({
      ok: false,
      reason:
        'must be https: it carries a secret (plain http only where ALLOW_INSECURE_URLS is "true", in development and tests)',
    });
  });
});

describe("insecureUrlsAllowed", () => {
  test.each([
    { label: "true", env: { ALLOW_INSECURE_URLS: "true" }, allowed: true },
    { label: "unset", env: {}, allowed: false },
    { label: "empty", env: { ALLOW_INSECURE_URLS: "" }, allowed: false },
    { label: "TRUE is not true", env: { ALLOW_INSECURE_URLS: "TRUE" }, allowed: false },
    { label: "1 is not true", env: { ALLOW_INSECURE_URLS: "1" }, allowed: false },
  ])("$label → $allowed", ({ env, allowed }) => {
    expect(insecureUrlsAllowed(env)).toBe(allowed);
  });
});

describe("secretBearingFetcher", () => {
  const answered: string[] = [];
  const fake = async (request: Request) => {
    answered.push(request.url);
    return new Response("ok");
  };
  test.each([
    { label: "https is sent", url: "https://net.test/r?token=t", allow: "", sent: true },
    {
      label: "http is refused in a deployment",
      url: "http://net.test/r?token=t",
      allow: "",
      sent: false,
    },
    {
      label: "http is sent in development",
      url: "http://127.0.0.1:8787/r",
      allow: "true",
      sent: true,
    },
    { label: "ftp is never sent", url: "ftp://net.test/r", allow: "true", sent: false },
  ])("$label", async ({ url, allow, sent }) => {
    answered.length = 0;
    const fetcher = secretBearingFetcher({ ALLOW_INSECURE_URLS: allow }, fake);
    if (sent) {
      expect(await (await fetcher(new Request(url))).text()).toBe("ok");
      expect(answered).toEqual([url]);
    } else {
      const refusal = fetcher(new Request(url));
      await expect(refusal).rejects.toThrow(/not sent to \w+:\/\/[^/?]+: must be/);
      // The refusal names the origin only: the query string may hold the credential.
      await expect(refusal).rejects.not.toThrow(/token/);
      expect(answered).toEqual([]);
    }
  });
});
