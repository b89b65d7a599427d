import { errorFields, type Logger } from "#shared/observability/logger";
import { SyncRounds } from "../core/sync-rounds";
import type { WalletTx } from "../core/wallet-tx";
import { findEvent } from "../events/event-store";
import { dueRefs, postpone, unschedule } from "../schedule/schedule-store";
import type { PartyCredit, PartyCreditStatus } from "./party-credit";
import { countReferralRewardAttempt, findReferralReward } from "./referral-reward-store";
import { acknowledgeReferrerReward } from "./referral-rewards";

/** Referrals per round, rounds per sync, and the wait after the referrer's wallet failed. */
const MAX_REWARDS_PER_ROUND = 50;
const MAX_REWARD_ROUNDS = 4;
export const REFERRAL_REWARD_RETRY_MS = 30_000;

/** The referrer's wallet as this sync calls it (WalletDurableObject.creditReferralReward). */
export interface ReferrerWallet {
  creditReferralReward(referrerId: string, credit: PartyCredit): Promise<PartyCreditStatus>;
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
 * marks it delivered and moves the referral to `rewarded`. A call that fails or is refused is
 * retried every 30 s from the wallet's schedule (`referral_reward`), like the grant sync; one
 * sync at a time per object.
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
        const credit: PartyCredit = {
          referralId,
          party: "referrer",
          ruleId: owed.ruleId,
          ruleVersion: owed.ruleVersion,
          eventId: owed.eventId,
          occurredAtMs: findEvent(sql, owed.eventId)?.occurredAtMs ?? clock(),
          reward: owed.reward,
        };
        const result = await this.ports
          .walletOf(owed.referrerId)
          .creditReferralReward(owed.referrerId, credit);
        if (result.status === "refused") throw new Error(result.detail);
        this.ports.commit((tx) => acknowledgeReferrerReward(tx, referralId, clock()));
      } catch (error) {
        log.error("wallet.referral_reward_failed", { referralId, ...errorFields(error) });
        this.ports.commit((tx) => {
          countReferralRewardAttempt(tx.sql, referralId, "referrer");
          postpone(tx.sql, "referral_reward", referralId, clock() + REFERRAL_REWARD_RETRY_MS);
        });
      }
    }
    return due.length > MAX_REWARDS_PER_ROUND;
  }
}
