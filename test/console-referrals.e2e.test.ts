import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { type Role, signedIn } from "./console-client";
import { publishRuleSet } from "./referral-helpers";

/**
 * The console's Referrals section through the real worker, as signed-in operators: the
 * campaigns (the live referral rules with their rewards and terms, linking to their funnel and
 * the rule editor) and the funnel (chart, times, per campaign and per referrer, a bad range as
 * a readable problem). The funnel's rows are seeded into D1 as the projection writes them;
 * test/referral-funnel.e2e.test.ts makes them through the real events and wallets.
 */

const MINUTE_MS = 60_000;
const NOW = Date.now();

async function page(role: Role, path: string) {
  const { client } = await signedIn(role);
  const response = await client.get(path);
  return { response, html: await response.text() };
}

async function seedReferral(r: {
  id: string;
  referrerId: string;
  state: string;
  ruleId: string | null;
  clickAgoMs?: number;
  qualifiedAgoMs?: number;
}) {
  const clickId = r.clickAgoMs === undefined ? null : `clk_${r.id}`;
  if (clickId) {
    await env.DB.prepare(
      `INSERT INTO referral_clicks (click_id, code, referrer_id, program_id, platform, fingerprint,
         clicked_at_ms) VALUES (?, 'CODE', ?, 'default', 'web', ?, ?)`,
    )
      .bind(clickId, r.referrerId, `fp-${r.id}`, NOW - (r.clickAgoMs ?? 0))
      .run();
  }
  await env.DB.prepare(
    `INSERT INTO referrals (referral_id, program_id, referrer_id, referee_id, state, method, reason,
       click_id, attributed_at_ms, updated_at_ms, version, rule_id, rule_version, qualified_at_ms)
     VALUES (?, 'default', ?, ?, ?, 'token', 'web_signup_token', ?, ?, ?, 1, ?, ?, ?)`,
  )
    .bind(
      `ref_${r.id}`,
      r.referrerId,
      r.id,
      r.state,
      clickId,
      NOW - 60 * MINUTE_MS,
      NOW,
      r.ruleId,
      r.ruleId ? 1 : null,
      r.qualifiedAgoMs === undefined ? null : NOW - r.qualifiedAgoMs,
    )
    .run();
}

beforeAll(async () => {
  await publishRuleSet(
    {
      timeZone: "UTC",
      groups: [{ name: "base", mode: "stackable" }],
      rules: [
        {
          id: "console-ref",
          name: "₹10 for a first deposit",
          eventTypes: ["deposit.completed"],
          conditions: { all: [{ attr: "referral.state", op: "eq", value: "signed_up" }] },
          effects: [
            {
              kind: "referral_reward",
              programId: "default",
              referrer: { amountMinor: 1_000, currency: "INR" },
              referee: { points: 50 },
            },
          ],
          priority: 10,
          group: "base",
          active: true,
        },
        {
          id: "console-points",
          name: "Points on purchases",
          eventTypes: ["purchase.completed"],
          conditions: { all: [] },
          effects: [{ kind: "points_fixed", points: 10 }],
          priority: 10,
          group: "base",
          active: true,
        },
      ],
    },
    "console referrals",
  );
  // rr-a: two clicks, two signups (one rewarded after 40 min, one held after 90 min), one
  // signed up without qualifying; rr-b: one signup from a typed code.
  await seedReferral({
    id: "re-1",
    referrerId: "rr-a",
    state: "rewarded",
    ruleId: "console-ref",
    clickAgoMs: 100 * MINUTE_MS,
    qualifiedAgoMs: 60 * MINUTE_MS,
  });
  await seedReferral({
    id: "re-2",
    referrerId: "rr-a",
    state: "held",
    ruleId: "console-ref",
    clickAgoMs: 120 * MINUTE_MS,
    qualifiedAgoMs: 30 * MINUTE_MS,
  });
  await seedReferral({ id: "re-3", referrerId: "rr-a", state: "signed_up", ruleId: null });
  await seedReferral({ id: "re-4", referrerId: "rr-b", state: "signed_up", ruleId: null });
});

describe("console referrals", () => {
  it("lists the live referral campaigns with their rewards, figures and links", async () => {
    const { response, html } = await page("viewer", "/console/referrals");
    expect(response.status).toBe(200);
    expect(html).toContain('href="/console/referrals" aria-current="page"');
    expect(html).toContain("₹10 for a first deposit");
    expect(html).not.toContain("Points on purchases");
    expect(html).toContain("₹10.00");
    expect(html).toContain("50 points");
    expect(html).toContain("2 / 2 / 1");
    expect(html).toContain('href="/console/referrals/funnel?ruleId=console-ref"');
    // A viewer reads the rules; a catalog operator is sent to the editor.
    expect(html).toContain("See the rules");
    expect(html).not.toMatch(/\sstyle=/);
    const catalog = await page("catalog", "/console/referrals");
    expect(catalog.html).toContain("Edit in the rule editor");
  });

  it("shows the funnel with its chart, times and tables", async () => {
    const { response, html } = await page("support", "/console/referrals/funnel");
    expect(response.status).toBe(200);
    expect(html).toContain('<svg class="chart"');
    expect(html).toContain('<title id="funnel-title">Referral funnel</title>');
    // The hidden table carries the numbers: 2 clicks, 4 signups, 2 qualified (50%).
    expect(html).toContain("<td>Link clicks</td><td>2</td>");
    expect(html).toContain("<td>Signups</td><td>4 (200%)</td>");
    expect(html).toContain("<td>Qualified</td><td>2 (50%)</td>");
    expect(html).toContain("<td>Held</td><td>1 (50%)</td>");
    // Click → qualification: 40 min and 90 min.
    expect(html).toContain("<dd>40 min</dd>");
    expect(html).toContain("<dd>1 h 30 min</dd>");
    expect(html).toContain('href="/console/users/rr-a"');
    expect(html).toContain("not qualified yet");
    expect(html).not.toMatch(/\sstyle=/);
  });

  it("filters to one campaign and one referrer", async () => {
    const { html } = await page(
      "viewer",
      "/console/referrals/funnel?ruleId=console-ref&referrerId=rr-a",
    );
    expect(html).toContain('<option value="console-ref" selected="">');
    expect(html).toContain("a click belongs to no campaign");
    expect(html).toContain("<td>Signups</td><td>2</td>");
    expect(html).not.toContain("<td>Link clicks</td>");
  });

  it("shows the empty state for a range without referrals", async () => {
    const { response, html } = await page(
      "viewer",
      "/console/referrals/funnel?from=2020-01-01&to=2020-01-31",
    );
    expect(response.status).toBe(200);
    expect(html).toContain("No referral link clicks or signups in this range.");
  });

  it("shows a bad range as the API's readable problem", async () => {
    const { response, html } = await page(
      "viewer",
      "/console/referrals/funnel?from=2026-03-02&to=2026-03-01",
    );
    expect(response.status).toBe(400);
    expect(html).toContain("from must be before to");
  });

  it("is in every role's navigation", async () => {
    for (const role of ["admin", "catalog", "support", "finance", "viewer"] as const) {
      const { html } = await page(role, "/console");
      expect(html).toContain('href="/console/referrals"');
    }
  });
});
