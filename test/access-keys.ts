/**
 * The admin keys bound in vitest.config.ts (ADMIN_API_KEYS holds their digests; the reader's
 * is given in clear there), and a helper that calls the api with one. `payouts` and `reader`
 * are configured with the issue-9 names `payouts` and `read-only`: roles finance and viewer.
 */
export const TEST_KEYS = {
  catalog: "test-catalog-key-0123456789abcdef",
  payouts: "test-payouts-key-0123456789abcdef",
  finance: "test-finance-key-0123456789abcdef",
  reader: "test-reader-key-0123456789abcdef",
  support: "test-support-key-0123456789abcdef",
  viewer: "test-viewer-key-0123456789abcdef",
} as const;

export function withKey(key: string, init: RequestInit = {}): RequestInit {
  return {
    ...init,
    headers: {
      authorization: `Bearer ${key}`,
      ...(init.body !== undefined ? { "content-type": "application/json" } : {}),
      ...(init.headers as Record<string, string> | undefined),
    },
  };
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
