import { createRoute } from "@hono/zod-openapi";
import { reasonText, type StoredReferral } from "#durable-objects/wallet/index";
import { AppError } from "#shared/http/errors";
import { rowsToFetch, splitPage } from "#shared/paging";
import { propagateRiskList } from "#shared/referrals/live-risk-lists";
import { normalizeRiskList } from "#shared/referrals/risk-lists";
import type { RiskSignalCode } from "#shared/referrals/risk-signals";
import { UserIdParamSchema } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import {
  ADMIN_SECURITY,
  CONFLICT_RESPONSE,
  jsonBody,
  problemResponses,
} from "../../http/responses";
import { walletOf } from "../../wallet-client";
import { listReferrals, type ReferralRow, unrewardedReferralsOf } from "./queue-store";
import {
  AdminReferralDetailSchema,
  AdminReferralListQuery,
  AdminReferralListSchema,
  ReferralDecisionInputSchema,
  ReferralDecisionSchema,
  ReferralIdParam,
  ReferrerBanInputSchema,
  ReferrerBanSchema,
  RiskListInputSchema,
  RiskListParam,
  RiskListSchema,
} from "./schemas";
import { type BanRow, deleteBan, findBan, findRiskList, insertBan, saveRiskList } from "./store";

const tags = ["referrals"];
const security = ADMIN_SECURITY;
/** Referrals one ban rejects in its request; the rest are refused attribution anyway. */
const MAX_REJECTED_PER_BAN = 500;

const refereeOf = (referralId: string) => referralId.slice("ref_".length);

const rowView = (r: ReferralRow) => ({
  referralId: r.referralId,
  programId: r.programId,
  referrerId: r.referrerId,
  refereeId: r.refereeId,
  state: r.state as StoredReferral["state"],
  method: r.method as StoredReferral["method"],
  reason: r.reason,
  riskScore: r.riskScore,
  holdReasons: r.holdReasons as RiskSignalCode[],
  attributedAtMs: r.attributedAtMs,
  updatedAtMs: r.updatedAtMs,
});

const storedView = (r: StoredReferral) => ({
  referralId: r.referralId,
  programId: r.programId,
  referrerId: r.referrerId,
  refereeId: r.refereeId,
  state: r.state,
  method: r.method,
  reason: r.reason,
  riskScore: r.riskScore,
  holdReasons: r.holdReasons as RiskSignalCode[],
  attributedAtMs: r.attributedAtMs,
  updatedAtMs: r.updatedAtMs,
});

const banView = (userId: string, ban: BanRow | null) => ({
  userId,
  banned: ban !== null,
  reason: ban?.reason ?? null,
  bannedBy: ban?.bannedBy ?? null,
  bannedAtMs: ban?.bannedAtMs ?? null,
});

const listRoute = createRoute({
  method: "get",
  path: "/referrals",
  operationId: "listAdminReferrals",
  tags,
  security,
  summary: "Referrals by state and referrer (state=held: the review queue), oldest signup first",
  description:
    "From the D1 projection of each referee's wallet (a change shows within seconds). Each " +
    "carries its fraud score and the codes of the signals that fired.",
  request: { query: AdminReferralListQuery },
  responses: { 200: jsonBody(AdminReferralListSchema), ...problemResponses },
});

const getRoute = createRoute({
  method: "get",
  path: "/referrals/{referralId}",
  operationId: "getAdminReferral",
  tags,
  security,
  summary: "One referral as its referee's wallet holds it: timeline, rewards, fraud signals",
  request: { params: ReferralIdParam },
  responses: { 200: jsonBody(AdminReferralDetailSchema), ...problemResponses },
});

const decisionRoute = createRoute({
  method: "post",
  path: "/referrals/{referralId}/decision",
  operationId: "createReferralDecision",
  tags,
  security,
  summary: "Approve or reject a referral (approve: a held one, credited once)",
  description:
    "Approve moves a held referral to `qualified` and credits both parties once, then it " +
    "goes on as any other (`rewarded` when the referrer's wallet has credited theirs). Reject " +
    "makes a referral not yet rewarded `rejected` and cancels what was not credited. The " +
    "reason is kept in the referral's history with who decided; the decision is in the admin " +
    "audit log. The same decision again changes nothing (200); one the state does not allow " +
    "is a 409.",
  request: {
    params: ReferralIdParam,
    body: {
      required: true,
      content: { "application/json": { schema: ReferralDecisionInputSchema } },
    },
  },
  responses: {
    200: jsonBody(ReferralDecisionSchema, "decided (or already decided the same way)"),
    ...CONFLICT_RESPONSE,
    ...problemResponses,
  },
});

const BanParams = UserIdParamSchema;

const getBanRoute = createRoute({
  method: "get",
  path: "/referrals/referrers/{id}/ban",
  operationId: "getReferrerBan",
  tags,
  security,
  summary: "Whether a member is banned from referring",
  request: { params: BanParams },
  responses: { 200: jsonBody(ReferrerBanSchema), ...problemResponses },
});

const putBanRoute = createRoute({
  method: "put",
  path: "/referrals/referrers/{id}/ban",
  operationId: "putReferrerBan",
  tags,
  security,
  summary: "Ban a member from referring: their referrals not yet rewarded are rejected",
  description:
    "Rejects the member's referrals in `signed_up`, `qualified` or `held` (cancelling the " +
    `rewards not yet credited; up to ${MAX_REJECTED_PER_BAN} per request, send it again for ` +
    "more: `moreToReject` says so) and refuses new attributions to them (`referrer_banned`). A ban already in place " +
    "keeps its first reason; sending it again sweeps again.",
  request: {
    params: BanParams,
    body: { required: true, content: { "application/json": { schema: ReferrerBanInputSchema } } },
  },
  responses: { 200: jsonBody(ReferrerBanSchema), ...problemResponses },
});

const deleteBanRoute = createRoute({
  method: "delete",
  path: "/referrals/referrers/{id}/ban",
  operationId: "deleteReferrerBan",
  tags,
  security,
  summary: "Lift a referrer's ban (rejected referrals stay rejected)",
  request: { params: BanParams },
  responses: { 200: jsonBody(ReferrerBanSchema), ...problemResponses },
});

const getListRoute = createRoute({
  method: "get",
  path: "/risk-lists/{list}",
  operationId: "getReferralRiskList",
  tags,
  security,
  summary:
    "A risk list fraud signals check (disposable e-mail domains, datacenter IP ranges and ASNs)",
  request: { params: RiskListParam },
  responses: { 200: jsonBody(RiskListSchema), ...problemResponses },
});

const putListRoute = createRoute({
  method: "put",
  path: "/risk-lists/{list}",
  operationId: "putReferralRiskList",
  tags,
  security,
  summary: "Replace a risk list",
  description:
    "The whole list: domains (`mailinator.com`; a subdomain of a listed domain matches too) " +
    "or IPv4/IPv6 CIDR ranges, or autonomous system numbers (`AS16509` or `16509`). Every bad " +
    "entry is a 400 at `entries.<index>` and nothing is saved. With `expectedVersion`, 409 if " +
    "another save came first. Signups are checked at intake against the list in force then " +
    "(within ~90 s of a save everywhere); tracked clicks at the redirect against the datacenter " +
    'ranges and ASNs (docs/fraud.md "Click quality").',
  request: {
    params: RiskListParam,
    body: { required: true, content: { "application/json": { schema: RiskListInputSchema } } },
  },
  responses: { 200: jsonBody(RiskListSchema), ...CONFLICT_RESPONSE, ...problemResponses },
});

function decodeCursor(cursor: string | undefined) {
  if (!cursor) return null;
  const match = /^(\d{1,15})\.(ref_[A-Za-z0-9_-]{1,64})$/.exec(cursor);
  if (!match) {
    throw new AppError("validation_failed", "invalid cursor", [
      { path: "cursor", message: "not a cursor this API issued" },
    ]);
  }
  return { attributedAtMs: Number(match[1]), referralId: match[2] as string };
}

/** Operator routes for reviewing referrals; mounted under `/admin/v1`. */
export const referralReviewRoutes = featureApp()
  .openapi(listRoute, async (c) => {
    const query = c.req.valid("query");
    const fetched = await listReferrals(
      c.env,
      { state: query.state, referrerId: query.referrerId },
      decodeCursor(query.cursor),
      rowsToFetch(query.limit),
    );
    const { rows, nextCursor } = splitPage(
      fetched,
      query.limit,
      (last) => `${last.attributedAtMs}.${last.referralId}`,
    );
    return c.json({ items: rows.map(rowView), nextCursor }, 200);
  })
  .openapi(getRoute, async (c) => {
    const { referralId } = c.req.valid("param");
    const found = await walletOf(c.env, refereeOf(referralId)).getReferral();
    if (!found || found.referral.referralId !== referralId) {
      throw new AppError("not_found", `no referral ${referralId}`);
    }
    return c.json(
      {
        referral: storedView(found.referral),
        history: found.history.map((h) => ({
          fromState: h.fromState,
          state: h.state,
          reason: h.reason,
          reasonText: reasonText(h.reason),
          eventId: h.eventId,
          atMs: h.atMs,
          ...(h.actor !== undefined ? { actor: h.actor, note: h.note ?? null } : {}),
        })),
        rewards: found.rewards.map((r) => ({
          party: r.party,
          status: r.status,
          reason: r.reason,
          reward: r.reward,
          ruleId: r.ruleId,
          ruleVersion: r.ruleVersion,
          eventId: r.eventId,
        })),
        signals: found.signals,
        riskScore: found.referral.riskScore,
      },
      200,
    );
  })
  .openapi(decisionRoute, async (c) => {
    const { referralId } = c.req.valid("param");
    const { decision, reason } = c.req.valid("json");
    const outcome = await walletOf(c.env, refereeOf(referralId)).decideReferral({
      decision,
      actor: c.get("admin").name,
      note: reason,
    });
    if (outcome.status === "not_found")
      throw new AppError("not_found", `no referral ${referralId}`);
    if (outcome.status === "refused") {
      throw new AppError("conflict", `${outcome.detail} (the referral is ${outcome.state})`);
    }
    c.get("log")?.info("referral.decided", { referralId, decision, outcome: outcome.status });
    return c.json({ referral: storedView(outcome.referral) }, 200);
  })
  .openapi(getBanRoute, async (c) => {
    const userId = c.req.valid("param").id;
    return c.json(banView(userId, await findBan(c.env.DB, userId)), 200);
  })
  .openapi(putBanRoute, async (c) => {
    const userId = c.req.valid("param").id;
    const { reason } = c.req.valid("json");
    const actor = c.get("admin").name;
    // The ban first: attribution refuses this referrer from now on, so the sweep below
    // cannot miss a referral attributed after it read the list.
    await insertBan(c.env.DB, { userId, reason, bannedBy: actor, bannedAtMs: Date.now() });
    let rejected = 0;
    // One row past the batch says whether another request has more to reject.
    const sweep = await unrewardedReferralsOf(c.env, userId, MAX_REJECTED_PER_BAN + 1);
    for (const r of sweep.slice(0, MAX_REJECTED_PER_BAN)) {
      const outcome = await walletOf(c.env, r.refereeId).decideReferral({
        decision: "reject",
        actor,
        note: reason,
        bannedReferrerId: userId,
      });
      if (outcome.status === "decided") rejected++;
    }
    c.get("log")?.info("referral.referrer_banned", { referrerId: userId, rejected });
    return c.json(
      {
        ...banView(userId, await findBan(c.env.DB, userId)),
        rejectedReferrals: rejected,
        moreToReject: sweep.length > MAX_REJECTED_PER_BAN,
      },
      200,
    );
  })
  .openapi(deleteBanRoute, async (c) => {
    const userId = c.req.valid("param").id;
    await deleteBan(c.env.DB, userId);
    return c.json(banView(userId, null), 200);
  })
  .openapi(getListRoute, async (c) => {
    const { list } = c.req.valid("param");
    const row = await findRiskList(c.env.DB, list);
    return c.json(
      {
        list,
        version: row?.version ?? 0,
        entries: row?.entries ?? [],
        updatedAtMs: row?.updatedAtMs ?? null,
        updatedBy: row?.updatedBy ?? null,
      },
      200,
    );
  })
  .openapi(putListRoute, async (c) => {
    const { list } = c.req.valid("param");
    const body = c.req.valid("json");
    const checked = normalizeRiskList(list, body.entries);
    if (!checked.ok) {
      throw new AppError(
        "validation_failed",
        "some entries cannot be on the list; nothing was saved",
        checked.issues.map((i) => ({ path: `entries.${i.index}`, message: i.message })),
      );
    }
    const current = await findRiskList(c.env.DB, list);
    const currentVersion = current?.version ?? 0;
    if (body.expectedVersion !== undefined && body.expectedVersion !== currentVersion) {
      throw new AppError(
        "conflict",
        `the list is at version ${currentVersion}, not ${body.expectedVersion}; nothing was saved`,
      );
    }
    const row = {
      list,
      entries: checked.entries,
      version: currentVersion + 1,
      updatedAtMs: Date.now(),
      updatedBy: c.get("admin").name,
    };
    if (!(await saveRiskList(c.env.DB, row, currentVersion))) {
      throw new AppError("conflict", "another save changed the list first; nothing was saved");
    }
    await propagateRiskList(c.env, list, { version: row.version, entries: row.entries });
    return c.json(row, 200);
  });
