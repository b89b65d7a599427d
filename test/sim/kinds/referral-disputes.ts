import { sendEvents } from "../../events-client";
import type { ReferralDispute } from "../generator";

/**
 * A referee's first-party qualifying event and its disputes (docs/referrals.md "Reversals and
 * restore"): a `deposit.completed` of the sale's amount, then, once its referral has settled,
 * each dispute as a new event naming it — `refund.completed` (part of the amount),
 * `chargeback.created`, `chargeback.resolved` won or lost — sent through the events worker,
 * each accepted once and, when asked, sent again and answered `duplicate`.
 */

interface Checks {
  fail: (invariant: string, detail: string) => never;
}

/** The qualifying deposit as sent (its disputes name it). */
export interface ReferralDeposit {
  referee: string;
  eventId: string;
  saleMinor: number;
  /** The last occurrence time sent for this deposit (its disputes follow it, in order). */
  lastAtMs: number;
  /** Disputes sent so far (their ids number them). */
  sent: number;
}

async function sendOnce(
  body: Record<string, unknown>,
  twice: boolean,
  checks: Checks,
): Promise<void> {
  for (const expected of twice ? ["accepted", "duplicate"] : ["accepted"]) {
    const response = await sendEvents(body);
    const answer = (await response.json().catch(() => null)) as { status?: string } | null;
    const status = expected === "accepted" ? 202 : 200;
    if (response.status !== status || answer?.status !== expected)
      checks.fail(
        "referral_dispute_answered",
        `${body.type} ${body.id}: ${response.status} ${JSON.stringify(answer)}, expected ${status} ${expected}`,
      );
  }
}

/** The referee's deposit, accepted by the events worker (its processing qualifies the referral). */
export async function sendDeposit(
  referee: string,
  saleMinor: number,
  checks: Checks,
): Promise<ReferralDeposit> {
  const deposit: ReferralDeposit = {
    referee,
    eventId: `${referee}-deposit`,
    saleMinor,
    lastAtMs: Date.now(),
    sent: 0,
  };
  await sendOnce(
    {
      id: deposit.eventId,
      type: "deposit.completed",
      userId: referee,
      occurredAt: new Date(deposit.lastAtMs).toISOString(),
      data: { amountMinor: saleMinor, currency: "INR" },
    },
    false,
    checks,
  );
  return deposit;
}

/**
 * One dispute of the deposit, as a new event occurring after everything sent before it (so the
 * latest chargeback is the last one sent); `twice` sends it again, a duplicate.
 */
export async function sendDispute(
  deposit: ReferralDeposit,
  dispute: ReferralDispute,
  partialPercent: number,
  twice: boolean,
  checks: Checks,
): Promise<void> {
  deposit.lastAtMs = Math.max(deposit.lastAtMs + 1_000, Date.now());
  deposit.sent++;
  const data: Record<string, unknown> = { originalEventId: deposit.eventId };
  let type = "chargeback.created";
  if (dispute === "refund") {
    type = "refund.completed";
    data.amountMinor = deposit.saleMinor - Math.floor((deposit.saleMinor * partialPercent) / 100);
    data.currency = "INR";
  } else if (dispute === "won" || dispute === "lost") {
    type = "chargeback.resolved";
    data.outcome = dispute === "won" ? "user_won" : "user_lost";
  }
  await sendOnce(
    {
      id: `${deposit.eventId}-${dispute}-${deposit.sent}`,
      type,
      userId: deposit.referee,
      occurredAt: new Date(deposit.lastAtMs).toISOString(),
      data,
    },
    twice,
    checks,
  );
}
