import { DurableObject } from "cloudflare:workers";
import { faultPoint } from "#durable-objects/shared/faults";
import { open, parseKeyRing } from "#shared/crypto/sealed";
import { observedWithSharing } from "#shared/fraud/identity-counts";
import { linkKeyOf } from "#shared/fraud/identity-links";
import type { Assessment, Observation } from "#shared/fraud/risk-contract";
import { scoringEnabled } from "#shared/fraud/scoring-switch";
import { loadProgramSettings } from "#shared/loyalty/live-program-settings";
import { tierPolicyOf, validityOf } from "#shared/loyalty/program-settings";
import type { NotificationChannel } from "#shared/notify/catalog";
import type { PushSubscriptionKeys, Recipient } from "#shared/notify/channel";
import { createLogger, errorFields } from "#shared/observability/logger";
import { MAX_PAYOUT_PAGE_ROWS } from "#shared/paging";
import type { PayoutPolicy } from "#shared/payouts/policy";
import { loadRiskLists } from "#shared/referrals/live-risk-lists";
import { EMPTY_RISK_LISTS } from "#shared/referrals/risk-lists";
import type { RiskSignal } from "#shared/referrals/risk-signals";
import { CompiledRuleSetCache } from "#shared/rules/index";
import { loadLiveRuleSet } from "#shared/rules/live-rule-set";
import { auditWallet } from "./audit/audit";
import { BoostSync } from "./boosts/boost-sync";
import { findClaim, listClaims } from "./claims/claim-store";
import {
  type ClaimDecisionInput,
  ClaimDecisionRefused,
  type DecideClaimResult,
  decideClaim,
  type FileClaimResult,
  fileClaim,
} from "./claims/claims";
import type { ClaimInput, StoredClaim } from "./claims/decide-claim";
import { type ClickView, listRecentClicks, type RollupChunk } from "./clicks/click-store";
import { ackRollupChunk, type ClickHit, recordClicks } from "./clicks/clicks";
import { applyConversion } from "./conversions/apply-conversion";
import { findTxn, listTxns, readHistory } from "./conversions/txn-store";
import type { ConversionEvent, ConversionResult, StoredTxn } from "./conversions/types";
import { boundUserId } from "./core/meta-store";
import { pageRows } from "./core/page";
import { dueAsOf } from "./core/sync-rounds";
import { WalletTx } from "./core/wallet-tx";
import type { WalletEnv } from "./env";
import {
  type ContactReveal,
  findEvent,
  listEvents,
  readContact,
  recentReveals,
  recordReveal,
  type StoredEvent,
} from "./events/event-store";
import {
  type AcceptResult,
  acceptEvents,
  contactContext,
  type EventRun,
  eventsDue,
  type IncomingEvent,
  postponeEvents,
  prepareEvents,
  processDueEvents,
  type RiskIntake,
} from "./events/events";
import { GrantSync } from "./events/grant-sync";
import type { LiveProgram, ProgramTerms } from "./events/rewards";
import { readSegments, saveSegments } from "./events/segments";
import { type AppliedAssessment, applyAssessment } from "./holds/apply-assessment";
import { listHolds, type StoredHold } from "./holds/hold-store";
import { decideHold, type HoldDecision } from "./holds/holds";
import {
  type ChainPoint,
  type ChainReport,
  chainSealing,
  exportChain,
  sealChainChunk,
  sealDueChunk,
} from "./ledger/chain-store";
import {
  type BalanceRow,
  type InvariantReport,
  type LedgerEntryView,
  listEntries,
  listEntriesOfTxn,
  readBalances,
} from "./ledger/ledger-store";
import {
  commitContacts,
  commitPush,
  endpointDigest,
  listPushSubscriptions,
  maskedNotifyContacts,
  type NotificationContacts,
  openRecipients,
  type PushSubscriptionView,
  prepareContacts,
  preparePush,
  removePushByDigest,
  removePushSubscription,
  type SavePushResult,
} from "./notify/notify-addresses";
import { OutboxFlusher } from "./outbox/outbox-flush";
import {
  commitSave,
  destinationViews,
  prepareSave,
  removeDestination,
  resealDestinations,
} from "./payouts/destinations/destinations";
import { adminPayoutAction, type OperatorNote } from "./payouts/lifecycle/admin";
import type { StoredPayout } from "./payouts/lifecycle/decide-payout";
import {
  applyProcessorState,
  claimDispatch,
  markStuck,
  openDispatchDetails,
  recordRejected,
  recordUnavailable,
} from "./payouts/lifecycle/lifecycle";
import { findPayout, listPayouts, readPayoutLog } from "./payouts/lifecycle/payout-store";
import {
  commitRedeem,
  observeHeldRedemption,
  observeRedemption,
  prepareRedeem,
} from "./payouts/redeem/redeem";
import { assessThroughBreaker } from "./payouts/redeem/risk-assessor";
import type { RiskCheck, ScoringOff } from "./payouts/redeem/risk-check";
import { type RiskRetryRun, retryUnavailableRedemptions } from "./payouts/redeem/risk-retry";
import { hashDevice } from "./payouts/step-up/codes";
import { commitLogin, commitStepUp, prepareStepUp, presentedHash } from "./payouts/step-up/step-up";
import { passStepUpGate, staleStepUp } from "./payouts/step-up/step-up-holds";
import type {
  AdminPayoutAction,
  DestinationResult,
  DestinationView,
  DispatchClaim,
  NewDestination,
  ProcessorView,
  RedeemInput,
  RedeemResult,
} from "./payouts/types";
import { confirmPointsSource, earnPoints } from "./points/earn";
import { listLotViews, listPointsHistory, readPointsBalance } from "./points/points-reads";
import { redeemPointsForCashback, redeemPointsForVoucher } from "./points/redeem";
import { restorePoints, rollbackPoints } from "./points/rollback";
import type {
  CashbackRate,
  EarnPointsInput,
  EarnPointsResult,
  LotView,
  PointsBalance,
  RedeemPointsResult,
  RestorePointsResult,
  RollbackPointsInput,
  RollbackPointsResult,
} from "./points/types";
import { type AttributionEvidence, AttributionEvidenceMissing } from "./referrals/attribution";
import { readAttributionEvidence } from "./referrals/attribution-lookups";
import type { ReferralParty } from "./referrals/party-credit";
import { findPartyMoney, type PartyMoney } from "./referrals/party-money-store";
import {
  applyPartyOperation,
  type PartyOperation,
  type PartyOperationStatus,
} from "./referrals/party-operations";
import { refreshQualificationRisk } from "./referrals/qualification-risk";
import { QualificationScoreMissing } from "./referrals/qualification-scoring";
import {
  decideReferral,
  type ReviewDecision,
  type ReviewOutcome,
} from "./referrals/referral-review";
import { type ReferralRewardRow, referralRewardsOf } from "./referrals/referral-reward-store";
import { ReferralRewardSync } from "./referrals/referral-reward-sync";
import { referralSignals } from "./referrals/referral-risk";
import {
  findReferral,
  type ReferralHistoryEntry,
  readReferralHistory,
  type StoredReferral,
} from "./referrals/referral-store";
import { findReferralTerms, type StoredReferralTerms } from "./referrals/referral-terms-store";
import { ReferrerBudgets, retargetReferrerBudget } from "./referrals/referrer-budget";
import type { ReferrerCreditRequest, ReferrerCreditStatus } from "./referrals/referrer-credit";
import { type ReferrerOp, referrerOpsOf } from "./referrals/referrer-ops-store";
import { alarmInputs } from "./schedule/alarm-store";
import { nextAlarmAtMs } from "./schedule/decide-alarm";
import { type DueRun, runDue } from "./schedule/run-due";
import type { ScheduleKind } from "./schedule/schedule-kind";
import { anyDue, isDue } from "./schedule/schedule-store";
import { applySchema } from "./schema";
import type { TierHistoryEntry } from "./tiers/tier-store";
import { listTierHistory } from "./tiers/tier-store";
import {
  type QualifyingSpendInput,
  readTier,
  recordQualifyingSpend,
  type TierView,
} from "./tiers/tiers";

/** Entries per ledger export page (admin export; docs/ledger.md). */
const MAX_EXPORT_ENTRIES = 5_000;
/** Bounds one transaction's timeline (a transaction moves money a handful of times). */
const MAX_TXN_ENTRIES = 500;
/** Event runs per wake; a longer inbox goes on at the next alarm, due at once. */
const MAX_EVENT_RUNS_PER_WAKE = 5;
/** A referral's referrer operations shown by getReferral (a handful per referral). */
const MAX_REFERRER_OPS_SHOWN = 50;
/** Reveals of a user's contact details shown beside the masked view. */
const MAX_REVEALS_SHOWN = 10;
/** Compiled once per rule set version per isolate (shared/rules/compile.ts). */
const COMPILED_RULE_SETS = new CompiledRuleSetCache();
/**
 * The schedule kinds `afterWriteSyncs` works (events inbox, boost requests, grants, referral
 * rewards, the risk retry): with none of them due, a write skips those steps. A step added
 * there that reads another kind must add it here (wallet-object-after-write.test.ts).
 */
export const AFTER_WRITE_KINDS: readonly ScheduleKind[] = [
  "events",
  "boost",
  "grant",
  "referral_reward",
  "risk_retry",
];
/** When processing the inbox failed, the next try. */
const EVENT_RETRY_MS = 30_000;

/**
 * One object per user: the single writer for that user's clicks, transactions, ledger, claims
 * and payouts. A thin RPC shell: each method reads the clock once (or takes `nowMs` from its
 * caller), lets a module do the work inside one `transactionSync` (`commit`), and then
 * publishes (`afterWrite`: boost requests, the outbox, the alarm). Asynchronous work a module
 * needs (sealing, hashing) runs before the transaction, in its `prepare*` function.
 *
 * Nothing between reading state and writing it awaits anything but storage, so requests
 * cannot interleave inside a mutation. The module map is in docs/architecture.md.
 */
export class WalletDurableObject extends DurableObject<WalletEnv> {
  private readonly sql: SqlStorage;
  private readonly log = createLogger({ worker: "wallet" });
  /** The object's one clock; modules get `nowMs` or, across awaits, this function. */
  private readonly clock = () => Date.now();
  private readonly outbox: OutboxFlusher;
  private readonly boosts: BoostSync;
  private readonly grants: GrantSync;
  private readonly referralRewards: ReferralRewardSync;

  constructor(ctx: DurableObjectState, env: WalletEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.outbox = new OutboxFlusher(this.sql, env, this.log);
    this.boosts = new BoostSync({
      sql: this.sql,
      env,
      log: this.log,
      clock: this.clock,
      userId: () => boundUserId(this.sql),
      objectId: ctx.id,
      commit: (work) => this.commit(work),
    });
    this.grants = new GrantSync({
      sql: this.sql,
      env,
      log: this.log,
      clock: this.clock,
      userId: () => boundUserId(this.sql),
      objectId: ctx.id,
      earnTerms: async () => (await this.programTerms()).earn,
      commit: (work) => this.commit(work),
    });
    this.referralRewards = new ReferralRewardSync({
      sql: this.sql,
      env,
      log: this.log,
      clock: this.clock,
      userId: () => boundUserId(this.sql),
      earnTerms: async () => (await this.programTerms()).earn,
      walletOf: (userId) => env.WALLET.get(env.WALLET.idFromName(userId)),
      commit: (work) => this.commit(work),
    });
    ctx.blockConcurrencyWhile(async () => {
      applySchema(ctx.storage);
      // Entries from before the hash chain: the first chunk now, the rest by alarm.
      // A chunk that cannot seal must not stop the wallet from starting: logged, left to the
      // alarm (which retries it) and to the audit (which reports the unsealed entries).
      if (chainSealing(this.sql)) {
        try {
          ctx.storage.transactionSync(() => sealChainChunk(this.sql, this.clock()));
        } catch (error) {
          this.log.error("wallet.chain_seal_failed", errorFields(error));
        }
        await this.armAlarm();
      }
    });
  }

  // ---- clicks (clicks/) ----------------------------------------------------------------------

  /**
   * Stores clicks (idempotent on click id) and returns the rollup chunk the caller must add
   * to D1 and then acknowledge. An unacknowledged chunk is returned again unchanged, which
   * is what makes the D1 rollup exactly-once under redelivery.
   */
  async recordClicks(userId: string, clicks: ClickHit[]): Promise<RollupChunk | null> {
    const { chunk, pruneNewlyScheduled } = this.commit((tx) => recordClicks(tx, userId, clicks));
    if (pruneNewlyScheduled) await this.armAlarm();
    return chunk;
  }

  /** Marks a chunk as added to D1; returns the next chunk if more clicks are waiting. */
  ackRollupChunk(chunkId: number): RollupChunk | null {
    return this.commit((tx) => ackRollupChunk(tx, chunkId));
  }

  // ---- conversions and the schedule (conversions/, schedule/) --------------------------------

  applyConversion(event: ConversionEvent, nowMs: number = Date.now()): Promise<ConversionResult> {
    return this.changing(() => this.commit((tx) => applyConversion(tx, event, nowMs)));
  }

  /**
   * Several conversions of this user (a postbacks batch's, in delivery order) through the same
   * path as `applyConversion`, in one storage transaction with one `afterWrite`: the results in
   * the same order. One that throws rolls back all of them (the caller retries each alone).
   */
  applyConversions(
    events: readonly ConversionEvent[],
    nowMs: number = Date.now(),
  ): Promise<ConversionResult[]> {
    return this.changing(() =>
      this.commit((tx) => events.map((event) => applyConversion(tx, event, nowMs))),
    );
  }

  /**
   * Runs what the schedule has due by `asOfMs` (confirmations, claim reviews, click pruning),
   * bounded per call; `asOfMs` may run ahead of the clock (an operator's override in dev, the
   * simulation bringing a postponed retry forward). The after-write syncs (boost requests,
   * grants, referral rewards) look for what is due as of `asOfMs` too; the alarm passes now.
   */
  runDue(asOfMs: number = Date.now()): Promise<DueRun> {
    const nowMs = Date.now();
    return this.changingAsOf(asOfMs, async () => {
      // Read before the transaction (an await): an auto-approved referral may credit points.
      const { earn } = await this.programTerms();
      const run = this.commit((tx) => runDue(tx, asOfMs, nowMs, earn));
      // The chain sealer's chunk commits on its own: one that throws is logged and retried
      // later, and leaves the run's confirmations committed (ledger/chain-store.ts).
      const { error } = sealDueChunk(this.ctx.storage, asOfMs, nowMs);
      if (error) this.log.error("wallet.chain_seal_failed", errorFields(error));
      return run;
    });
  }

  override async alarm(): Promise<void> {
    await this.runDue(Date.now());
  }

  // ---- first-party events (events/) ---------------------------------------------------------

  /**
   * Records the user's events in the inbox (one storage transaction: the durable record the
   * intake answers on) and processes them after commit. Per event: `accepted`, `duplicate`
   * (the same event again: nothing changes) or `conflict` (another body under a used id).
   */
  acceptEvents(
    userId: string,
    incoming: IncomingEvent[],
    nowMs: number = Date.now(),
  ): Promise<AcceptResult[]> {
    return this.changing(async () => {
      const prepared = await prepareEvents(
        this.keyRing(),
        userId,
        incoming,
        this.env.SUBID_SIGNING_KEY || null,
        await this.riskIntake(incoming),
      );
      return this.commit((tx) => acceptEvents(tx, userId, prepared, nowMs));
    });
  }

  /** Newest first, keyset on (occurred at, id). */
  getEvents(
    before: { occurredAtMs: number; eventId: string } | null,
    limit: number,
  ): StoredEvent[] {
    return listEvents(this.sql, before, pageRows(limit));
  }

  /** The member's segments, which rules read (events/segments.ts). */
  getSegments(): string[] {
    return readSegments(this.sql);
  }

  /**
   * Replaces the member's segments; returns them as stored (sorted, no repeats). A change is
   * published to D1 `member_segments` through the outbox (events/segments.ts).
   */
  setSegments(userId: string, segments: string[]): Promise<string[]> {
    return this.changing(() =>
      this.commit((tx) => {
        tx.bindUser(userId);
        return saveSegments(tx.sql, segments);
      }),
    );
  }

  getEvent(eventId: string): StoredEvent | null {
    return findEvent(this.sql, eventId);
  }

  // ---- referrals (referrals/) ----------------------------------------------------------------

  /**
   * The user's referral as a referee (who referred them, how, its state) with its history,
   * what it owes each party, and the fraud signals weighed at attribution.
   */
  getReferral(): {
    referral: StoredReferral;
    history: ReferralHistoryEntry[];
    rewards: ReferralRewardRow[];
    /** The campaign's money terms and when the bonuses were confirmed; null before qualifying. */
    terms: StoredReferralTerms | null;
    /** The referrer's operations after the credit (confirm, reverse, restore), oldest first. */
    referrerOperations: ReferrerOp[];
    signals: RiskSignal[];
  } | null {
    const referral = findReferral(this.sql);
    if (!referral) return null;
    return {
      referral,
      history: readReferralHistory(this.sql, referral.referralId),
      rewards: referralRewardsOf(this.sql, referral.referralId),
      terms: findReferralTerms(this.sql, referral.referralId),
      referrerOperations: referrerOpsOf(this.sql, referral.referralId, MAX_REFERRER_OPS_SHOWN),
      signals: referralSignals(this.sql, referral.referralId),
    };
  }

  // ---- risk holds (holds/; docs/fraud.md) ---------------------------------------------------

  /** The user's risk holds, newest first. */
  getRiskHolds(rows = 100): StoredHold[] {
    return listHolds(this.sql, Math.min(Math.max(rows, 1), 500));
  }

  /**
   * An operator's decision on one of the user's risk holds (release or uphold, with a reason and
   * a label); what the hold kept waiting follows in the same transaction (holds/hold-ended.ts).
   */
  decideRiskHold(
    userId: string,
    holdId: string,
    input: HoldDecision,
    nowMs: number = Date.now(),
  ): Promise<{ status: "decided" | "exists" | "not_found"; hold: StoredHold | null }> {
    return this.changing(async () => {
      // Read before the transaction (an await): a released referral hold may credit points.
      const { earn } = await this.programTerms();
      return this.commit((tx) => {
        tx.bindUser(userId);
        return decideHold(tx, holdId, input, nowMs, earn);
      });
    });
  }

  /**
   * Scoring's answer to one of the user's observations (the risk intake consumer sends each):
   * the holds its fraud effects ask for, placed once each (holds/apply-assessment.ts).
   */
  applyAssessment(
    userId: string,
    observation: Observation,
    assessment: Assessment,
    nowMs: number = Date.now(),
  ): Promise<AppliedAssessment> {
    return this.changing(() =>
      this.commit((tx) => {
        tx.bindUser(userId);
        return applyAssessment(tx, observation, assessment, nowMs);
      }),
    );
  }

  /**
   * Assesses the redemptions held `risk_unavailable` again, oldest first (the schedule does
   * this every minute while any wait; the api worker's sweep asks too): answered ones are
   * released, or held `risk` when the rules now hold them (payouts/redeem/risk-retry.ts).
   */
  retryHeldRedemptions(): Promise<RiskRetryRun> {
    return this.changing(() => this.retryRisk());
  }

  /** This wallet's own bonus of one referral (either party), as party-operations.ts keeps it. */
  getReferralBonus(referralId: string, party: ReferralParty): PartyMoney | null {
    return findPartyMoney(this.sql, referralId, party);
  }

  /**
   * An operator's approve or reject of the user's referral (referrals/referral-review.ts):
   * approve credits a held referral's rewards once; reject makes it `rejected` and cancels what
   * was not credited. `referrerId`, when given, must be the referral's referrer (a ban's
   * sweep: a referral of someone else is `not_found`).
   */
  decideReferral(
    input: ReviewDecision & { bannedReferrerId?: string },
    nowMs: number = Date.now(),
  ): Promise<ReviewOutcome> {
    return this.changing(async () => {
      const { earn } = await this.programTerms();
      return this.commit((tx) => {
        const referral = findReferral(tx.sql);
        if (input.bannedReferrerId !== undefined) {
          if (!referral || referral.referrerId !== input.bannedReferrerId) {
            return { status: "not_found" } as const;
          }
          return decideReferral(tx, input, earn, nowMs, "referrer_banned");
        }
        return decideReferral(tx, input, earn, nowMs);
      });
    });
  }

  /**
   * The referrer's reward of a referral that qualified in the referee's wallet (its
   * referral-reward sync calls this): the campaign's monthly cap and tiers are decided here,
   * the referrer's one writer (referrals/referrer-credit.ts); credited once under
   * `referral:<id>:referrer`, a repeat answers the same and writes nothing. A reward that
   * draws on the rule's budgets asks them first (referrals/referrer-budget.ts). The answer
   * says what was credited (the tier's reward, or less), or `capped` with why.
   */
  creditReferralReward(
    referrerId: string,
    credit: ReferrerCreditRequest,
    nowMs: number = Date.now(),
  ): Promise<ReferrerCreditStatus> {
    return this.changing(async () => {
      const { earn } = await this.programTerms();
      return this.referrerBudgets(referrerId).credit(credit, earn, nowMs);
    });
  }

  /**
   * What happens to the referrer's bonus of a referral after its credit, as the referee's
   * wallet decided it (its referral-reward sync calls this, in order): confirm, reverse,
   * restore, each once (referrals/party-operations.ts).
   */
  applyReferrerOperation(
    referrerId: string,
    op: PartyOperation,
    nowMs: number = Date.now(),
  ): Promise<PartyOperationStatus> {
    return this.changing(async () => {
      const result = this.commit((tx) => {
        tx.bindUser(referrerId);
        const applied = applyPartyOperation(tx, { ...op, party: "referrer" }, nowMs);
        // What the rule's budgets hold follows what the referrer still has.
        if (applied.status !== "refused") retargetReferrerBudget(tx, op.referralId);
        return applied;
      });
      if (result.status === "refused") return result;
      // Refused while the budgets cannot be asked: the referee's wallet sends the operation
      // again, which answers `exists` here and asks them again.
      return (await this.referrerBudgets(referrerId).trySettle(op.referralId)) ?? result;
    });
  }

  /** Rule budgets on this wallet's referrer rewards (referrals/referrer-budget.ts). */
  private referrerBudgets(referrerId: string): ReferrerBudgets {
    return new ReferrerBudgets({
      sql: this.sql,
      env: this.env,
      log: this.log,
      clock: this.clock,
      userId: () => referrerId,
      commit: (work) =>
        this.commit((tx) => {
          tx.bindUser(referrerId);
          return work(tx);
        }),
    });
  }

  /** The user's contact details as operators see them by default: masked, with recent reveals. */
  getMaskedContact(): {
    masked: Record<string, string>;
    updatedAtMs: number;
    reveals: ContactReveal[];
  } | null {
    const contact = readContact(this.sql);
    if (!contact) return null;
    return {
      masked: contact.masked,
      updatedAtMs: contact.updatedAtMs,
      reveals: recentReveals(this.sql, MAX_REVEALS_SHOWN),
    };
  }

  /**
   * The contact details in clear, for an operator's reveal only (features/users): who asked
   * and why is recorded first, in the object, so no reveal goes unrecorded.
   */
  async revealContact(
    reveal: Omit<ContactReveal, "atMs">,
    nowMs: number = Date.now(),
  ): Promise<Record<string, string> | null> {
    const contact = readContact(this.sql);
    const ring = this.keyRing();
    if (!contact || !ring) return null;
    this.commit((tx) => recordReveal(tx.sql, { ...reveal, atMs: nowMs }));
    const opened = await open(ring, contact.sealed, contactContext(boundUserId(this.sql)));
    return opened.ok ? (JSON.parse(opened.plaintext) as Record<string, string>) : null;
  }

  // ---- notification addresses (notify/) ------------------------------------------------------

  /** Registers a Web Push subscription (at most 10; the same endpoint again replaces its keys). */
  async savePushSubscription(
    userId: string,
    subscription: PushSubscriptionKeys,
    nowMs: number = Date.now(),
  ): Promise<SavePushResult> {
    const ring = this.keyRing();
    if (!ring) return { ok: false, reason: "no_key_ring" };
    const prepared = await preparePush(this.sql, ring, userId, subscription);
    return this.commit((tx) => {
      tx.bindUser(userId);
      return commitPush(tx, prepared, nowMs);
    });
  }

  getPushSubscriptions(): PushSubscriptionView[] {
    return listPushSubscriptions(this.sql);
  }

  deletePushSubscription(id: string): boolean {
    return this.commit((tx) => removePushSubscription(tx.sql, id));
  }

  /** A push service said the subscription is gone (404/410): it is forgotten. */
  async forgetPushEndpoint(endpoint: string): Promise<boolean> {
    const digest = await endpointDigest(endpoint);
    return this.commit((tx) => removePushByDigest(tx.sql, digest));
  }

  /**
   * Sets the e-mail and phone notifications go to (sealed like the signup's contact); a changed
   * value is reported to the user's risk object like `user.email_changed`/`user.phone_changed`.
   */
  async saveNotificationContacts(
    userId: string,
    contacts: NotificationContacts,
    nowMs: number = Date.now(),
  ): Promise<{ masked: Record<string, string>; updatedAtMs: number } | null> {
    const ring = this.keyRing();
    if (!ring) return null;
    const prepared = await prepareContacts(
      this.sql,
      ring,
      linkKeyOf(this.env),
      userId,
      contacts,
      nowMs,
    );
    return this.changing(() =>
      this.commit((tx) => {
        tx.bindUser(userId);
        commitContacts(tx, prepared, nowMs);
        return { masked: prepared.masked, updatedAtMs: nowMs };
      }),
    );
  }

  getNotificationContacts(): { masked: Record<string, string>; updatedAtMs: number } | null {
    return maskedNotifyContacts(this.sql);
  }

  /** Where a notification to this user goes on `channels`, opened for the send only. */
  notificationRecipients(
    userId: string,
    channels: readonly NotificationChannel[],
  ): Promise<Recipient[]> {
    return openRecipients(this.sql, this.keyRing(), userId, channels);
  }

  // ---- claims (claims/) ----------------------------------------------------------------------

  /** Files a claim for one of the user's clicks; idempotent on `claimId` (claims/claims.ts). */
  /** `claimsPerMonth`: the operator's cap (CLAIMS_PER_MONTH; claims/claim-cap.ts). */
  fileClaim(
    userId: string,
    input: ClaimInput,
    nowMs: number = Date.now(),
    claimsPerMonth?: number,
  ): Promise<FileClaimResult> {
    return this.changing(() =>
      this.commit((tx) => fileClaim(tx, userId, input, nowMs, claimsPerMonth)),
    );
  }

  getClaims(limit: number): StoredClaim[] {
    return listClaims(this.sql, pageRows(limit));
  }

  getClaim(claimId: string): StoredClaim | null {
    return findClaim(this.sql, claimId);
  }

  /** An operator's approve or reject (claims/claims.ts decideClaim); nothing half-done. */
  decideClaim(
    claimId: string,
    input: ClaimDecisionInput,
    nowMs: number = Date.now(),
  ): Promise<DecideClaimResult> {
    return this.changing(() => {
      try {
        return this.commit((tx) => decideClaim(tx, claimId, input, nowMs));
      } catch (error) {
        if (error instanceof ClaimDecisionRefused) {
          return { status: "not_allowed", detail: error.message } as const;
        }
        throw error;
      }
    });
  }

  /** The user's recent clicks, newest first, so a claim can name the visit it is about. */
  getClicks(limit: number): ClickView[] {
    return listRecentClicks(this.sql, pageRows(limit));
  }

  // ---- payouts: destinations and step-up (payouts/destinations/, payouts/step-up/) -----------

  async addDestination(
    userId: string,
    destinationId: string,
    input: NewDestination,
    policy: PayoutPolicy,
    nowMs: number = Date.now(),
    /** A step-up code, needed only while a `step_up` risk hold is active (step-up-holds.ts). */
    stepUp: { challengeId: string; code: string } | null = null,
  ): Promise<DestinationResult> {
    return this.saveDestination("add", userId, destinationId, input, policy, nowMs, stepUp);
  }

  /** New details start a new cooling-off period: a changed account is as untrusted as a new one. */
  async updateDestination(
    userId: string,
    destinationId: string,
    input: NewDestination,
    policy: PayoutPolicy,
    nowMs: number = Date.now(),
    /** A step-up code, needed only while a `step_up` risk hold is active (step-up-holds.ts). */
    stepUp: { challengeId: string; code: string } | null = null,
  ): Promise<DestinationResult> {
    return this.saveDestination("update", userId, destinationId, input, policy, nowMs, stepUp);
  }

  /** Adds or replaces a destination: the step-up gate (while a `step_up` hold is active), then the save. */
  private async saveDestination(
    mode: "add" | "update",
    userId: string,
    destinationId: string,
    input: NewDestination,
    policy: PayoutPolicy,
    nowMs: number,
    stepUp: { challengeId: string; code: string } | null,
  ): Promise<DestinationResult> {
    const stale = staleStepUp(this.sql, stepUp);
    if (stale) return { status: "step_up_required", detail: stale };
    const presented = await presentedHash(this.sql, stepUp);
    const request = { mode, userId, destinationId, input, policy };
    const prepared = await prepareSave(this.sql, this.keyRing(), request, linkKeyOf(this.env));
    if ("status" in prepared) return prepared;
    // Through `changing`: the change's risk observation leaves by the outbox (docs/fraud.md).
    return this.changing(() =>
      this.commit(
        (tx) =>
          passStepUpGate(
            tx,
            stepUp,
            presented,
            `destination:${destinationId}`,
            policy.stepUpMaxAttempts,
            nowMs,
          ) ?? commitSave(tx, prepared, nowMs),
      ),
    );
  }

  /** `changesPerDay`: the policy's daily cap on adds and removes (destinations/change-cap.ts). */
  removeDestination(
    destinationId: string,
    nowMs: number = Date.now(),
    changesPerDay?: number,
  ): DestinationResult {
    return this.commit((tx) => removeDestination(tx, destinationId, nowMs, changesPerDay));
  }

  /** Re-seals personal data still under an older key (key rotation; destinations.ts). */
  resealDestinations(nowMs: number = Date.now()) {
    return resealDestinations(this.sql, this.keyRing(), (work) => this.commit(work), nowMs);
  }

  getDestinations(): DestinationView[] {
    return destinationViews(this.sql);
  }

  async issueStepUp(
    userId: string,
    deviceId: string | null,
    policy: PayoutPolicy,
    nowMs: number = Date.now(),
  ) {
    const prepared = await prepareStepUp(userId, deviceId, policy, nowMs);
    // The code's event is in the outbox with the challenge; it is flushed before the answer,
    // so the code is on its way when the route answers 201 (the alarm retries a failed flush).
    return this.changing(() => this.commit((tx) => commitStepUp(tx, prepared, nowMs)));
  }

  async recordLogin(userId: string, deviceId: string, atMs: number = Date.now()): Promise<void> {
    const deviceHash = await hashDevice(deviceId);
    this.commit((tx) => commitLogin(tx, userId, deviceHash, atMs));
  }

  // ---- payouts: redeem and lifecycle (payouts/redeem/, payouts/lifecycle/) -------------------

  redeem(userId: string, input: RedeemInput, nowMs: number = Date.now()): Promise<RedeemResult> {
    return this.changing(async () => {
      const prepared = await prepareRedeem(this.sql, input, nowMs);
      if (prepared.done) return prepared.done;
      // Scoring before money leaves; unavailable scoring holds the payout, never refuses it.
      // Switched off by the operator (docs/fraud.md "Turning scoring off"), it is not asked.
      const risk: RiskCheck | ScoringOff = scoringEnabled(this.env)
        ? await this.assessWithSharing(
            userId,
            await observeRedemption(this.sql, this.redemptionKeys(), userId, input, nowMs),
          )
        : { status: "off" };
      return this.commit((tx) => commitRedeem(tx, userId, input, { ...prepared, risk }, nowMs));
    });
  }

  getPayouts(
    before: { createdAtMs: number; payoutId: string } | null,
    limit: number,
  ): StoredPayout[] {
    return listPayouts(this.sql, before, pageRows(limit, MAX_PAYOUT_PAGE_ROWS));
  }

  getPayout(payoutId: string) {
    const payout = findPayout(this.sql, payoutId);
    return payout ? { payout, log: readPayoutLog(this.sql, payoutId) } : null;
  }

  claimDispatch(payoutId: string, nowMs: number = Date.now()): Promise<DispatchClaim> {
    return this.changing(async () => {
      const details = await openDispatchDetails(this.sql, this.keyRing(), payoutId);
      return this.commit((tx) => claimDispatch(tx, payoutId, details, nowMs));
    });
  }

  recordPayoutUnavailable(payoutId: string, attempt: number, reason: string, nowMs = Date.now()) {
    return this.changing(() =>
      this.commit((tx) => recordUnavailable(tx, payoutId, attempt, reason, nowMs)),
    );
  }

  recordPayoutRejected(payoutId: string, attempt: number, failureCode: string, nowMs = Date.now()) {
    return this.changing(() =>
      this.commit((tx) => recordRejected(tx, payoutId, attempt, failureCode, nowMs)),
    );
  }

  markPayoutStuck(payoutId: string, reason: string, nowMs: number = Date.now()) {
    return this.changing(() => this.commit((tx) => markStuck(tx, payoutId, reason, nowMs)));
  }

  applyProcessorState(
    payoutId: string,
    view: ProcessorView,
    source: { eventId: string | null; processorId: string },
    nowMs: number = Date.now(),
  ) {
    return this.changing(() =>
      this.commit((tx) => applyProcessorState(tx, payoutId, view, source, nowMs)),
    );
  }

  adminPayoutAction(
    payoutId: string,
    action: AdminPayoutAction,
    expectedAttempts: number | null = null,
    note: OperatorNote | null = null,
    nowMs: number = Date.now(),
  ) {
    return this.changing(() =>
      this.commit((tx) => adminPayoutAction(tx, payoutId, action, nowMs, expectedAttempts, note)),
    );
  }

  // ---- loyalty points and tiers (points/, tiers/; docs/loyalty.md) ---------------------------

  /**
   * Earns one lot (points/earn.ts); idempotent on (sourceType, sourceId, ruleId). The events
   * feature calls `earnPoints` from `#durable-objects/wallet/index` inside its own transaction;
   * this is the same thing as a call of its own.
   */
  earnPoints(userId: string, input: EarnPointsInput): Promise<EarnPointsResult> {
    return this.changing(() =>
      this.commit((tx) => {
        tx.bindUser(userId);
        return earnPoints(tx, input);
      }),
    );
  }

  /** The source of pending points was confirmed: its lots become active now. */
  confirmPointsSource(
    userId: string,
    sourceType: string,
    sourceId: string,
    nowMs: number = Date.now(),
  ): Promise<{ activatedLots: number }> {
    return this.changing(() =>
      this.commit((tx) => {
        tx.bindUser(userId);
        return confirmPointsSource(tx, { sourceType, sourceId, nowMs });
      }),
    );
  }

  /** Points → cashback in confirmed at `rate`, one posting under `key` (points/redeem.ts). */
  redeemPointsForCashback(
    userId: string,
    input: { key: string; points: number },
    rate: CashbackRate,
    nowMs: number = Date.now(),
  ): Promise<RedeemPointsResult> {
    return this.changing(() =>
      this.commit((tx) => {
        tx.bindUser(userId);
        return redeemPointsForCashback(tx, { ...input, nowMs }, rate);
      }),
    );
  }

  /** Points → a voucher code the caller took from the operator's pool for `key`. */
  redeemPointsForVoucher(
    userId: string,
    input: { key: string; points: number },
    voucher: { poolId: string; code: string },
    nowMs: number = Date.now(),
  ): Promise<RedeemPointsResult> {
    return this.changing(() =>
      this.commit((tx) => {
        tx.bindUser(userId);
        return redeemPointsForVoucher(tx, { ...input, nowMs }, voucher);
      }),
    );
  }

  /** A full or partial rollback of what one source earned (points/rollback.ts). */
  rollbackPoints(
    userId: string,
    input: Omit<RollbackPointsInput, "nowMs">,
    nowMs: number = Date.now(),
  ): Promise<RollbackPointsResult> {
    return this.changing(() =>
      this.commit((tx) => {
        tx.bindUser(userId);
        return rollbackPoints(tx, { ...input, nowMs });
      }),
    );
  }

  /** Undoes one rollback exactly (a chargeback resolved for the member). */
  restorePoints(
    userId: string,
    rollbackKey: string,
    nowMs: number = Date.now(),
  ): Promise<RestorePointsResult> {
    return this.changing(() =>
      this.commit((tx) => {
        tx.bindUser(userId);
        return restorePoints(tx, { rollbackKey, nowMs });
      }),
    );
  }

  /** What one purchase counts towards the tier now (after refunds); recomputes the tier. */
  recordQualifyingSpend(
    userId: string,
    input: Omit<QualifyingSpendInput, "nowMs">,
    nowMs: number = Date.now(),
  ) {
    return this.changing(() =>
      this.commit((tx) => {
        tx.bindUser(userId);
        return recordQualifyingSpend(tx, { ...input, nowMs });
      }),
    );
  }

  getPointsBalance(nowMs: number = Date.now()): PointsBalance {
    return readPointsBalance(this.sql, nowMs);
  }

  /** Lots newest first with their expiry dates; `beforeSeq` from the last page's `seq`. */
  getPointsLots(beforeSeq: number | null, limit: number): Array<LotView & { seq: number }> {
    return listLotViews(this.sql, beforeSeq, pageRows(limit));
  }

  getPointsHistory(beforeSeq: number | null, limit: number) {
    return listPointsHistory(this.sql, beforeSeq, pageRows(limit));
  }

  /** The tier with progress to the next and the date it is kept until; null before any spend. */
  getTier(nowMs: number = Date.now()): TierView | null {
    return readTier(this.sql, nowMs);
  }

  getTierHistory(limit: number): TierHistoryEntry[] {
    return listTierHistory(this.sql, pageRows(limit));
  }

  // ---- reads and audit (ledger/, conversions/, audit/) ---------------------------------------

  getBalances(): BalanceRow[] {
    return readBalances(this.sql);
  }

  listLedger(beforeSeq: number | null, limit: number): LedgerEntryView[] {
    return listEntries(this.sql, beforeSeq, pageRows(limit));
  }

  listTransactions(
    after: { convertedAtMs: number; txnId: string } | null,
    limit: number,
  ): StoredTxn[] {
    return listTxns(this.sql, pageRows(limit), after);
  }

  getTransaction(txnId: string) {
    const txn = findTxn(this.sql, txnId);
    if (!txn) return null;
    const entries = listEntriesOfTxn(this.sql, txnId, MAX_TXN_ENTRIES);
    return { txn, history: readHistory(this.sql, txnId), entries };
  }

  /**
   * Ledger audit plus conservation against transactions and payouts, and the ledger's hash
   * chain from genesis (audit/audit.ts).
   */
  audit(): InvariantReport {
    const { ok, violations } = auditWallet(this.sql);
    return { ok, violations };
  }

  /**
   * The daily audit: the same, with the chain verified from the wallet's last anchor (null:
   * genesis) and its report (the head to anchor next; ledger/chain-store.ts). `fromGenesis`:
   * the periodic full re-verification, from the first entry, the anchor checked on the way.
   */
  auditFrom(
    anchor: ChainPoint | null,
    options: { fromGenesis?: boolean } = {},
  ): InvariantReport & { chain: ChainReport } {
    return options.fromGenesis
      ? auditWallet(this.sql, null, anchor)
      : auditWallet(this.sql, anchor);
  }

  /** The ledger's entries after `afterSeq` with their hashes, and the head (an export page). */
  exportLedger(afterSeq: number, limit: number) {
    return exportChain(this.sql, afterSeq, Math.min(Math.max(1, limit), MAX_EXPORT_ENTRIES));
  }

  // ---- commit and publish --------------------------------------------------------------------

  /** Runs `work` in one storage transaction; the balances projection it owes is queued at its end. */
  private commit<T>(work: (tx: WalletTx) => T): T {
    const committed = this.ctx.storage.transactionSync(() => {
      const tx = new WalletTx(this.sql);
      const result = work(tx);
      faultPoint("wallet.commit.before_close", this.ctx.id); // test/sim: a throw here must roll it all back
      tx.close();
      return result;
    });
    this.outbox.committed();
    faultPoint("wallet.commit.after", this.ctx.id); // test/sim: committed, but the caller never hears
    return committed;
  }

  /** Runs a change, then delivers what it published (boost requests, outbox, alarm). */
  private changing<T>(work: () => T | Promise<T>): Promise<T> {
    return this.changingAsOf(undefined, work);
  }

  /** `changing`, its after-write syncs working what is due as of `asOfMs` (`runDue`). */
  private async changingAsOf<T>(
    asOfMs: number | undefined,
    work: () => T | Promise<T>,
  ): Promise<T> {
    const result = await work();
    await this.afterWrite(asOfMs);
    return result;
  }

  /**
   * After commit: asks campaign budgets for the boosts just owed (their answers settle again
   * and add to the outbox), delivers the outbox, and arms the alarm for whatever is due next,
   * including any boost request that failed. `asOfMs` (from `runDue`): the syncs work what is
   * due by then, when later than the clock, so a postponed retry can be brought forward.
   */
  private async afterWrite(asOfMs?: number): Promise<void> {
    // test/sim: the write is committed; the publish (syncs, outbox, alarm) dies here, and the
    // caller's retry (a duplicate write) or the alarm must still deliver it, once.
    faultPoint("wallet.after_write", this.ctx.id);
    // Most writes (a credited postback) owe none of the syncs: one read decides, and the
    // steps below, each of which would find nothing of its kind due, are skipped.
    if (anyDue(this.sql, AFTER_WRITE_KINDS, dueAsOf(this.clock(), asOfMs)))
      await this.afterWriteSyncs(asOfMs);
    try {
      await this.outbox.flush();
    } finally {
      await this.armAlarm();
    }
  }

  /**
   * The after-commit steps that work the schedule: the inbox, boost requests, grants, referral
   * rewards, redemptions held for scoring. Each does nothing unless a row of its kind is due
   * (`AFTER_WRITE_KINDS`), so `afterWrite` runs them only when one is.
   */
  private async afterWriteSyncs(asOfMs: number | undefined): Promise<void> {
    try {
      await this.processEvents();
    } catch (error) {
      // A bug must not spin the alarm: the inbox is looked at again in a while.
      this.log.error("wallet.events_failed", errorFields(error));
      this.commit((tx) => postponeEvents(tx, this.clock() + EVENT_RETRY_MS));
    }
    try {
      await this.boosts.sync(asOfMs);
    } catch (error) {
      this.log.error("wallet.boost_sync_failed", errorFields(error));
    }
    try {
      await this.grants.sync(asOfMs);
      // A settled grant may have freed refunds that waited for it.
      await this.processEvents();
    } catch (error) {
      this.log.error("wallet.grant_sync_failed", errorFields(error));
    }
    try {
      await this.referralRewards.sync(asOfMs);
    } catch (error) {
      this.log.error("wallet.referral_reward_sync_failed", errorFields(error));
    }
    try {
      if (isDue(this.sql, "risk_retry", this.clock())) await this.retryRisk();
    } catch (error) {
      this.log.error("wallet.risk_retry_failed", errorFields(error));
    }
  }

  /**
   * Processes the inbox while events are due, a bounded number of runs per wake. The live rule
   * set is read once, before the first run (an await, so outside any transaction), and every
   * run of this wake evaluates that one version.
   */
  private async processEvents(): Promise<EventRun | null> {
    if (!eventsDue(this.sql, this.clock())) return null;
    const program = await this.liveProgram();
    const terms = await this.programTerms();
    // Referral attribution's reads (codes, token, clicks), only while a signup can attribute.
    let evidence = await this.attributionEvidence();
    // A referral about to qualify: its referrer's ban and the waiting events' payment
    // instruments, checked again (referrals/qualification-risk.ts).
    await refreshQualificationRisk({
      sql: this.sql,
      env: this.env,
      clock: this.clock,
      waitUntil: (p) => this.ctx.waitUntil(p),
      commit: (work) => this.commit(work),
    });
    // Scoring's answers to the referral qualifications this wake reaches, asked through the
    // breaker between runs (referrals/qualification-scoring.ts).
    const answers = new Map<string, RiskCheck>();
    // Switched off by the operator (docs/fraud.md "Turning scoring off"): not asked, not held.
    const scoring = scoringEnabled(this.env);
    const scores = (observation: Observation): RiskCheck | ScoringOff | null =>
      scoring ? (answers.get(observation.observationId) ?? null) : { status: "off" };
    let last: EventRun | null = null;
    for (let run = 0; run < MAX_EVENT_RUNS_PER_WAKE; run++) {
      const nowMs = this.clock();
      if (!eventsDue(this.sql, nowMs)) break;
      try {
        last = this.commit((tx) => processDueEvents(tx, nowMs, program, terms, evidence, scores));
      } catch (error) {
        if (error instanceof QualificationScoreMissing) {
          // A referral qualifies: scored before it is rewarded (the aborted run wrote nothing).
          const userId = boundUserId(this.sql);
          // Its sharing facts are read first, as a redemption's (a D1 failure: unavailable).
          answers.set(
            error.observation.observationId,
            await this.assessWithSharing(userId, error.observation),
          );
          continue;
        }
        // An earlier signup arrived while the evidence was read: read it for that one (the
        // aborted run wrote nothing) and run again.
        if (!(error instanceof AttributionEvidenceMissing)) throw error;
        evidence = await this.attributionEvidence();
        continue;
      }
      if (!last.more) break;
    }
    return last;
  }

  /**
   * Fraud signals' intake: the hashing key, and the operator's risk lists when a signup carries
   * an e-mail or an IP address to check against them (read through the config cache).
   */
  private async riskIntake(incoming: IncomingEvent[]): Promise<RiskIntake | null> {
    const key = this.env.SUBID_SIGNING_KEY;
    if (!key) return null;
    const checks = incoming.some(
      ({ event }) =>
        event.type === "user.signed_up" &&
        (typeof event.data.email === "string" || typeof event.data.ipAddress === "string"),
    );
    const lists = checks
      ? await loadRiskLists(this.env, (p) => this.ctx.waitUntil(p))
      : EMPTY_RISK_LISTS;
    return { key, lists, linkKey: linkKeyOf(this.env) };
  }

  /** The user's risk object: the one writer of their risk (durable-objects/risk/). */
  private riskOf(userId: string) {
    return this.env.RISK.get(this.env.RISK.idFromName(userId));
  }

  /**
   * A redemption or a referral's qualification scored through the breaker, its sharing facts
   * read from D1 first (one bounded read, inside the breaker: a D1 failure holds it
   * `risk_unavailable` like scoring's own).
   */
  private assessWithSharing(userId: string, observation: Observation) {
    return assessThroughBreaker(this.riskOf(userId), observation, this.clock, (o) =>
      observedWithSharing(this.env.DB, o),
    );
  }

  /** What a redemption's observation is hashed with: the destinations' ring, the links' key. */
  private redemptionKeys() {
    return { ring: this.keyRing(), linkKey: linkKeyOf(this.env) };
  }

  private retryRisk(): Promise<RiskRetryRun> {
    const userId = boundUserId(this.sql);
    return retryUnavailableRedemptions({
      sql: this.sql,
      log: this.log,
      clock: this.clock,
      userId: () => userId,
      observe: (payout) => observeHeldRedemption(this.sql, this.redemptionKeys(), userId, payout),
      assess: (observation) => this.assessWithSharing(userId, observation),
      commit: (work) => this.commit(work),
      earnTerms: async () => (await this.programTerms()).earn,
    });
  }

  private attributionEvidence(): Promise<AttributionEvidence | null> {
    return readAttributionEvidence(this.sql, this.env, this.clock(), (p) => this.ctx.waitUntil(p));
  }

  private async liveProgram(): Promise<LiveProgram | null> {
    const live = await loadLiveRuleSet(this.env, (p) => this.ctx.waitUntil(p));
    if (!live) return null;
    return {
      version: live.version,
      timeZone: live.ruleSet.timeZone,
      compiled: COMPILED_RULE_SETS.get(live.ruleSet),
    };
  }

  /**
   * The loyalty program's settings as the operator saved them (memory → KV → D1, like the
   * rules): how earned points are held and what counts towards the tier.
   */
  private async programTerms(): Promise<ProgramTerms> {
    const { settings } = await loadProgramSettings(this.env, (p) => this.ctx.waitUntil(p));
    return {
      earn: {
        validity: validityOf(settings),
        pendingDays: settings.points.pendingDays,
        timeZone: settings.timeZone,
      },
      tierPolicy: tierPolicyOf(settings),
    };
  }

  private async armAlarm(): Promise<void> {
    const atMs = nextAlarmAtMs({ ...alarmInputs(this.sql), nowMs: this.clock() });
    if (atMs === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(atMs);
  }

  private keyRing() {
    return parseKeyRing(this.env.PAYOUT_DETAILS_KEYS);
  }
}
