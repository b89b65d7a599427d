/**
 * Pure: an offer's allowed referrers as the operator sets them (`PUT
 * /admin/v1/offers/{id}/allowed-referrers`; docs/fraud.md "Click quality"): hosts whose pages
 * may send clicks to the offer. An entry allows the host and its subdomains (`example.com`
 * allows `www.example.com`); `*.example.com` is read as `example.com`. An empty list allows
 * every referrer (the default).
 */

/** Enough for a program's approved publishers; the list rides in every cached offer config. */
export const MAX_ALLOWED_REFERRERS = 100;

const HOST =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * The hosts as stored (trimmed, lower case, sorted, without repeats), or every entry that
 * cannot be one, by index.
 *
 * @example
 * normalizeAllowedReferrers(["WWW.Partner.test", "*.deals.example"])
 * // { ok: true, hosts: ["deals.example", "www.partner.test"] }
 */
export function normalizeAllowedReferrers(
  entries: readonly string[],
):
  | { ok: true; hosts: string[] }
  | { ok: false; issues: Array<{ index: number; message: string }> } {
  const issues: Array<{ index: number; message: string }> = [];
  const kept = new Set<string>();
  entries.forEach((raw, index) => {
    const host = raw.trim().toLowerCase().replace(/^\*\./, "").replace(/\.$/, "");
    if (HOST.test(host)) kept.add(host);
    else issues.push({ index, message: "must be a host name, e.g. deals.example.com" });
  });
  if (kept.size > MAX_ALLOWED_REFERRERS) {
    issues.push({
      index: MAX_ALLOWED_REFERRERS,
      message: `at most ${MAX_ALLOWED_REFERRERS} hosts`,
    });
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, hosts: [...kept].sort() };
}
