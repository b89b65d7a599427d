import { errorFields, type Logger } from "#shared/observability/logger";
import { SyncRounds } from "../core/sync-rounds";
import type { WalletTx } from "../core/wallet-tx";
import { findEvent } from "../events/event-store";
import { dueRefs, postpone, unschedule } from "../schedule/schedule-store";
import { countReferralRewardAttempt, findReferralReward } from "./referral-reward-store";
import { acknowledgeReferrerReward, capReferrerReward } from "./referral-rewards";
import type { ReferrerCreditRequest, ReferrerCreditStatus } from "./referrer-credit";
import { refusalAlertDue } from "./refusal-alert";

/** Referrals per round, rounds per sync, and the wait after the referrer's wallet failed. */
const MAX_REWARDS_PER_ROUND = 50;
const MAX_REWARD_ROUNDS = 4;
export const REFERRAL_REWARD_RETRY_MS = 30_000;

/** The referrer's wallet as this sync calls it (WalletDurableObject.creditReferralReward). */
export interface ReferrerWallet {
  creditReferralReward(
    referrerId: string,
    credit: ReferrerCreditRequest,
  ): Promise<ReferrerCreditStatus>;
}

export interface ReferralRewardSyncPorts {
  sql: SqlStorage;
  log: Logger;
  clock: () => number;
  /** The referrer's wallet object. */
  walletOf(userId: string): ReferrerWallet;
  commit<T>(work: (tx: WalletTx) => T): T;
}

/**
 * Delivers the referrer's reward of a qualified referral after the qualifying transaction
 * committed (docs/referrals.md, "Rewards"): an RPC to the referrer's wallet, which credits it
 * under `referral:<id>:referrer` (a repeat is `exists` there), then a second transaction here
 * marks it delivered (with what the referrer's tier paid) and moves the referral to
 * `rewarded`. The campaign's cap and tiers go with the request and are decided there; a
 * `capped` answer is final (never retried). A call that fails or is refused is retried every
 * 30 s from the wallet's schedule (`referral_reward`), like the grant sync, and every
 * REFUSAL_ALERT_EVERY failed attempts raise an operator alert (an error log line naming the
 * referral and the count); one sync at a time per object.
 */
export class ReferralRewardSync {
  private readonly rounds = new SyncRounds(() => this.round(), MAX_REWARD_ROUNDS);

  constructor(private readonly ports: ReferralRewardSyncPorts) {}

  sync(): Promise<void> {
    return this.rounds.sync();
  }

  private async round(): Promise<boolean> {
    const { sql, log, clock } = this.ports;
    const due = dueRefs(sql, "referral_reward", clock(), MAX_REWARDS_PER_ROUND + 1);
    for (const referralId of due.slice(0, MAX_REWARDS_PER_ROUND)) {
      const owed = findReferralReward(sql, referralId, "referrer");
      if (owed?.status !== "owed") {
        unschedule(sql, "referral_reward", referralId);
        continue;
      }
      try {
        const credit: ReferrerCreditRequest = {
          referralId,
          party: "referrer",
          ruleId: owed.ruleId,
          ruleVersion: owed.ruleVersion,
          eventId: owed.eventId,
          occurredAtMs: findEvent(sql, owed.eventId)?.occurredAtMs ?? clock(),
          reward: owed.reward,
          terms: owed.referrerTerms,
        };
        const result = await this.ports
          .walletOf(owed.referrerId)
          .creditReferralReward(owed.referrerId, credit);
        if (result.status === "refused") throw new Error(result.detail);
        if (result.status === "capped") {
          this.ports.commit((tx) => capReferrerReward(tx, referralId, clock()));
        } else {
          const credited = result.credited;
          this.ports.commit((tx) => acknowledgeReferrerReward(tx, referralId, clock(), credited));
        }
      } catch (error) {
        log.error("wallet.referral_reward_failed", { referralId, ...errorFields(error) });
        const attempts = this.ports.commit((tx) => {
          countReferralRewardAttempt(tx.sql, referralId, "referrer");
          postpone(tx.sql, "referral_reward", referralId, clock() + REFERRAL_REWARD_RETRY_MS);
          return findReferralReward(tx.sql, referralId, "referrer")?.attempts ?? 0;
        });
        if (refusalAlertDue(attempts)) {
          // The operator's alert: this reward will not deliver by itself.
          log.error("referral.referrer_reward_alert", {
            referralId,
            referrerId: owed.referrerId,
            attempts,
            ...errorFields(error),
          });
        }
      }
    }
    return due.length > MAX_REWARDS_PER_ROUND;
  }
}
