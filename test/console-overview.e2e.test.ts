import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { utcDay } from "#shared/time/clock";
import { type Role, signedIn } from "./console-client";
import {
  seedClaim,
  seedNetworkHealth,
  seedPayout,
  seedReconRun,
  seedRollup,
  seedTransaction,
} from "./console-overview-seed";

/**
 * The Overview (/console) and Finance (/console/finance) pages through the real worker, as
 * signed-in operators of each role: figures formatted from minor units, the queues needing
 * attention with their counts and links, the charts with their data tables, the empty state,
 * and the finance CSV export. The first test runs on the empty database of this file.
 */
const ROLES: readonly Role[] = ["admin", "catalog", "support", "finance", "viewer"];

/** The count shown in the attention link to `href`. */
function attentionCount(html: string, href: string): string | undefined {
  const escaped = href.replaceAll("?", "\\?");
  return new RegExp(`<a href="${escaped}"[^>]*><span class="attention-count">([^<]*)</span>`).exec(
    html,
  )?.[1];
}

async function page(role: Role, path: string) {
  const { client } = await signedIn(role);
  const response = await client.get(path);
  return { response, html: await response.text(), client };
}

describe("console overview and finance", () => {
  it("shows the empty state and zero queues on an empty database", async () => {
    const { response, html } = await page("viewer", "/console");
    expect(response.status).toBe(200);
    expect(html).toContain("No clicks, conversions or payouts in the last 30 days yet");
    expect(attentionCount(html, "/console/review?queue=claims")).toBe("0");
    expect(html).not.toContain('<svg class="chart"');
    expect(html).toContain("No payouts waiting to be paid.");

    const finance = await page("finance", "/console/finance");
    expect(finance.response.status).toBe(200);
    expect(finance.html).toContain("No wallet holds a balance.");
    expect(finance.html).toContain("No payouts were paid in this range.");
  });

  describe("with activity today", () => {
    const now = Date.now();
    const today = utcDay(now);

    beforeAll(async () => {
      await seedRollup("ovp-offer", today, 1_234);
      await seedTransaction({
        id: "ovp-t1",
        status: "pending",
        currency: "INR",
        cashbackMinor: 1_234,
        convertedAtMs: now,
      });
      await seedTransaction({
        id: "ovp-t2",
        status: "confirmed",
        currency: "EUR",
        cashbackMinor: 1_234,
        convertedAtMs: now,
      });
      await seedPayout({
        id: "ovp-paid",
        status: "paid",
        currency: "INR",
        amountMinor: 500_000,
        createdAtMs: now,
        paidAtMs: now,
      });
      await seedPayout({
        id: "ovp-held",
        status: "held",
        currency: "INR",
        amountMinor: 7_500,
        createdAtMs: now,
      });
      await seedPayout({
        id: "ovp-flagged",
        status: "paid",
        currency: "EUR",
        amountMinor: 100,
        createdAtMs: now,
        paidAtMs: now - 40 * 86_400_000,
        attention: "processor says failed",
      });
      await seedClaim("ovp-c1", "review", now);
      await seedClaim("ovp-c2", "review", now);
      await seedClaim("ovp-c3", "review", now);
      await seedReconRun("ovp-run", now, ["report_behind", "unparseable"]);
      await seedNetworkHealth("ovp-net", "open", now);
      await env.DB.prepare(
        `INSERT INTO wallet_balances (user_id, bucket, currency, balance_minor, ledger_seq,
           updated_at_ms) VALUES ('ovp-user', 'confirmed', 'INR', 98_765, 1, 0)`,
      ).run();
    });

    it.each(ROLES)("shows today's figures, formatted, to %s", async (role) => {
      const { response, html } = await page(role, "/console");
      expect(response.status).toBe(200);
      expect(html).toContain('data-figure="today-clicks">1,234<');
      expect(html).toContain('data-figure="today-conversions">2<');
      expect(html).toContain("€12.34");
      expect(html).toContain("₹12.34");
      expect(html).toContain("₹5,000.00");
      expect(html).not.toContain("No clicks, conversions or payouts");
    });

    it("links every queue needing attention with its count", async () => {
      const { html } = await page("support", "/console");
      expect(attentionCount(html, "/console/review?queue=claims")).toBe("3");
      expect(attentionCount(html, "/console/review?queue=held")).toBe("1");
      expect(attentionCount(html, "/console/review?queue=attention")).toBe("1");
      expect(attentionCount(html, "/console/reconciliation")).toBe("2");
      expect(attentionCount(html, "/console/catalog/networks")).toBe("1");
      // The held payout is in flight.
      expect(html).toContain("₹75.00");
    });

    it("draws the charts as SVG with a title and the numbers in a table, without inline styles", async () => {
      const { html } = await page("viewer", "/console");
      expect(html).toContain('<title id="chart-clicks-title">Clicks per day</title>');
      expect(html).toContain('<title id="chart-conversions-title">Conversions per day</title>');
      expect(html).toContain("Cashback per day (EUR)");
      expect(html).toContain("Cashback per day (INR)");
      expect(html).toContain(`<td>${today}</td><td>1,234</td>`);
      expect(html).toContain(`<td>${today}</td><td>€12.34</td>`);
      expect(html).toMatch(/<th scope="col">Day<\/th>/);
      expect(html).not.toMatch(/\sstyle=/);
      expect(html).not.toMatch(/<script(?![^>]*\ssrc=)/);
    });

    it("shows the finance summary with liabilities, payouts paid per day and a chart", async () => {
      const { response, html } = await page("viewer", "/console/finance");
      expect(response.status).toBe(200);
      expect(html).toContain("₹987.65");
      expect(html).toContain(`<td>${today}</td><td>INR</td><td class="num">1</td>`);
      expect(html).toContain("Paid out per day (INR)");
      expect(html).toContain('href="/console/finance/export.csv"');
      expect(html).not.toMatch(/\sstyle=/);
    });

    it("filters the finance page by day range", async () => {
      const { html } = await page("finance", `/console/finance?from=${today}&to=${today}`);
      expect(html).toContain(`value="${today}"`);
      expect(html).toContain("₹5,000.00");
      expect(html).toContain(`href="/console/finance/export.csv?from=${today}&amp;to=${today}"`);
      const past = await page("finance", "/console/finance?from=2020-01-01&to=2020-01-31");
      expect(past.html).toContain("No payouts were paid in this range.");
    });

    it("shows a bad finance range as a readable problem", async () => {
      const { response, html } = await page(
        "finance",
        "/console/finance?from=2026-03-05&to=2026-03-01",
      );
      expect(response.status).toBe(400);
      expect(html).toContain('role="alert"');
      expect(html).toContain("from must be before to");
    });

    it("exports paid-per-day as a CSV download", async () => {
      const { client } = await signedIn("finance");
      const response = await client.get(`/console/finance/export.csv?from=${today}&to=${today}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toContain("text/csv");
      expect(response.headers.get("content-disposition")).toMatch(
        /^attachment; filename="finance-paid-per-day_.+\.csv"$/,
      );
      expect(await response.text()).toBe(
        `day,currency,payouts,paid_out_minor,paid_out\r\n${today},INR,1,500000,5000.00\r\n`,
      );
    });

    it("sends a signed-out visitor to sign in instead of showing figures", async () => {
      const { ConsoleClient } = await import("./console-client");
      const response = await new ConsoleClient().get("/console/finance/export.csv");
      expect(response.status).toBe(303);
    });
  });
});
