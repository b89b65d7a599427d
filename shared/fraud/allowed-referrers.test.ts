import { expect, test } from "vitest";
import { MAX_ALLOWED_REFERRERS, normalizeAllowedReferrers } from "./allowed-referrers";

test.each([
  {
    label: "lower case, sorted, without repeats",
    entries: ["WWW.Partner.test", "www.partner.test ", "deals.example"],
    want: { ok: true, hosts: ["deals.example", "www.partner.test"] },
  },
  {
    label: "a wildcard is the host and its subdomains",
    entries: ["*.deals.example"],
    want: { ok: true, hosts: ["deals.example"] },
  },
  { label: "empty: every referrer", entries: [], want: { ok: true, hosts: [] } },
  {
    label: "every bad entry is named by index",
    entries: ["ok.example", "https://x.example/", "no spaces.example", ""],
    want: { ok: false, issues: [1, 2, 3] },
  },
  {
    label: "too many hosts",
    entries: Array.from({ length: MAX_ALLOWED_REFERRERS + 1 }, (_, i) => `p${i}.example`),
    want: { ok: false, issues: [MAX_ALLOWED_REFERRERS] },
  },
])("$label", ({ entries, want }) => {
  const got = normalizeAllowedReferrers(entries);
  if (want.ok) expect(got).toEqual({ ok: true, hosts: want.hosts });
  else expect(got.ok ? [] : got.issues.map((i) => i.index)).toEqual(want.issues);
});
