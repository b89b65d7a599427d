import { assertNever } from "#shared/assert";
import { reviewDueClaims } from "../claims/claims";
import { pruneClicks } from "../clicks/clicks";
import { confirmDue } from "../conversions/confirm-due";
import type { WalletTx } from "../core/wallet-tx";
import type { EarnTerms } from "../events/post-reward";
import { releaseDueHolds } from "../holds/holds";
import { activateDue, expireDue, sendExpiryNotices } from "../points/points-due";
import { expireDueReferrals } from "../referrals/referral-expiry";
import { settleReferralConfirmation } from "../referrals/referral-money";
import { pruneEventLinks } from "../referrals/referral-observation";
import { autoApproveDue } from "../referrals/referral-review";
import { reviewTier } from "../tiers/tiers";
import { ALL_SCHEDULE_KINDS } from "./schedule-kind";
import { isDue } from "./schedule-store";

export interface DueRun {
  confirmed: number;
  prunedClicks: number;
  /** Processed signups' identity-link hashes past their keep window, deleted. */
  prunedEventLinks: number;
  /** Loyalty: pending lots activated, lots expired and their points, expiry notices queued. */
  activatedLots: number;
  expiredLots: number;
  expiredPoints: number;
  pointsNotices: number;
  /** The tier after a due review; null when no review was due. */
  tier: string | null;
  /** Held referrals approved because their auto-approve delay ended. */
  autoApprovedReferrals: number;
  /** True when confirmations or points work were left for the next run. */
  more: boolean;
}

/**
 * Runs the schedule's work due by `asOfMs` inside the caller's storage transaction, kind by
 * kind: money first, then the loyalty program's fixed nightly order (activate pending points →
 * expire → recompute the tier). `asOfMs` may be ahead of `nowMs` (an operator's clock override
 * in development); points and tiers are decided as of `asOfMs`.
 */
export function runDue(
  tx: WalletTx,
  asOfMs: number,
  nowMs: number,
  /** How credited points are held (an auto-approved referral may credit points). */
  earn: EarnTerms | null = null,
): DueRun {
  const run: DueRun = {
    confirmed: 0,
    prunedClicks: 0,
    prunedEventLinks: 0,
    activatedLots: 0,
    expiredLots: 0,
    expiredPoints: 0,
    pointsNotices: 0,
    tier: null,
    autoApprovedReferrals: 0,
    more: false,
  };
  for (const kind of ALL_SCHEDULE_KINDS) {
    switch (kind) {
      case "confirm": {
        const confirmed = confirmDue(tx, asOfMs, nowMs);
        run.confirmed = confirmed.confirmed;
        run.more = confirmed.more;
        break;
      }
      case "claim_review":
        reviewDueClaims(tx, asOfMs, nowMs);
        break;
      case "prune_clicks":
        run.prunedClicks = pruneClicks(tx.sql, asOfMs);
        break;
      case "prune_event_links":
        run.prunedEventLinks = pruneEventLinks(tx.sql, asOfMs);
        break;
      case "boost":
        // Asks other objects, so it cannot run inside a storage transaction: the object's
        // boost sync sends it after commit (boosts/boost-sync.ts).
        break;
      case "grant":
        // Asks the rule budgets (other objects): the object's grant sync, after commit
        // (events/grant-sync.ts).
        break;
      case "referral_reward":
        // Asks the referrer's wallet (another object): the referral-reward sync, after commit
        // (referrals/referral-reward-sync.ts).
        break;
      case "referral_confirm":
        // The referee's account reached the campaign's age: the bonuses may be confirmed
        // (the referrer's confirmation is owed to their wallet, delivered after commit).
        if (isDue(tx.sql, kind, asOfMs)) settleReferralConfirmation(tx, asOfMs, nowMs);
        break;
      case "referral_expire":
        if (isDue(tx.sql, kind, asOfMs)) expireDueReferrals(tx, asOfMs, nowMs);
        break;
      case "chain_seal":
        // A storage transaction of its own, after this one commits (ledger/chain-store.ts
        // sealDueChunk, from wallet-object.ts runDue): a chunk that throws must not roll back
        // the confirmations above.
        break;
      case "referral_auto_approve":
        if (earn && isDue(tx.sql, kind, asOfMs)) {
          run.autoApprovedReferrals = autoApproveDue(tx, asOfMs, earn, nowMs);
        }
        break;
      case "risk_hold_release":
        if (isDue(tx.sql, kind, asOfMs)) releaseDueHolds(tx, asOfMs, nowMs, earn);
        break;
      case "risk_retry":
        // Asks the risk object (another object): the object retries after commit
        // (payouts/redeem/risk-retry.ts).
        break;
      case "events":
        // Processing reads the live rule set first (an await), so the object runs it after
        // commit (wallet-object.ts processEvents), like the boost sync.
        break;
      case "points_activate":
        if (isDue(tx.sql, kind, asOfMs)) {
          const activated = activateDue(tx, asOfMs, nowMs);
          run.activatedLots = activated.activated;
          run.more ||= activated.more;
        }
        break;
      case "points_expire":
        if (isDue(tx.sql, kind, asOfMs)) {
          const expired = expireDue(tx, asOfMs, nowMs);
          run.expiredLots = expired.expiredLots;
          run.expiredPoints = expired.expiredPoints;
          run.more ||= expired.more;
        }
        break;
      case "points_notice":
        if (isDue(tx.sql, kind, asOfMs)) {
          const notices = sendExpiryNotices(tx, asOfMs, nowMs);
          run.pointsNotices = notices.notices;
          run.more ||= notices.more;
        }
        break;
      case "tier_review":
        if (isDue(tx.sql, kind, asOfMs)) run.tier = reviewTier(tx, asOfMs)?.tier ?? null;
        break;
      default:
        assertNever(kind, "schedule kind");
    }
  }
  return run;
}
