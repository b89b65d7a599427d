/**
 * URLs Boomerang sends a secret to (a network's feed and report endpoints with their bearer
 * token, the operator's notification webhook with step-up codes, the payout processor with
 * its API key) must be `https:`, so the secret never crosses the network in clear. Plain
 * `http:` is allowed only where `ALLOW_INSECURE_URLS` is `"true"`: `npm run dev` (its sandbox
 * network and processor answer on http://127.0.0.1) and the tests. It is never set in
 * wrangler.toml.
 */

/** The switch, as the workers' env carries it. */
export interface InsecureUrlSwitch {
  /** "true" only in development and tests: secret-bearing URLs may be plain http. */
  ALLOW_INSECURE_URLS?: string;
}

/**
 * Whether this deployment may send secrets over plain http.
 *
 * @example
 * insecureUrlsAllowed({ ALLOW_INSECURE_URLS: "true" }) // true
 * insecureUrlsAllowed({}) // false
 */
export function insecureUrlsAllowed(env: InsecureUrlSwitch): boolean {
  return env.ALLOW_INSECURE_URLS === "true";
}

export type SecretUrlCheck = { ok: true; url: string } | { ok: false; reason: string };

/**
 * Checks one secret-bearing URL: `https:` always passes, `http:` only when `allowInsecure`,
 * anything else (another scheme, not a URL at all) never. The reason is worded to follow the
 * setting's name ("feedUrl must be …").
 *
 * @example
 * secretBearingUrl("https://net.example/feed", false) // { ok: true, url: "https://net.example/feed" }
 * secretBearingUrl("http://net.example/feed", false).ok // false
 * secretBearingUrl("http://127.0.0.1:8787/feed", true).ok // true
 */
export function secretBearingUrl(raw: unknown, allowInsecure: boolean): SecretUrlCheck {
  const url = parseUrl(raw);
  if (url === null) return { ok: false, reason: "must be an https URL" };
  if (url.protocol === "https:") return { ok: true, url: url.toString() };
  if (url.protocol === "http:") {
    if (allowInsecure) return { ok: true, url: url.toString() };
    return {
      ok: false,
      reason:
        'must be https: it carries a secret (plain http only where ALLOW_INSECURE_URLS is "true", in development and tests)',
    };
  }
  return { ok: false, reason: "must be an https URL" };
}

function parseUrl(raw: unknown): URL | null {
  if (typeof raw !== "string") return null;
  try {
    return new URL(raw);
  } catch {
    return null;
  }
}

/**
 * The fetcher for network feeds and reports: it refuses, before any byte leaves, a request to
 * a URL `secretBearingUrl` would refuse. The admin API checks URLs when they are saved; this
 * holds for URLs saved before the rule existed, or written by other means. A refusal is a
 * thrown error, which the feed and report readers record as a failed request.
 *
 * @example
 * await runMerchantSyncs(env, { fetcher: secretBearingFetcher(env), nowMs });
 */
export function secretBearingFetcher(
  env: InsecureUrlSwitch,
  fetcher: (request: Request) => Promise<Response> = (request) => fetch(request),
): (request: Request) => Promise<Response> {
  const allowInsecure = insecureUrlsAllowed(env);
  return async (request) => {
    const check = secretBearingUrl(request.url, allowInsecure);
    // The origin only: a query string may carry the credential itself.
    if (!check.ok) throw new Error(`not sent to ${new URL(request.url).origin}: ${check.reason}`);
    return fetcher(request);
  };
}
