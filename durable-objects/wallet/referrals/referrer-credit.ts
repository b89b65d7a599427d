import type { ReferralPartyReward } from "#shared/rules/index";
import { periodKey } from "#shared/rules/index";
import type { WalletTx } from "../core/wallet-tx";
import type { EarnTerms } from "../events/post-reward";
import { decideReferrerReward, type ReferrerTerms } from "./decide-referrer-reward";
import { creditParty, type PartyCredit } from "./party-credit";
import { countCredited, findReferrerCredit, insertReferrerCredit } from "./referrer-credit-store";

/**
 * The referrer's reward of one referral, in the REFERRER's wallet, inside one storage
 * transaction (docs/referrals.md, "Caps and tiers"). This wallet is the one writer of its
 * counts, so the campaign's monthly cap holds exactly however many of the referrer's referees
 * qualify at once: their requests run one after the other here.
 *
 * The first request for a referral decides (decideReferrerReward) and records the outcome;
 * a repeated one finds it and answers the same (a credited reward is credited again under
 * its ledger key, which answers `exists`).
 */

/** What the referee's wallet sends: the base reward and the campaign's terms, if any. */
export interface ReferrerCreditRequest extends PartyCredit {
  terms?: ReferrerTerms | null;
}

/** The answer: what was credited (the tier's reward), or that the cap was reached (final). */
export type ReferrerCreditStatus =
  | { status: "created" | "exists"; credited: ReferralPartyReward; nth: number | null }
  | { status: "capped"; reason: "referrer_cap_reached" }
  | { status: "refused"; detail: string };

const CAPPED = { status: "capped", reason: "referrer_cap_reached" } as const;

export function creditReferrer(
  tx: WalletTx,
  request: ReferrerCreditRequest,
  earn: EarnTerms,
  nowMs: number,
): ReferrerCreditStatus {
  const { terms, ...rest } = request;
  const credit: PartyCredit = { ...rest, party: "referrer" };
  const prior = findReferrerCredit(tx.sql, credit.referralId);
  if (prior) {
    if (prior.ruleId !== credit.ruleId) {
      return {
        status: "refused",
        detail: `referral ${credit.referralId} was credited under rule ${prior.ruleId}`,
      };
    }
    if (prior.outcome === "capped" || prior.reward === null) return CAPPED;
    const again = creditParty(tx, { ...credit, reward: prior.reward }, earn, nowMs);
    if (again.status === "refused") return again;
    return { status: again.status, credited: prior.reward, nth: prior.nth };
  }
  const month = periodKey("month", credit.occurredAtMs, earn.timeZone);
  const decision = decideReferrerReward({
    base: credit.reward,
    terms: terms ?? null,
    creditedThisMonth: countCredited(tx.sql, credit.ruleId, month),
    creditedEver: countCredited(tx.sql, credit.ruleId, null),
  });
  const row = { referralId: credit.referralId, ruleId: credit.ruleId, month, atMs: nowMs };
  if (decision.action === "cap") {
    insertReferrerCredit(tx.sql, { ...row, outcome: "capped", nth: null, reward: null });
    return CAPPED;
  }
  const credited = creditParty(tx, { ...credit, reward: decision.reward }, earn, nowMs);
  // Refused (the key holds another amount): nothing recorded, so nothing counted.
  if (credited.status === "refused") return credited;
  insertReferrerCredit(tx.sql, {
    ...row,
    outcome: "credited",
    nth: decision.nth,
    reward: decision.reward,
  });
  return { status: credited.status, credited: decision.reward, nth: decision.nth };
}
