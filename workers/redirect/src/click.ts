import type { Context } from "hono";
import { getOfferConfig } from "#shared/config/config-store";
import { buildTrackingUrl, liveBoosts, offerAvailability } from "#shared/config/offer-config";
import type { RedirectEnv } from "#shared/env";
import { htmlPage } from "#shared/http/pages";
import { newId } from "#shared/ids";
import { verifyLinkToken } from "#shared/links/link-token";
import { encodeSubId } from "#shared/links/sub-id";
import type { ClickMessage } from "#shared/messages";
import { createLogger, errorFields, requestIdOf } from "#shared/observability/logger";
import { toSec } from "#shared/time/clock";

const UNAVAILABLE_COPY = {
  inactive: "This offer is no longer available.",
  not_started: "This offer has not started yet. Please try again later.",
  ended: "This offer has ended.",
} as const;

/**
 * GET /c/:token — the hot path. Verifies the link with a shared secret, reads the offer
 * from the isolate/KV cache, mints a click id and a signed sub-ID, and answers 302. The
 * click (with the rate shown, frozen) leaves through a Queue in `waitUntil`; nothing here
 * writes to D1.
 */
export async function handleClick(c: Context<{ Bindings: RedirectEnv }>): Promise<Response> {
  const nowMs = Date.now();
  const verified = await verifyLinkToken(c.env.LINK_SIGNING_KEY, c.req.param("token") ?? "", nowMs);
  if (!verified.ok) {
    return verified.reason === "expired"
      ? htmlPage(
          410,
          "This link has expired",
          "Go back to the app and tap the offer again to get a fresh link.",
        )
      : htmlPage(
          400,
          "This link is not valid",
          "The link may have been copied incompletely. Go back to the app and try again.",
        );
  }
  const { userId, offerId } = verified.claims;

  const offer = await getOfferConfig(c.env, offerId, (p) => c.executionCtx.waitUntil(p));
  if (!offer) {
    return htmlPage(404, "Offer not found", "This offer does not exist any more.");
  }
  const availability = offerAvailability(offer, nowMs);
  if (availability !== "live") {
    return htmlPage(410, "Offer unavailable", UNAVAILABLE_COPY[availability]);
  }

  const clickId = newId("click", nowMs);
  const clickAtSec = toSec(nowMs);
  const subId = await encodeSubId(c.env.SUBID_SIGNING_KEY, {
    userId,
    offerId,
    clickId,
    clickAtSec,
  });
  const click: ClickMessage = {
    kind: "click",
    clickId,
    userId,
    offerId,
    merchantId: offer.merchantId,
    networkId: offer.networkId,
    // The sub-ID carries seconds; storing the same instant keeps window checks consistent.
    clickedAtMs: clickAtSec * 1000,
    currency: offer.currency,
    terms: offer.terms,
    returnWindowDays: offer.returnWindowDays,
    // The boosts shown now are the boosts paid, whatever the campaign says later.
    boosts: liveBoosts(offer, nowMs, verified.claims.segments ?? []),
    // The advertiser a sale must be reported at to earn these terms.
    networkOfferRef: offer.networkOfferRef,
    requestId: requestIdOf(c.req.raw),
  };
  c.executionCtx.waitUntil(sendClick(c.env, click));

  const location = buildTrackingUrl(offer.trackingTemplate, {
    subId,
    clickId,
    landingUrl: offer.landingUrl,
    networkOfferRef: offer.networkOfferRef,
  });
  return new Response(null, {
    status: 302,
    headers: { location, "cache-control": "no-store", "referrer-policy": "no-referrer" },
  });
}

async function sendClick(env: RedirectEnv, click: ClickMessage): Promise<void> {
  // One retry: a send that fails twice is logged without personal data; the signed sub-ID
  // still lets the postback consumer see the click happened (it is then rejected as missing).
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      await env.CLICKS.send(click);
      return;
    } catch (error) {
      if (attempt === 2) {
        createLogger({ worker: "redirect", requestId: click.requestId }).error(
          "click.enqueue_failed",
          { clickId: click.clickId, offerId: click.offerId, ...errorFields(error) },
        );
      }
    }
  }
}
