import { randomBytes } from "node:crypto";
import { payeeWithCashback, redeem } from "./payouts";
import { asAdmin, until } from "./user-api";

/**
 * Risk fixtures through the runtime's own APIs: a fraud rule published on the live rules (the
 * live rules kept), whose condition names one user, so the runtime's other users and specs are
 * not held; that user's redemption is scored by their risk object on the redeem path and held
 * by the rule's `hold_payouts` (docs/fraud.md "Holds"), and the hold reaches the review queue
 * through the wallet's projection to D1.
 */

interface LiveRules {
  version: number;
  ruleSet: {
    timeZone: string;
    groups: Array<{ name: string; mode: string }>;
    rules: Array<{ id: string }>;
  };
}

export const RISK_REASON_CODE = "browser_review";

/** Publishes a fraud rule holding `userId`'s payouts on their next redemption. */
async function publishHoldRuleFor(userId: string): Promise<string> {
  const live = await asAdmin<LiveRules>("/admin/v1/rules/live").catch(() => null);
  const groups = live?.ruleSet.groups ?? [];
  const ruleId = `browser-risk-${userId}`;
  await asAdmin("/admin/v1/rules/draft", {
    method: "PUT",
    body: JSON.stringify({
      timeZone: live?.ruleSet.timeZone ?? "UTC",
      groups: groups.some((g) => g.name === "fraud")
        ? groups
        : [...groups, { name: "fraud", mode: "stackable" }],
      rules: [
        ...(live?.ruleSet.rules ?? []),
        {
          id: ruleId,
          name: "Browser test: this user's redemptions are reviewed",
          eventTypes: ["risk.redemption"],
          conditions: { all: [{ attr: "user.id", op: "eq", value: userId }] },
          effects: [{ kind: "hold_payouts", score: 30, reasonCode: RISK_REASON_CODE }],
          priority: 0,
          group: "fraud",
          active: true,
        },
      ],
      basedOnVersion: live?.version ?? null,
    }),
  });
  await asAdmin("/admin/v1/rules/publish", {
    method: "POST",
    body: JSON.stringify({ note: `browser tests: review ${userId}'s redemptions` }),
  });
  return ruleId;
}

interface QueueRow {
  userId: string;
  holdId: string;
  status: string;
}

/**
 * A payout held by a fraud rule, in the risk review queue: the user, the payout and the hold.
 *
 * @example
 * const { userId, payoutId, holdId } = await riskHeldPayout();
 */
export async function riskHeldPayout(): Promise<{
  userId: string;
  payoutId: string;
  holdId: string;
}> {
  const { userId, destinationId } = await payeeWithCashback();
  const ruleId = await publishHoldRuleFor(userId);
  const payoutId = await redeem(userId, destinationId);
  const holdId = `rule:${ruleId}:redeem:${payoutId}:payouts`;
  await until(async () => {
    const { payout } = await asAdmin<{ payout: { status: string; holdReason: string | null } }>(
      `/admin/v1/payouts/${encodeURIComponent(payoutId)}`,
    ).catch(() => ({ payout: { status: "", holdReason: null } }));
    return payout.status === "held" && payout.holdReason === "risk";
  }, `payout ${payoutId} held by the risk rule`);
  await until(async () => {
    const { holds } = await asAdmin<{ holds: QueueRow[] }>(
      `/admin/v1/risk/holds?userId=${encodeURIComponent(userId)}&status=active`,
    );
    return holds.some((h) => h.holdId === holdId);
  }, `hold ${holdId} in the review queue`);
  return { userId, payoutId, holdId };
}

/** A unique reason text, so the audit log's entry is this test's. */
export const reasonText = (what: string) => `${what} ${randomBytes(3).toString("hex")}`;
