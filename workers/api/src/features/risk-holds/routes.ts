import { createRoute } from "@hono/zod-openapi";
import type { DecisionSignals, HoldDecision, StoredHold } from "#durable-objects/wallet/index";
import type { ApiEnv } from "#shared/env";
import { AppError } from "#shared/http/errors";
import { errorFields } from "#shared/observability/logger";
import { featureApp } from "../../http/feature-app";
import {
  ADMIN_SECURITY,
  CONFLICT_RESPONSE,
  jsonBody,
  problemResponses,
} from "../../http/responses";
import { walletOf } from "../../wallet-client";
import { liveRiskPorts, type RiskPorts } from "../fraud/risk-ports";
import { scoreContribution } from "./projection-store";
import { listRiskHoldRows, type RiskHoldRow } from "./queue-store";
import {
  RiskHoldBulkDecisionInputSchema,
  RiskHoldBulkDecisionSchema,
  RiskHoldDecisionInputSchema,
  RiskHoldDecisionParams,
  RiskHoldDecisionSchema,
  RiskHoldListQuerySchema,
  RiskHoldListSchema,
} from "./schemas";

const listRoute = createRoute({
  method: "get",
  path: "/risk/holds",
  operationId: "listRiskHolds",
  tags: ["fraud"],
  security: ADMIN_SECURITY,
  summary: "The review queue: risk holds across users, filtered and paged",
  description:
    "From D1 `risk_holds`, which each wallet projects whenever a hold is placed or ends (a " +
    "few seconds behind the wallet). Active holds (the default) come oldest placed first; " +
    "released or upheld ones newest ended first. Filters: kind, source, one reason code, user, " +
    "label, placed time [fromMs, toMs). Every role reads.",
  request: { query: RiskHoldListQuerySchema },
  responses: { 200: jsonBody(RiskHoldListSchema), ...problemResponses },
});

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
    "operator's decision on its own page (cancel the payout there). The reason, who decided, " +
    "the label and the user's score and reasons at that moment (`decisionSignals`, from their " +
    "risk object; null while scoring cannot answer) are kept with the hold; the request is in " +
    "the admin audit log. The same decision again changes nothing (200); the other decision " +
    "on a decided hold is a 409.",
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

const bulkDecisionRoute = createRoute({
  method: "post",
  path: "/risk/holds/decisions",
  operationId: "createRiskHoldDecisions",
  tags: ["fraud"],
  security: ADMIN_SECURITY,
  summary: "Release or uphold up to 100 risk holds at once, with one reason and label",
  description:
    "Each hold is decided on its own, in order, exactly as the single decision does it (the " +
    "user's score and reasons snapshotted, what a released hold kept waiting goes on). The " +
    "answer has an outcome per hold: `decided`, `already` (decided the same way before), " +
    "`conflict` (decided the other way), `not_found`, or `failed` (the wallet could not be " +
    "reached; the others still count). The request is in the admin audit log.",
  request: {
    body: {
      required: true,
      content: { "application/json": { schema: RiskHoldBulkDecisionInputSchema } },
    },
  },
  responses: {
    200: jsonBody(RiskHoldBulkDecisionSchema, "one outcome per hold, in the order asked"),
    ...problemResponses,
  },
});

const STATUS_OF = { release: "released", uphold: "upheld" } as const;

/** How long a decision waits for the user's risk object before deciding without a snapshot. */
const SIGNALS_TIMEOUT_MS = 2_000;

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
  decisionSignals: h.decisionSignals ?? null,
});

/** Pure: a wallet's hold as the queue lists it. */
export function holdRow(userId: string, h: StoredHold): RiskHoldRow {
  return {
    userId,
    ...holdView(h),
    scoreContribution: scoreContribution(h.reasons),
  };
}

/**
 * The user's score and reasons now, for the decision's snapshot; null when the risk object
 * cannot answer in time (the decision goes ahead without one).
 */
async function signalsOf(
  ports: RiskPorts,
  env: ApiEnv,
  userId: string,
): Promise<DecisionSignals | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), SIGNALS_TIMEOUT_MS);
  });
  try {
    const risk = await Promise.race([ports.riskOf(env, userId), timeout]);
    return risk ? { score: risk.score, reasons: risk.reasons } : null;
  } catch {
    // Scoring unreachable: the decision goes ahead without a snapshot, as on a timeout.
    return null;
  } finally {
    clearTimeout(timer);
  }
}

type Outcome = "decided" | "already" | "conflict" | "not_found";

/**
 * One decision through the user's wallet, as the single and the bulk route make it. `asked`
 * keeps each user's signals for the rest of a bulk request (a decision does not move a score),
 * so a user with several holds is asked once.
 */
async function decideOne(
  ports: RiskPorts,
  env: ApiEnv,
  userId: string,
  holdId: string,
  input: Omit<HoldDecision, "signals">,
  asked = new Map<string, Promise<DecisionSignals | null>>(),
): Promise<{ outcome: Outcome; hold: StoredHold | null }> {
  let pending = asked.get(userId);
  if (!pending) {
    pending = signalsOf(ports, env, userId);
    asked.set(userId, pending);
  }
  const signals = await pending;
  const result = await walletOf(env, userId).decideRiskHold(userId, holdId, { ...input, signals });
  if (result.status === "not_found" || !result.hold) return { outcome: "not_found", hold: null };
  if (result.status === "decided") return { outcome: "decided", hold: result.hold };
  const same = result.hold.status === STATUS_OF[input.decision];
  return { outcome: same ? "already" : "conflict", hold: result.hold };
}

/**
 * The review queue and operator decisions on risk holds; mounted under `/admin/v1` (every
 * role reads the queue; finance and admin decide).
 *
 * @example
 * app.route("/admin/v1", riskHoldAdminRoutes());
 */
export function riskHoldAdminRoutes(ports: RiskPorts = liveRiskPorts) {
  return featureApp()
    .openapi(listRoute, async (c) => {
      const { limit, cursor, ...filter } = c.req.valid("query");
      return c.json(await listRiskHoldRows(c.env, filter, limit, cursor), 200);
    })
    .openapi(decisionRoute, async (c) => {
      const { userId, holdId } = c.req.valid("param");
      const { decision, reason, label } = c.req.valid("json");
      const { outcome, hold } = await decideOne(ports, c.env, userId, holdId, {
        decision,
        actor: c.get("admin").name,
        note: reason,
        label,
      });
      if (outcome === "not_found" || !hold) {
        throw new AppError("not_found", `user ${userId} has no risk hold ${holdId}`);
      }
      if (outcome === "conflict") {
        throw new AppError("conflict", `the hold was already ${hold.status}`);
      }
      c.get("log")?.info("risk.hold_decided", { holdId, decision, outcome });
      return c.json({ hold: holdView(hold) }, 200);
    })
    .openapi(bulkDecisionRoute, async (c) => {
      const { holds, decision, reason, label } = c.req.valid("json");
      const input = { decision, actor: c.get("admin").name, note: reason, label };
      const results = [];
      // Every user's signals asked at once: a slow risk object costs one timeout per request,
      // not one per user.
      const asked = new Map<string, Promise<DecisionSignals | null>>();
      for (const { userId } of holds) {
        if (!asked.has(userId)) asked.set(userId, signalsOf(ports, c.env, userId));
      }
      // One by one, in the order asked: each is its own wallet transaction, so one that fails
      // leaves the others decided and is reported as such.
      for (const { userId, holdId } of holds) {
        try {
          const { outcome, hold } = await decideOne(ports, c.env, userId, holdId, input, asked);
          results.push({ userId, holdId, outcome, hold: hold ? holdRow(userId, hold) : null });
        } catch (error) {
          c.get("log")?.warn("risk.bulk_decision_failed", { holdId, ...errorFields(error) });
          results.push({ userId, holdId, outcome: "failed" as const, hold: null });
        }
      }
      const decided = results.filter((r) => r.outcome === "decided").length;
      c.get("log")?.info("risk.holds_decided", { decision, asked: holds.length, decided });
      return c.json({ results }, 200);
    });
}
