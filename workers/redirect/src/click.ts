import type { Context } from "hono";
import { clickBoosts } from "#shared/campaigns/click-boosts";
import { clickMessageTooLarge } from "#shared/config/click-message-bounds";
import { getOfferConfig } from "#shared/config/config-read";
import { offerAvailability } from "#shared/config/offer-config";
import type { RedirectEnv } from "#shared/env";
import { loadClickLists } from "#shared/fraud/click-lists";
import { clickRequestFacts, EMPTY_CLICK_LISTS, judgeClick } from "#shared/fraud/click-quality";
import { htmlPage } from "#shared/http/pages";
import { newId } from "#shared/ids";
import { linkKeyRing, verifyLinkTokenWithRing } from "#shared/links/link-keys";
import { encodeSubId } from "#shared/links/sub-id";
import type { ClickMessage } from "#shared/messages";
import { trackingUrlFor } from "#shared/networks/tracking-urls";
import { createLogger, requestIdOf } from "#shared/observability/logger";
import { toSec } from "#shared/time/clock";
import { dedupedClickId, dedupeWindowSec } from "./click-dedupe";
import { withClickLinks } from "./click-identifiers";
import { clientIpOf, ipLimited, linkLimited } from "./click-limits";
import { sendClick } from "./send-click";

const UNAVAILABLE_COPY = {
  inactive: "This offer is no longer available.",
  not_started: "This offer has not started yet. Please try again later.",
  ended: "This offer has ended.",
} as const;

/**
 * GET /c/:token — the hot path. Verifies the link with a shared secret, reads the offer
 * from the isolate/KV cache, mints a click id and a signed sub-ID, and answers 302. The
 * click (with the rate shown, frozen) leaves through a Queue in `waitUntil`; nothing here
 * writes to D1. Floods get a 429 (per client IP, per link: click-limits.ts), and repeats from
 * one client within a short window share one click id (click-dedupe.ts). The click's quality
 * (an iframe, automation, a datacenter…: shared/fraud/click-quality.ts) travels in its message.
 */
export async function handleClick(c: Context<{ Bindings: RedirectEnv }>): Promise<Response> {
  const nowMs = Date.now();
  const clientIp = clientIpOf(c.req.raw);
  const ipRefusal = await ipLimited(c.env, clientIp);
  if (ipRefusal) return ipRefusal;
  const token = c.req.param("token") ?? "";
  const linkKeys = linkKeyRing(c.env);
  const verified = await verifyLinkTokenWithRing(linkKeys, token, nowMs);
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
  const linkRefusal = await linkLimited(c.env, verified.claims);
  if (linkRefusal) return linkRefusal;

  const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
  const [offer, clickLists] = await Promise.all([
    getOfferConfig(c.env, offerId, waitUntil),
    // The datacenter lists from KV (never D1); unreadable lists judge nothing rather than fail
    // the click.
    loadClickLists(c.env, waitUntil).catch(() => EMPTY_CLICK_LISTS),
  ]);
  if (!offer) {
    return htmlPage(404, "Offer not found", "This offer does not exist any more.");
  }
  const availability = offerAvailability(offer, nowMs);
  if (availability !== "live") {
    return htmlPage(410, "Offer unavailable", UNAVAILABLE_COPY[availability]);
  }

  // Repeats from one client within the dedupe window share one click id (click-dedupe.ts).
  const clickId =
    (await dedupedClickId(
      linkKeys.current.key,
      token,
      clientIp,
      nowMs,
      dedupeWindowSec(c.env.CLICK_DEDUPE_WINDOW_SEC),
    )) ?? newId("click", nowMs);
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
    // Frozen like the terms: a policy changed later applies to later clicks.
    confirmationPolicy: offer.confirmationPolicy ?? "return_window",
    // The boosts shown now are the boosts paid, whatever the campaign says later.
    // Evaluated by the rules engine: the offer's campaign rules (shared/campaigns/).
    boosts: clickBoosts(offer, {
      clickId,
      userId,
      offerId,
      merchantId: offer.merchantId,
      currency: offer.currency,
      segments: verified.claims.segments ?? [],
      atMs: nowMs,
    }),
    // The advertiser a sale must be reported at to earn these terms.
    networkOfferRef: offer.networkOfferRef,
    requestId: requestIdOf(c.req.raw),
    // Judged here, answered 302 all the same: a bot's click is counted and marked, and never
    // attributes (docs/fraud.md "Click quality").
    quality: judgeClick(
      clickRequestFacts(c.req.raw, clientIp),
      clickLists,
      offer.allowedReferrers ?? null,
    ),
  };
  // An offer stored past the terms bound would fail to enqueue every click: refuse it visibly.
  const oversizedBytes = clickMessageTooLarge(click);
  if (oversizedBytes !== null) {
    createLogger({ worker: "redirect", requestId: click.requestId }).error("click.too_large", {
      offerId,
      bytes: oversizedBytes,
    });
    return htmlPage(503, "Offer unavailable", "This offer cannot be tracked right now.");
  }
  // A lost click: the postback consumer still sees it happened (the signed sub-ID), and
  // rejects the sale as missing its click. The client's network is hashed here, after the
  // answer, so the address never rides the queue (click-identifiers.ts).
  c.executionCtx.waitUntil(
    withClickLinks(c.env, click, clientIp, c.req.raw.cf).then((linked) =>
      sendClick(c.env, linked, "click.enqueue_failed", { clickId: click.clickId, offerId }),
    ),
  );

  // Built the way the network's format wants it (Admitad, impact.com and CJ each set their
  // own sub-ID parameter); an unknown format fills the template as written.
  const location = trackingUrlFor(
    offer.networkFormat,
    offer.trackingTemplate,
    { subId, clickId, landingUrl: offer.landingUrl, networkOfferRef: offer.networkOfferRef },
    offer.trackingOptions,
  );
  return new Response(null, {
    status: 302,
    headers: { location, "cache-control": "no-store", "referrer-policy": "no-referrer" },
  });
}
