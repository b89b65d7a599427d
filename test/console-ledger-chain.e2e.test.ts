import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, test } from "vitest";
import { anchorStatement, type ChainAnchor } from "#workers/api/src/features/payouts/audit-anchors";
import { signedIn } from "./console-client";
import { adminPut, uniqueUser } from "./helpers";

/**
 * The user page's "Ledger chain" panel through the real worker (docs/ledger.md): the daily
 * audit's last anchor (D1 wallet_chain_anchors, written here with the audit's own upsert) read
 * through the admin ledger export, as verified, broken naming the first entry that does not
 * verify, or not yet audited; and the export itself downloadable from the console.
 */

const VERIFIED_AT_MS = Date.UTC(2026, 10, 3, 4, 5, 0);
const users = { verified: "", broken: "", unaudited: "" };

function anchor(userId: string, over: Partial<ChainAnchor>): ChainAnchor {
  return {
    userId,
    headSeq: 0,
    headHash: "0".repeat(64),
    status: "ok",
    firstBadSeq: null,
    runId: `run_console_${crypto.randomUUID()}`,
    verifiedAtMs: VERIFIED_AT_MS,
    ...over,
  };
}

/** The panel's section of the user page. */
async function chainPanelOf(userId: string): Promise<string> {
  const { client } = await signedIn("viewer");
  const response = await client.get(`/console/users/${encodeURIComponent(userId)}`);
  expect(response.status).toBe(200);
  const html = await response.text();
  const start = html.indexOf('aria-label="Ledger chain"');
  expect(start).toBeGreaterThan(-1);
  return html.slice(start, html.indexOf("</section>", start));
}

beforeAll(async () => {
  for (const key of Object.keys(users) as Array<keyof typeof users>) {
    users[key] = uniqueUser(`console-chain-${key}`);
    const put = await adminPut(`/admin/v1/users/${users[key]}`, { displayName: key });
    expect(put.status).toBe(200);
  }
  // The audit's own upsert (a drizzle query runs when awaited).
  await anchorStatement(env, anchor(users.verified, {})).statement;
  await anchorStatement(env, anchor(users.broken, { status: "broken", headSeq: 7, firstBadSeq: 4 }))
    .statement;
});

describe("the user page's ledger chain", () => {
  test("a verified wallet: status, head seq, when and up to which entry", async () => {
    const panel = await chainPanelOf(users.verified);
    expect(panel).toContain('<span class="badge ok">verified</span>');
    expect(panel).toContain(`datetime="${new Date(VERIFIED_AT_MS).toISOString()}"`);
    expect(panel).toContain("up to entry 0");
    expect(panel).toMatch(/<dt>Head seq<\/dt>\s*<dd>0/);
    expect(panel).not.toContain("does not verify");
    expect(panel).toContain(`href="/console/users/${users.verified}/ledger/export"`);
  });

  test("a broken wallet names the first entry that does not verify", async () => {
    const panel = await chainPanelOf(users.broken);
    expect(panel).toContain('<span class="badge bad">broken</span>');
    expect(panel).toContain("Entry 4 is the first that does not verify.");
    expect(panel).toContain("up to entry 7");
  });

  test("a wallet the audit has not reached yet", async () => {
    const panel = await chainPanelOf(users.unaudited);
    expect(panel).toContain('<span class="badge">not yet audited</span>');
    expect(panel).not.toContain("verified</span>");
    expect(panel).toMatch(/<dt>Last verified<\/dt>\s*<dd>—/);
  });

  test("the users page lists the wallets whose chain is broken, linked to their page", async () => {
    const { client } = await signedIn("viewer");
    const response = await client.get("/console/users");
    expect(response.status).toBe(200);
    const html = await response.text();
    const start = html.indexOf("<h2>Broken ledger chains</h2>");
    expect(start).toBeGreaterThan(-1);
    const list = html.slice(start, html.indexOf("</table>", start));
    const row = list.slice(list.indexOf(`href="/console/users/${users.broken}"`));
    expect(row.slice(0, row.indexOf("</tr>"))).toMatch(
      /<span class="badge bad">broken<\/span><\/td>\s*<td>4<\/td>/,
    );
    expect(list).not.toContain(users.verified);
    expect(list).not.toContain(users.unaudited);
  });

  test("the export downloads from the console with its anchor; an unknown user is a 404", async () => {
    const { client } = await signedIn("viewer");
    const response = await client.get(`/console/users/${users.broken}/ledger/export`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toContain("attachment");
    const body = (await response.json()) as {
      userId: string;
      anchor: { status: string; firstBadSeq: number } | null;
      entries: unknown[];
    };
    expect(body.userId).toBe(users.broken);
    expect(body.anchor).toMatchObject({ status: "broken", firstBadSeq: 4 });
    expect(body.entries).toEqual([]);
    const missing = await client.get(`/console/users/${uniqueUser("nobody")}/ledger/export`);
    expect(missing.status).toBe(404);
  });
});
