import { createRoute } from "@hono/zod-openapi";
import {
  type AttributionMethod,
  PENDING_REASONS,
  pendingReasonOf,
  REFERRAL_REASONS,
  type ReferralState,
} from "#durable-objects/wallet/index";
import { rowsToFetch, splitPage } from "#shared/paging";
import { localeCandidates, localizedReason, responseLocale } from "#shared/referrals/reason-locale";
import { toIso } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import { jsonBody, problemResponses, USER_SECURITY } from "../../http/responses";
import { ensureReferralCode, readReasonTextBooks } from "../referrals/index";
import { cursorInt, decodeCursor, encodeCursor } from "../users/index";
import { MyReferralsQuerySchema, MyReferralsSchema } from "./schemas";
import { countFriendsByState, earnedByUnit, listFriends, pendingByUnit } from "./store";

const myReferralsRoute = createRoute({
  method: "get",
  path: "/me/referrals",
  operationId: "getMyReferrals",
  tags: ["referrals"],
  security: USER_SECURITY,
  summary:
    "The caller's referral code and link, the friends they referred and their states, what they earned and what is pending",
  request: { query: MyReferralsQuerySchema },
  responses: { 200: jsonBody(MyReferralsSchema), ...problemResponses },
});

/** Sums per unit as the API shows them: money per currency, and points. */
function byUnit(rows: ReadonlyArray<{ unit: string; amount: number }>) {
  return {
    money: rows
      .filter((e) => e.unit !== "points")
      .map((e) => ({ currency: e.unit, amountMinor: e.amount })),
    points: rows.find((e) => e.unit === "points")?.amount ?? 0,
  };
}

/** Why a friend is pending, its text in the member's language like the state reasons. */
function localizedPending(state: ReferralState, books: Parameters<typeof localizedReason>[1]) {
  const pending = pendingReasonOf(state);
  return (
    pending && { code: pending.code, text: localizedReason(pending.code, books, PENDING_REASONS) }
  );
}

/** The referrer's view of their referrals (docs/referrals.md); mounted under `/v1`. */
export const referralUserRoutes = featureApp().openapi(myReferralsRoute, async (c) => {
  const userId = c.get("userId");
  const { cursor, limit, locale } = c.req.valid("query");
  const position = decodeCursor(cursor, 2);
  const before = position
    ? { attributedAtMs: cursorInt(position[0] as string), referralId: position[1] as string }
    : null;
  // The member's language: `?locale=`, else Accept-Language; each reason text falls back to
  // English (docs/referrals.md, "Reason texts").
  const candidates = localeCandidates(locale, c.req.header("accept-language"));
  const [{ code }, fetched, byState, earned, pending, books] = await Promise.all([
    // Created on first use (D1, then the KV mirror the share link reads).
    ensureReferralCode(c.env, userId),
    listFriends(c.env, userId, before, rowsToFetch(limit)),
    countFriendsByState(c.env, userId),
    earnedByUnit(c.env, userId),
    pendingByUnit(c.env, userId),
    readReasonTextBooks(c.env.DB, candidates),
  ]);
  const textLocale = responseLocale(books);
  c.header("content-language", textLocale);
  const { rows, nextCursor } = splitPage(fetched, limit, (last) =>
    encodeCursor([last.attributedAtMs, last.referralId]),
  );
  return c.json(
    {
      code,
      locale: textLocale,
      link: `${c.env.REDIRECT_BASE_URL}/r/${code}`,
      friends: rows.map((r) => ({
        referralId: r.referralId,
        name: r.refereeNameMasked,
        state: r.state as ReferralState,
        method: r.method as AttributionMethod,
        reason: r.reason,
        reasonText: localizedReason(r.reason, books, REFERRAL_REASONS),
        referredAt: toIso(r.attributedAtMs),
        pending: localizedPending(r.state as ReferralState, books),
      })),
      nextCursor,
      counts: {
        signedUp: byState.signed_up ?? 0,
        qualified: byState.qualified ?? 0,
        rewarded: byState.rewarded ?? 0,
        held: byState.held ?? 0,
        rejected: byState.rejected ?? 0,
        reversed: byState.reversed ?? 0,
      },
      earned: byUnit(earned),
      pending: byUnit(pending),
    },
    200,
  );
});
