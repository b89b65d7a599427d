import type { Context } from "hono";
import { readConfigThrough } from "#shared/config/config-read";
import type { RedirectEnv } from "#shared/env";
import { htmlPage } from "#shared/http/pages";
import { newId } from "#shared/ids";
import { linkKeyRing } from "#shared/links/link-keys";
import type { ReferralClickMessage } from "#shared/messages";
import { requestIdOf } from "#shared/observability/logger";
import { signAttributionToken } from "#shared/referrals/attribution-token";
import {
  normalizeReferralCode,
  type ReferralCodeValue,
  referralCodeKvKey,
} from "#shared/referrals/codes";
import { referralDestination } from "#shared/referrals/destination";
import { fingerprintOf } from "#shared/referrals/fingerprint";
import { loadVersionedReferralProgram } from "#shared/referrals/live-program-settings";
import { platformOf } from "#shared/referrals/platform";
import { isPreviewBot } from "#shared/referrals/preview-bots";
import { toSec } from "#shared/time/clock";
import { clientIpOf, ipLimited } from "./click-limits";
import { sendClick } from "./send-click";

/** Codes live in KV only on this path: a made-up code must never cost a database read. */
const NO_D1 = async () => null;

const invalidInvite = () =>
  htmlPage(
    404,
    "This invite link is not valid",
    "This invite link is not valid: it may have been copied incompletely, or the invite was " +
      "withdrawn. Ask your friend to send it again, or sign up in the app and enter their " +
      "invite code there.",
  );

/** What a link-preview bot (or a crawler) gets: words for the preview, no click, no token. */
const invitePreview = () =>
  htmlPage(
    200,
    "You're invited",
    "A friend invited you. Open this link on your phone or computer to sign up.",
  );

const invitesNotOpen = () =>
  htmlPage(
    503,
    "Invites are not open yet",
    "This invite cannot be used yet. Please try the link again later, or sign up in the app.",
  );

/**
 * GET /r/:code — a referral share link. No database on this path: the code's owner comes from
 * KV through the isolate cache, the program's destinations from the config cache (saved
 * settings are always in KV). It mints a click id, signs an attribution token naming the click
 * and the referrer, queues the click (with a keyed hash of IP + user agent, never the raw
 * values) in `waitUntil` — except for link-preview bots, which get an invite page and record
 * nothing — and answers 302 by platform: the App Store, the Play Store with the
 * token as install referrer, or the web signup with the token and code. An unknown or
 * malformed code gets a friendly page, never a broken redirect (docs/referrals.md).
 */
export async function handleReferralLink(c: Context<{ Bindings: RedirectEnv }>): Promise<Response> {
  const nowMs = Date.now();
  const code = normalizeReferralCode(c.req.param("code") ?? "");
  if (code === null) return invalidInvite();
  // Per client IP, before any lookup: a flood of made-up codes costs one counter each.
  const clientIp = clientIpOf(c.req.raw);
  const ipRefusal = await ipLimited(c.env, clientIp);
  if (ipRefusal) return ipRefusal;

  const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
  const owner = await readConfigThrough<ReferralCodeValue>(
    c.env,
    referralCodeKvKey(code),
    NO_D1,
    waitUntil,
  );
  if (!owner) return invalidInvite();
  const program = await loadVersionedReferralProgram(c.env, waitUntil);
  // Never saved: the defaults' signup page is a placeholder nobody should be sent to.
  if (program.version === 0) return invitesNotOpen();

  const userAgent = c.req.header("user-agent") ?? "";
  // A chat app drawing a preview of the pasted link is no visitor: no click is recorded.
  if (isPreviewBot(userAgent)) return invitePreview();
  const platform = platformOf(userAgent);
  const clickId = newId("click", nowMs);
  const clickedAtSec = toSec(nowMs);
  const [token, fingerprint] = await Promise.all([
    signAttributionToken(linkKeyRing(c.env).current.key, {
      clickId,
      referrerId: owner.userId,
      programId: owner.programId,
      code,
      platform,
      clickedAtSec,
    }),
    // Without an address (only outside Cloudflare) the fingerprint is of the user agent alone.
    fingerprintOf(c.env.SUBID_SIGNING_KEY, clientIp ?? "", userAgent),
  ]);
  const click: ReferralClickMessage = {
    kind: "referral_click",
    clickId,
    code,
    referrerId: owner.userId,
    programId: owner.programId,
    platform,
    fingerprint,
    // The token carries seconds; storing the same instant keeps window checks consistent.
    clickedAtMs: clickedAtSec * 1000,
    requestId: requestIdOf(c.req.raw),
  };
  // A lost click: the token still names it, so a signup that hands it back is attributed by
  // its deterministic method anyway.
  waitUntil(sendClick(c.env, click, "referral_click.enqueue_failed", { clickId: click.clickId }));

  const location = referralDestination(program.settings.destinations, platform, { token, code });
  return new Response(null, {
    status: 302,
    headers: { location, "cache-control": "no-store", "referrer-policy": "no-referrer" },
  });
}
