import { createRoute } from "@hono/zod-openapi";
import type { StoredHold } from "#durable-objects/wallet/index";
import { AppError } from "#shared/http/errors";
import { featureApp } from "../../http/feature-app";
import {
  ADMIN_SECURITY,
  CONFLICT_RESPONSE,
  jsonBody,
  problemResponses,
} from "../../http/responses";
import { walletOf } from "../../wallet-client";
import {
  RiskHoldDecisionInputSchema,
  RiskHoldDecisionParams,
  RiskHoldDecisionSchema,
} from "./schemas";

const decisionRoute = createRoute({
  method: "post",
  path: "/risk/holds/{userId}/{holdId}/decision",
  operationId: "createRiskHoldDecision",
  tags: ["fraud"],
  security: ADMIN_SECURITY,
  summary: "Release or uphold one of a user's risk holds, with a reason and a label",
  description:
    "Release ends the hold and what it kept waiting goes on in the same step: a held payout " +
    "no other hold covers is dispatched (paid once). Uphold keeps what it held waiting for the " +
    "operator's decision on its own page (cancel the payout there). The reason, who decided " +
    "and the label are kept with the hold; the request is in the admin audit log. The same " +
    "decision again changes nothing (200); the other decision on a decided hold is a 409.",
  request: {
    params: RiskHoldDecisionParams,
    body: {
      required: true,
      content: { "application/json": { schema: RiskHoldDecisionInputSchema } },
    },
  },
  responses: {
    200: jsonBody(RiskHoldDecisionSchema, "decided (or already decided the same way)"),
    ...CONFLICT_RESPONSE,
    ...problemResponses,
  },
});

const STATUS_OF = { release: "released", uphold: "upheld" } as const;

const holdView = (h: StoredHold) => ({
  holdId: h.holdId,
  kind: h.kind,
  subjectRef: h.subjectRef,
  reasons: h.reasons,
  source: h.source,
  ruleId: h.ruleId,
  ruleVersion: h.ruleVersion,
  status: h.status,
  placedAtMs: h.placedAtMs,
  autoReleaseAtMs: h.autoReleaseAtMs,
  endedAtMs: h.endedAtMs,
  endedHow: h.endedHow,
  decidedBy: h.decidedBy,
  decisionNote: h.decisionNote,
  label: h.label,
});

/** Operator decisions on risk holds; mounted under `/admin/v1` (finance and admin decide). */
export const riskHoldAdminRoutes = featureApp().openapi(decisionRoute, async (c) => {
  const { userId, holdId } = c.req.valid("param");
  const { decision, reason, label } = c.req.valid("json");
  const outcome = await walletOf(c.env, userId).decideRiskHold(userId, holdId, {
    decision,
    actor: c.get("admin").name,
    note: reason,
    label,
  });
  if (outcome.status === "not_found" || !outcome.hold) {
    throw new AppError("not_found", `user ${userId} has no risk hold ${holdId}`);
  }
  if (outcome.status === "exists" && outcome.hold.status !== STATUS_OF[decision]) {
    throw new AppError("conflict", `the hold was already ${outcome.hold.status}`);
  }
  c.get("log")?.info("risk.hold_decided", { holdId, decision, outcome: outcome.status });
  return c.json({ hold: holdView(outcome.hold) }, 200);
});
