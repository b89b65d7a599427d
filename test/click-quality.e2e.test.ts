import {
  createExecutionContext,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeSubId } from "#shared/links/sub-id";
import redirectWorker from "#workers/redirect/src/index";
import {
  eventually,
  seedCatalog,
  trackingLinkFor,
  uniqueUser,
  waitForClicks,
  walletStub,
} from "./helpers";

/**
 * Click quality through the real workers (docs/fraud.md "Click quality"): the redirect judges
 * the request and answers 302 all the same, the click message carries the mark to the user's
 * wallet, and D1's per-offer counts keep the bots' clicks apart.
 */

const OFFER = "cq-offer";
const CHROME =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
/** What a browser sends for a person's tap on a link. */
const PERSON_HEADERS = {
  "user-agent": CHROME,
  "sec-fetch-dest": "document",
  "sec-fetch-mode": "navigate",
  "sec-fetch-site": "cross-site",
  "sec-fetch-user": "?1",
};
/** What a browser sends when a page loads the link in a hidden iframe (cookie stuffing). */
const IFRAME_HEADERS = {
  "user-agent": CHROME,
  "sec-fetch-dest": "iframe",
  "sec-fetch-mode": "navigate",
  "sec-fetch-site": "cross-site",
};

beforeAll(async () => {
  await seedCatalog({ offerId: OFFER, merchantId: "cq-shop" });
});

/** Follows the user's link with the given request headers; the click id and sub-ID minted. */
async function clickWith(
  userId: string,
  headers: Record<string, string>,
): Promise<{ status: number; clickId: string; subId: string }> {
  const ctx = createExecutionContext();
  const response = await redirectWorker.fetch(
    new Request(await trackingLinkFor(userId, OFFER), { headers }) as Request<
      unknown,
      IncomingRequestCfProperties
    >,
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  const subId = new URL(response.headers.get("location") ?? "").searchParams.get("sub") ?? "";
  const decoded = await decodeSubId(env.SUBID_SIGNING_KEY, subId);
  if (!decoded.ok) throw new Error("no valid sub-ID on the redirect");
  return { status: response.status, clickId: decoded.claims.clickId, subId };
}

function storedQuality(userId: string, clickId: string) {
  return runInDurableObject(walletStub(userId), (_i, state) => {
    const row = state.storage.sql
      .exec<{ bot: number; quality_reasons: string | null }>(
        `SELECT bot, quality_reasons FROM clicks WHERE click_id = ?`,
        clickId,
      )
      .toArray()[0];
    return row ? { bot: row.bot, reasons: JSON.parse(row.quality_reasons ?? "[]") } : null;
  });
}

describe("a click's quality, judged at the edge", () => {
  it("marks an iframe click, still answering 302, and keeps a person's click clean", async () => {
    const stuffed = uniqueUser("cq-iframe");
    const iframe = await clickWith(stuffed, IFRAME_HEADERS);
    expect(iframe.status).toBe(302);
    await waitForClicks(stuffed);
    expect(await storedQuality(stuffed, iframe.clickId)).toEqual({
      bot: 1,
      reasons: ["click_iframe"],
    });

    const person = uniqueUser("cq-person");
    const clean = await clickWith(person, PERSON_HEADERS);
    expect(clean.status).toBe(302);
    await waitForClicks(person);
    expect(await storedQuality(person, clean.clickId)).toEqual({ bot: 0, reasons: [] });

    // D1's per-offer, per-day counts keep the bots' clicks apart from all clicks.
    const rollup = await eventually(async () => {
      const row = await env.DB.prepare(
        `SELECT SUM(clicks) AS clicks, SUM(bot_clicks) AS bots FROM click_rollups WHERE offer_id = ?`,
      )
        .bind(OFFER)
        .first<{ clicks: number; bots: number }>();
      return row && row.clicks >= 2 ? row : null;
    });
    expect(rollup).toEqual({ clicks: 2, bots: 1 });
  });
});
