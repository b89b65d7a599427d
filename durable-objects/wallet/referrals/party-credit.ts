import type { ReferralPartyReward } from "#shared/rules/index";
import type { WalletTx } from "../core/wallet-tx";
import type { EarnTerms } from "../events/post-reward";
import { applyPosting } from "../ledger/ledger-store";
import { earnPoints } from "../points/earn";
import { insertPartyMoney } from "./party-money-store";

/**
 * One party's referral reward, written in the caller's transaction of that party's wallet:
 * money as one posting to the `referral_bonus` bucket, points as one lot, both under the ledger
 * key `referral:<referralId>:<party>`, so whatever delivers it again (a redelivered event, a
 * repeated RPC) finds it (`exists`) and nothing more is written. Both name the rule version.
 */

export type ReferralParty = "referee" | "referrer";

export interface PartyCredit {
  referralId: string;
  party: ReferralParty;
  ruleId: string;
  ruleVersion: number;
  /** The qualifying event (in the referee's wallet) and when it happened. */
  eventId: string;
  occurredAtMs: number;
  reward: ReferralPartyReward;
  /**
   * Points only: pending until then (the bonus is confirmed by the campaign's conditions,
   * party-operations.ts `confirm`); absent or null: active at once. Money always lands in
   * `referral_bonus` and is confirmed by its own posting.
   */
  pendingUntilMs?: number | null;
}

export type PartyCreditStatus =
  | { status: "created" | "exists" }
  | { status: "refused"; detail: string };

/**
 * Pure: the ledger key of one party's reward of one referral.
 *
 * @example
 * referralLedgerKey("ref_u2", "referrer") // "referral:ref_u2:referrer"
 */
export function referralLedgerKey(referralId: string, party: ReferralParty): string {
  return `referral:${referralId}:${party}`;
}

/** Credits one party; `exists` when this key was credited before. */
export function creditParty(
  tx: WalletTx,
  credit: PartyCredit,
  earn: EarnTerms,
  nowMs: number,
): PartyCreditStatus {
  const key = referralLedgerKey(credit.referralId, credit.party);
  const { reward } = credit;
  if ("points" in reward) {
    const earned = earnPoints(tx, {
      key,
      sourceType: "referral",
      sourceId: `${credit.referralId}:${credit.party}`,
      ruleId: credit.ruleId,
      ruleVersion: credit.ruleVersion,
      points: reward.points,
      pendingUntilMs: credit.pendingUntilMs ?? null,
      validity: earn.validity,
      nowMs,
      earnedAtMs: credit.occurredAtMs,
      timeZone: earn.timeZone,
    });
    if (earned.status === "created") recordCredit(tx, credit, "points", reward.points, nowMs);
    if (earned.status === "created" || earned.status === "exists") return { status: earned.status };
    return { status: "refused", detail: `points refused: ${earned.status}` };
  }
  const posted = applyPosting(
    tx.sql,
    {
      key,
      kind: "referral_bonus",
      txnId: null,
      memo: `referral ${credit.referralId} ${credit.party} (event ${credit.eventId})`,
      rule: { id: credit.ruleId, version: credit.ruleVersion },
      legs: [
        { bucket: "referral_bonus", currency: reward.currency, amountMinor: reward.amountMinor },
      ],
    },
    nowMs,
  );
  if (posted.status === "created") {
    recordCredit(tx, credit, reward.currency, reward.amountMinor, nowMs);
    tx.publishBalances(nowMs);
  }
  if (posted.status === "created" || posted.status === "exists") return { status: posted.status };
  return { status: "refused", detail: `posting refused: ${posted.status}` };
}

/** The party's bonus as this wallet holds it, for what happens after (party-operations.ts). */
function recordCredit(
  tx: WalletTx,
  credit: PartyCredit,
  unit: string,
  amount: number,
  nowMs: number,
): void {
  insertPartyMoney(
    tx.sql,
    {
      referralId: credit.referralId,
      party: credit.party,
      unit,
      ruleId: credit.ruleId,
      ruleVersion: credit.ruleVersion,
      credited: amount,
    },
    nowMs,
  );
}
