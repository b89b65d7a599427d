import { toBase64Url, toHex, utf8 } from "#shared/crypto/encoding";
import { constantTimeEqual, sha256 } from "#shared/crypto/hmac";
import { type KeyRing, mask, needsResealing, open, seal } from "#shared/crypto/sealed";
import type { LedgerEventMessage, UserNoticeMessage } from "#shared/messages";
import {
  checkRedemption,
  newDeviceHold,
  type PayoutPolicy,
  type RedemptionRefusal,
} from "#shared/payouts/policy";
import type { ProcessorPayout } from "#shared/payouts/processor";
import {
  type DestinationDetails,
  type GiftCardProduct,
  isDestinationFailure,
  PAYOUT_ID_PATTERN,
  type PayoutDispatchMessage,
} from "#shared/payouts/types";
import { type Leg, type Posting, type PostingResult, readBalance } from "./ledger";
import {
  countLiveDestinations,
  countOpenChallenges,
  deviceFirstSeen,
  findChallenge,
  findDestination,
  findPayout,
  insertChallenge,
  insertPayout,
  listDestinations,
  listPayouts,
  logPayout,
  payoutRequestHash,
  readPayoutLog,
  recordDevice,
  redeemedMinor,
  rememberProcessorEvent,
  type StoredDestination,
  saveDestination,
  sealedDestinationOf,
  setDestinationStatus,
  updatePayout,
} from "./payout-store";
import {
  decideDispatch,
  decideProcessorState,
  decideReserve,
  finishLegs,
  type StoredPayout,
} from "./payouts";

/**
 * Redemptions inside one user's wallet object: destinations (sealed at rest), step-up codes,
 * devices, and every payout's state from request to paid or credited back. The wallet is the
 * single writer of both the payout and its money, so each step commits them together.
 *
 * Crypto (sealing, hashing) is asynchronous and runs before `transactionSync`; everything the
 * async part read is checked again inside the transaction.
 */

const MAX_DESTINATIONS = 10;
const PAGE_MAX = 101;

/** What the DO gives this module: its storage and the few ledger and outbox operations. */
export interface WalletPorts {
  sql: SqlStorage;
  transaction<T>(fn: () => T): T;
  post(posting: Posting, nowMs: number): PostingResult;
  bindUser(userId: string): void;
  userId(): string;
  publishBalances(nowMs: number): void;
  enqueue(message: LedgerEventMessage | PayoutDispatchMessage | UserNoticeMessage): void;
  keyRing(): KeyRing | null;
}

export type NewDestination =
  | { type: "bank"; accountNumber: string; ifsc: string; holderName: string; label: string | null }
  | { type: "upi"; vpa: string; holderName: string | null; label: string | null };

/** What users and operators see of a destination: never the details themselves. */
export interface DestinationView {
  destinationId: string;
  type: "bank" | "upi";
  label: string | null;
  masked: string;
  status: StoredDestination["status"];
  usableFromMs: number;
  createdAtMs: number;
  updatedAtMs: number;
}

export type DestinationResult =
  | { status: "created" | "updated" | "exists" | "removed"; destination: DestinationView }
  | { status: "not_found" | "too_many" | "no_keys" | "idempotency_conflict" };

export interface RedeemInput {
  payoutId: string;
  /** Digest of the request body: the same Idempotency-Key with another body is refused. */
  requestHash: string;
  amountMinor: number;
  currency: string;
  target:
    | { type: "saved"; destinationId: string }
    | { type: "gift_card"; product: GiftCardProduct };
  stepUp: { challengeId: string; code: string } | null;
  deviceId: string | null;
  kycStatus: "none" | "pending" | "verified" | "rejected";
  policy: PayoutPolicy;
}

export type RedeemRefusalCode =
  | RedemptionRefusal["code"]
  | "destination_not_found"
  | "gift_card_unavailable"
  | "insufficient_funds"
  | "debt_outstanding"
  | "step_up_required"
  | "step_up_failed";

export type RedeemResult =
  | { status: "created" | "exists"; payout: StoredPayout }
  | { status: "idempotency_conflict" }
  | { status: "invalid"; detail: string }
  | { status: "refused"; code: RedeemRefusalCode; detail: string };

export type DispatchClaim =
  | { action: "skip"; payout: StoredPayout | null }
  | {
      action: "submit" | "lookup_first";
      payout: StoredPayout;
      destination: DestinationDetails;
      userId: string;
    }
  /** The sealed details could not be opened (a key removed too early): an operator must act. */
  | { action: "unreadable"; payout: StoredPayout };

/** What the processor says of a payout; amount and currency when the source carries them. */
export interface ProcessorView {
  status: ProcessorPayout["status"];
  processorRef: string;
  failureCode: string | null;
  amountMinor: number | null;
  currency: string | null;
}

export type AdminPayoutAction = "approve" | "cancel" | "retry";
export type AdminPayoutResult =
  | { status: "done"; payout: StoredPayout }
  | { status: "not_found" }
  | { status: "not_allowed"; payout: StoredPayout; detail: string };

export class Redemptions {
  constructor(private readonly w: WalletPorts) {}

  // ---- destinations ------------------------------------------------------------------------

  addDestination(
    userId: string,
    destinationId: string,
    input: NewDestination,
    policy: PayoutPolicy,
    nowMs: number,
  ): Promise<DestinationResult> {
    return this.saveDetails("add", userId, destinationId, input, policy, nowMs);
  }

  /** New details start a new cooling-off period: a changed account is as untrusted as a new one. */
  updateDestination(
    userId: string,
    destinationId: string,
    input: NewDestination,
    policy: PayoutPolicy,
    nowMs: number,
  ): Promise<DestinationResult> {
    return this.saveDetails("update", userId, destinationId, input, policy, nowMs);
  }

  private async saveDetails(
    mode: "add" | "update",
    userId: string,
    destinationId: string,
    input: NewDestination,
    policy: PayoutPolicy,
    nowMs: number,
  ): Promise<DestinationResult> {
    const ring = this.w.keyRing();
    if (!ring) return { status: "no_keys" };
    const sealed = await seal(
      ring,
      JSON.stringify(detailsOf(input)),
      sealContext(userId, destinationId),
    );
    // A repeated add (same Idempotency-Key) must carry the same details: compared in the
    // clear, in memory, so nothing derived from an account number is ever stored.
    const earlier = mode === "add" ? findDestination(this.w.sql, destinationId) : null;
    const sameAsEarlier = earlier ? await this.sameDetails(ring, userId, earlier, input) : true;
    return this.w.transaction((): DestinationResult => {
      this.w.bindUser(userId);
      const existing = findDestination(this.w.sql, destinationId);
      if (mode === "add" && existing) {
        return sameAsEarlier
          ? { status: "exists", destination: viewOf(existing) }
          : { status: "idempotency_conflict" };
      }
      if (mode === "update" && (!existing || existing.status === "removed")) {
        return { status: "not_found" };
      }
      if (mode === "add" && countLiveDestinations(this.w.sql) >= MAX_DESTINATIONS) {
        return { status: "too_many" };
      }
      const destination: StoredDestination = {
        destinationId,
        type: input.type,
        label: input.label,
        sealedDetails: sealed,
        masked: maskedOf(input),
        status: "active",
        usableFromMs: nowMs + policy.coolingOffHours * 3_600_000,
        createdAtMs: existing?.createdAtMs ?? nowMs,
        updatedAtMs: nowMs,
      };
      saveDestination(this.w.sql, destination);
      return { status: mode === "add" ? "created" : "updated", destination: viewOf(destination) };
    });
  }

  private async sameDetails(
    ring: KeyRing,
    userId: string,
    stored: StoredDestination,
    input: NewDestination,
  ): Promise<boolean> {
    const opened = await open(
      ring,
      stored.sealedDetails,
      sealContext(userId, stored.destinationId),
    );
    return (
      opened.ok &&
      opened.plaintext === JSON.stringify(detailsOf(input)) &&
      stored.label === input.label
    );
  }

  removeDestination(destinationId: string, nowMs: number): DestinationResult {
    return this.w.transaction(() => {
      const existing = findDestination(this.w.sql, destinationId);
      if (!existing || existing.status === "removed") return { status: "not_found" } as const;
      setDestinationStatus(this.w.sql, destinationId, "removed", nowMs);
      return {
        status: "removed",
        destination: viewOf({ ...existing, status: "removed", updatedAtMs: nowMs }),
      } as const;
    });
  }

  /**
   * Key rotation: re-seals every destination (and every unfinished payout's snapshot) that is
   * not under the newest key, so an old key can be retired. Run by the daily wallet audit.
   * A value that changed meanwhile is left for the next run.
   */
  async resealDestinations(nowMs: number): Promise<{ resealed: number; unreadable: number }> {
    const ring = this.w.keyRing();
    if (!ring) return { resealed: 0, unreadable: 0 };
    const stale = [
      ...this.w.sql
        .exec<{ id: string; sealed: string; ref: string }>(
          `SELECT destination_id AS id, sealed_details AS sealed, destination_id AS ref
           FROM destinations WHERE status != 'removed'`,
        )
        .toArray()
        .map((r) => ({ ...r, table: "destinations" as const })),
      ...this.w.sql
        .exec<{ id: string; sealed: string; ref: string }>(
          `SELECT payout_id AS id, sealed_destination AS sealed, destination_id AS ref
           FROM payouts WHERE sealed_destination IS NOT NULL
             AND status NOT IN ('paid', 'failed', 'cancelled')`,
        )
        .toArray()
        .map((r) => ({ ...r, table: "payouts" as const })),
    ].filter((r) => needsResealing(ring, r.sealed));
    if (stale.length === 0) return { resealed: 0, unreadable: 0 };
    const userId = this.w.userId();
    let resealed = 0;
    let unreadable = 0;
    for (const row of stale) {
      const context = sealContext(userId, row.ref);
      const opened = await open(ring, row.sealed, context);
      if (!opened.ok) {
        unreadable++;
        continue;
      }
      const fresh = await seal(ring, opened.plaintext, context);
      const changed = this.w.transaction(() =>
        row.table === "destinations"
          ? this.w.sql.exec(
              `UPDATE destinations SET sealed_details = ?, updated_at_ms = ?
               WHERE destination_id = ? AND sealed_details = ?`,
              fresh,
              nowMs,
              row.id,
              row.sealed,
            ).rowsWritten
          : this.w.sql.exec(
              `UPDATE payouts SET sealed_destination = ? WHERE payout_id = ? AND sealed_destination = ?`,
              fresh,
              row.id,
              row.sealed,
            ).rowsWritten,
      );
      if (changed > 0) resealed++;
    }
    return { resealed, unreadable };
  }

  destinations(): DestinationView[] {
    return listDestinations(this.w.sql).map(viewOf);
  }

  // ---- step-up and devices -----------------------------------------------------------------

  /**
   * A one-time code for the next redemption. Only its salted hash is stored; the caller
   * sends the code through the notifier and never logs it.
   */
  async issueStepUp(
    userId: string,
    deviceId: string | null,
    policy: PayoutPolicy,
    nowMs: number,
  ): Promise<
    | { status: "created"; challengeId: string; code: string; expiresAtMs: number }
    | { status: "too_many" }
  > {
    const code = sixDigitCode();
    const salt = toBase64Url(crypto.getRandomValues(new Uint8Array(16)));
    const codeHash = await hashCode(salt, code);
    const deviceHash = deviceId ? await hashDevice(deviceId) : null;
    const challengeId = `stp_${toBase64Url(crypto.getRandomValues(new Uint8Array(15)))}`;
    const expiresAtMs = nowMs + policy.stepUpTtlSec * 1_000;
    return this.w.transaction(() => {
      this.w.bindUser(userId);
      if (countOpenChallenges(this.w.sql, nowMs) >= policy.stepUpMaxOpenPerHour) {
        return { status: "too_many" } as const;
      }
      if (deviceHash) recordDevice(this.w.sql, deviceHash, nowMs);
      insertChallenge(
        this.w.sql,
        {
          challengeId,
          purpose: "redemption",
          salt,
          codeHash,
          expiresAtMs,
          attempts: 0,
          consumedBy: null,
        },
        nowMs,
      );
      return { status: "created", challengeId, code, expiresAtMs } as const;
    });
  }

  /**
   * A code that could not be sent is withdrawn: it cannot be used, and it does not count
   * against the user's hourly allowance (nobody could have seen it).
   */
  revokeStepUp(challengeId: string): void {
    this.w.transaction(() => {
      this.w.sql.exec(
        `UPDATE step_up_challenges SET consumed_by = 'unsent'
         WHERE challenge_id = ? AND consumed_by IS NULL`,
        challengeId,
      );
    });
  }

  /** A login the operator reports: a new device here holds redemptions for a while. */
  async recordLogin(userId: string, deviceId: string, atMs: number): Promise<void> {
    const deviceHash = await hashDevice(deviceId);
    this.w.transaction(() => {
      this.w.bindUser(userId);
      recordDevice(this.w.sql, deviceHash, atMs);
    });
  }

  // ---- redeem ------------------------------------------------------------------------------

  /**
   * Checks, step-up, reservation, payout row and dispatch request: all or nothing. Concurrent
   * calls are serialised by the object, so together they never reserve more than is confirmed.
   */
  async redeem(userId: string, input: RedeemInput, nowMs: number): Promise<RedeemResult> {
    if (
      !PAYOUT_ID_PATTERN.test(input.payoutId) ||
      !/^[A-Z]{3}$/.test(input.currency) ||
      !Number.isSafeInteger(input.amountMinor) ||
      input.amountMinor <= 0
    ) {
      return { status: "invalid", detail: "malformed payout id, currency or amount" };
    }
    const earlier = this.replay(input);
    if (earlier) return earlier;

    // Everything that can refuse without touching the code is checked first, so a refusal
    // never costs the user their code. The same checks run again inside the transaction.
    const precheck = this.w.transaction(() => this.check(input, nowMs));
    if ("refusal" in precheck) return precheck.refusal;
    if (!input.stepUp) {
      return {
        status: "refused",
        code: "step_up_required",
        detail: "request a code with POST /v1/me/step-up and send it as stepUp",
      };
    }
    const challenge = findChallenge(this.w.sql, input.stepUp.challengeId);
    const presented = challenge ? await hashCode(challenge.salt, input.stepUp.code) : null;
    const deviceHash = input.deviceId ? await hashDevice(input.deviceId) : null;

    return this.w.transaction((): RedeemResult => {
      this.w.bindUser(userId);
      const again = this.replay(input);
      if (again) return again;
      const checked = this.check(input, nowMs);
      if ("refusal" in checked) return checked.refusal;
      const stepUp = this.consumeStepUp(input, presented, nowMs);
      if (stepUp) return stepUp;

      if (deviceHash) recordDevice(this.w.sql, deviceHash, nowMs);
      const held = newDeviceHold(input.policy, deviceFirstSeen(this.w.sql), nowMs);
      const payout: StoredPayout = {
        payoutId: input.payoutId,
        currency: input.currency,
        amountMinor: input.amountMinor,
        status: held ? "held" : "queued",
        destinationId: checked.destinationId,
        destinationType: checked.type,
        destinationMasked: checked.masked,
        holdReason: held ? "new_device" : null,
        failureCode: null,
        attention: null,
        attempts: 0,
        processorId: null,
        processorRef: null,
        lastError: null,
        createdAtMs: nowMs,
        updatedAtMs: nowMs,
        paidAtMs: null,
        version: 1,
      };
      this.w.post(
        {
          key: `payout:${payout.payoutId}:reserve`,
          kind: "payout_reserved",
          txnId: null,
          legs: checked.legs,
        },
        nowMs,
      );
      insertPayout(this.w.sql, {
        ...payout,
        requestHash: input.requestHash,
        sealedDestination: checked.sealed,
      });
      logPayout(this.w.sql, payout.payoutId, held ? "held" : "queued", payout.holdReason, nowMs);
      this.w.publishBalances(nowMs);
      const created = this.publish(payout.payoutId) as StoredPayout;
      if (held) {
        this.notify(payout, "payout_held", { reason: "new_device" });
      } else {
        this.w.enqueue({ kind: "payout_dispatch", payoutId: payout.payoutId, userId });
      }
      return { status: "created", payout: created };
    });
  }

  private replay(input: RedeemInput): RedeemResult | null {
    const existing = findPayout(this.w.sql, input.payoutId);
    if (!existing) return null;
    return payoutRequestHash(this.w.sql, input.payoutId) === input.requestHash
      ? { status: "exists", payout: existing }
      : { status: "idempotency_conflict" };
  }

  /** Synchronous checks against current state: destination, policy, funds. */
  private check(
    input: RedeemInput,
    nowMs: number,
  ):
    | { refusal: RedeemResult }
    | {
        type: "bank" | "upi" | "gift_card";
        destinationId: string;
        masked: string;
        sealed: string | null;
        legs: Leg[];
      } {
    const refuse = (code: RedeemRefusalCode, detail: string) =>
      ({ refusal: { status: "refused", code, detail } }) as const;
    let target: {
      type: "bank" | "upi" | "gift_card";
      destinationId: string;
      masked: string;
      sealed: string | null;
    };
    let usableFromMs = 0;
    let destinationStatus: StoredDestination["status"] = "active";
    if (input.target.type === "saved") {
      const d = findDestination(this.w.sql, input.target.destinationId);
      if (!d) return refuse("destination_not_found", "no such payout destination");
      target = {
        type: d.type,
        destinationId: d.destinationId,
        masked: d.masked,
        sealed: d.sealedDetails,
      };
      usableFromMs = d.usableFromMs;
      destinationStatus = d.status;
    } else {
      const p = input.target.product;
      if (!p.active)
        return refuse("gift_card_unavailable", `${p.brand} gift cards are not offered now`);
      if (p.currency !== input.currency || !p.denominationsMinor.includes(input.amountMinor)) {
        return refuse(
          "gift_card_unavailable",
          `${p.brand} gift cards come in ${p.denominationsMinor.join(", ")} minor units of ${p.currency}`,
        );
      }
      target = {
        type: "gift_card",
        destinationId: p.id,
        masked: `${p.brand} ${input.amountMinor}`,
        sealed: null,
      };
    }
    const refusal = checkRedemption(input.policy, {
      type: target.type,
      currency: input.currency,
      amountMinor: input.amountMinor,
      destinationUsableFromMs: usableFromMs,
      destinationStatus,
      kycStatus: input.kycStatus,
      redeemedBeforeMinor: redeemedMinor(this.w.sql, input.currency),
      nowMs,
    });
    if (refusal) return refuse(refusal.code, refusal.detail);
    const decision = decideReserve({
      currency: input.currency,
      amountMinor: input.amountMinor,
      confirmedMinor: readBalance(this.w.sql, "confirmed", input.currency),
      debtMinor: readBalance(this.w.sql, "debt", input.currency),
    });
    if (decision.status !== "reserve") {
      return refuse(
        decision.status,
        decision.status === "insufficient_funds"
          ? "the amount is more than your confirmed cashback"
          : "money owed from a returned order is repaid from cashback first",
      );
    }
    return { ...target, legs: decision.legs };
  }

  /** Consumes the challenge, or counts a wrong attempt (which commits: attempts are limited). */
  private consumeStepUp(
    input: RedeemInput,
    presented: string | null,
    nowMs: number,
  ): RedeemResult | null {
    const stepUp = input.stepUp;
    const challenge = stepUp ? findChallenge(this.w.sql, stepUp.challengeId) : null;
    const fail = (detail: string): RedeemResult => ({
      status: "refused",
      code: "step_up_failed",
      detail,
    });
    if (!stepUp || !challenge || presented === null) return fail("unknown step-up challenge");
    if (challenge.consumedBy !== null) return fail("that code was already used; request a new one");
    if (challenge.expiresAtMs <= nowMs) return fail("that code expired; request a new one");
    if (challenge.attempts >= input.policy.stepUpMaxAttempts) {
      return fail("too many wrong codes; request a new one");
    }
    if (!constantTimeEqual(utf8.encode(presented), utf8.encode(challenge.codeHash))) {
      this.w.sql.exec(
        `UPDATE step_up_challenges SET attempts = attempts + 1 WHERE challenge_id = ?`,
        challenge.challengeId,
      );
      return fail("wrong code");
    }
    this.w.sql.exec(
      `UPDATE step_up_challenges SET consumed_by = ? WHERE challenge_id = ?`,
      input.payoutId,
      challenge.challengeId,
    );
    return null;
  }

  // ---- dispatch ----------------------------------------------------------------------------

  /**
   * The dispatch consumer's claim on a payout: counts the attempt and, unless there is nothing
   * to do, hands back the destination's details (opened here, in memory only).
   */
  async claimDispatch(payoutId: string, nowMs: number): Promise<DispatchClaim> {
    const peek = findPayout(this.w.sql, payoutId);
    const sealed = peek ? sealedDestinationOf(this.w.sql, payoutId) : null;
    const ring = this.w.keyRing();
    let details: DestinationDetails | null = null;
    if (peek?.destinationType === "gift_card") {
      details = {
        type: "gift_card",
        productId: peek.destinationId ?? "",
        // The masked form is "<brand> <amount>"; brands may contain spaces.
        brand: (peek.destinationMasked ?? "").replace(/ \d+$/, ""),
      };
    } else if (peek && sealed && ring) {
      const opened = await open(
        ring,
        sealed,
        sealContext(this.w.userId(), peek.destinationId ?? ""),
      );
      if (opened.ok) details = JSON.parse(opened.plaintext) as DestinationDetails;
    }
    return this.w.transaction((): DispatchClaim => {
      const payout = findPayout(this.w.sql, payoutId);
      const action = decideDispatch(payout);
      if (action === "skip" || !payout) return { action: "skip", payout };
      if (!details) {
        const stuck = this.park(payoutId, "stuck", "destination details unreadable", nowMs);
        return { action: "unreadable", payout: stuck as StoredPayout };
      }
      updatePayout(
        this.w.sql,
        payoutId,
        { status: "submitting", attempts: payout.attempts + 1 },
        nowMs,
      );
      logPayout(this.w.sql, payoutId, "attempt", String(payout.attempts + 1), nowMs);
      return {
        action,
        payout: this.publish(payoutId) as StoredPayout,
        destination: details,
        userId: this.w.userId(),
      };
    });
  }

  /** The processor could not be reached or answered with a transient error: the queue retries. */
  recordUnavailable(
    payoutId: string,
    attempt: number,
    reason: string,
    nowMs: number,
  ): StoredPayout | null {
    return this.asClaimingAttempt(payoutId, attempt, () =>
      this.park(payoutId, "retrying", reason, nowMs),
    );
  }

  /** Retries exhausted (dead-letter queue): nothing moves; an operator retries or cancels. */
  markStuck(payoutId: string, reason: string, nowMs: number): StoredPayout | null {
    return this.w.transaction(() => {
      const payout = findPayout(this.w.sql, payoutId);
      if (!payout || !["queued", "submitting", "retrying"].includes(payout.status)) return payout;
      return this.park(payoutId, "stuck", reason, nowMs);
    });
  }

  /** Refused for good at submission: credited back, and the destination flagged if it is at fault. */
  recordRejected(
    payoutId: string,
    attempt: number,
    failureCode: string,
    nowMs: number,
  ): StoredPayout | null {
    // A refusal racing an attempt the processor accepted must not credit back money it will pay.
    return this.asClaimingAttempt(payoutId, attempt, (payout) =>
      this.finish(payout, "failed", failureCode, nowMs),
    );
  }

  /**
   * The processor's view of a payout, from a webhook, a lookup or a create. Idempotent per
   * event id, and monotonic (decideProcessorState): replays and reordering change nothing.
   */
  applyProcessorState(
    payoutId: string,
    view: ProcessorView,
    source: { eventId: string | null; processorId: string },
    nowMs: number,
  ): {
    outcome: "applied" | "ignored" | "replay" | "conflict" | "not_found";
    payout: StoredPayout | null;
  } {
    return this.w.transaction(() => {
      const payout = findPayout(this.w.sql, payoutId);
      if (!payout) return { outcome: "not_found", payout: null } as const;
      if (source.eventId && !rememberProcessorEvent(this.w.sql, source.eventId, payoutId, nowMs)) {
        return { outcome: "replay", payout } as const;
      }
      const differs =
        (view.amountMinor !== null && view.amountMinor !== payout.amountMinor) ||
        (view.currency !== null && view.currency !== payout.currency);
      if (differs) {
        // Never settle a different amount than was reserved; reconciliation shows it too.
        return this.flag(payout, `processor reports ${view.amountMinor} ${view.currency}`, nowMs);
      }
      const decision = decideProcessorState(payout, view.status);
      switch (decision.action) {
        case "ignore":
          return { outcome: "ignored", payout } as const;
        case "conflict":
          return this.flag(payout, decision.detail, nowMs);
        case "advance":
          updatePayout(
            this.w.sql,
            payoutId,
            {
              status: decision.next,
              processorId: source.processorId,
              processorRef: view.processorRef,
            },
            nowMs,
          );
          logPayout(this.w.sql, payoutId, decision.next, source.eventId, nowMs);
          return { outcome: "applied", payout: this.publish(payoutId) } as const;
        case "finish":
          updatePayout(
            this.w.sql,
            payoutId,
            { processorId: source.processorId, processorRef: view.processorRef },
            nowMs,
          );
          return {
            outcome: "applied",
            payout: this.finish(
              payout,
              decision.outcome,
              decision.outcome === "failed" ? (view.failureCode ?? "processor_failed") : null,
              nowMs,
            ),
          } as const;
      }
    });
  }

  // ---- operator actions --------------------------------------------------------------------

  /**
   * approve: held → queued. retry: stuck → queued (the next attempt asks the processor first).
   * cancel: credits a payout back; only while no attempt is in flight, and the caller has
   * already made sure the processor does not have it (an attempt may have gone through).
   */
  adminAction(
    payoutId: string,
    action: AdminPayoutAction,
    nowMs: number,
    /** For cancel: the attempts the caller saw when it asked the processor. */
    expectedAttempts: number | null = null,
  ): AdminPayoutResult {
    return this.w.transaction((): AdminPayoutResult => {
      const payout = findPayout(this.w.sql, payoutId);
      if (!payout) return { status: "not_found" };
      const allowed: Record<AdminPayoutAction, string[]> = {
        approve: ["held"],
        // A queued or retrying payout whose message stalled may be sent again: the wallet's
        // claim is atomic and the next attempt asks the processor first.
        // `submitting` too: an attempt that died mid-way leaves it there, and the next attempt
        // asks the processor before creating anything.
        retry: ["stuck", "queued", "retrying", "submitting"],
        cancel: ["held", "queued", "retrying", "stuck"],
      };
      if (!allowed[action].includes(payout.status)) {
        return {
          status: "not_allowed",
          payout,
          detail: `cannot ${action} a payout that is ${payout.status}`,
        };
      }
      if (action === "cancel" && expectedAttempts !== payout.attempts) {
        // An attempt started after the processor was asked: what it found is out of date.
        return {
          status: "not_allowed",
          payout,
          detail: "an attempt to pay it started meanwhile; look again",
        };
      }
      if (action === "cancel") {
        return { status: "done", payout: this.finish(payout, "cancelled", null, nowMs) };
      }
      updatePayout(this.w.sql, payoutId, { status: "queued", holdReason: null }, nowMs);
      logPayout(this.w.sql, payoutId, action === "approve" ? "approved" : "requeued", null, nowMs);
      const queued = this.publish(payoutId) as StoredPayout;
      this.w.enqueue({ kind: "payout_dispatch", payoutId, userId: this.w.userId() });
      return { status: "done", payout: queued };
    });
  }

  // ---- reads -------------------------------------------------------------------------------

  payouts(before: { createdAtMs: number; payoutId: string } | null, limit: number): StoredPayout[] {
    return listPayouts(this.w.sql, before, Math.min(Math.max(limit, 1), PAGE_MAX));
  }

  payout(payoutId: string): { payout: StoredPayout; log: ReturnType<typeof readPayoutLog> } | null {
    const payout = findPayout(this.w.sql, payoutId);
    return payout ? { payout, log: readPayoutLog(this.w.sql, payoutId) } : null;
  }

  // ---- internals ---------------------------------------------------------------------------

  /**
   * Ends a payout: paid out, or credited back (repaying debt first). One posting per outcome.
   * Returns the payout as it now is.
   */
  private finish(
    payout: StoredPayout,
    outcome: "paid" | "failed" | "cancelled",
    failureCode: string | null,
    nowMs: number,
  ): StoredPayout {
    const debtMinor = readBalance(this.w.sql, "debt", payout.currency);
    this.w.post(
      {
        key: `payout:${payout.payoutId}:${outcome === "paid" ? "paid" : "credit_back"}`,
        kind: outcome === "paid" ? "payout_paid" : "payout_credited_back",
        txnId: null,
        legs: finishLegs(payout, outcome, debtMinor),
      },
      nowMs,
    );
    updatePayout(
      this.w.sql,
      payout.payoutId,
      {
        status: outcome,
        failureCode,
        paidAtMs: outcome === "paid" ? nowMs : null,
      },
      nowMs,
    );
    logPayout(this.w.sql, payout.payoutId, outcome, failureCode, nowMs);
    const destinationAtFault =
      outcome === "failed" &&
      payout.destinationType !== "gift_card" &&
      isDestinationFailure(failureCode);
    // Only the details this payout used: not a removed destination, not newer details.
    const destination =
      destinationAtFault && payout.destinationId
        ? findDestination(this.w.sql, payout.destinationId)
        : null;
    if (
      destination?.status === "active" &&
      destination.sealedDetails === sealedDestinationOf(this.w.sql, payout.payoutId)
    ) {
      setDestinationStatus(this.w.sql, destination.destinationId, "needs_attention", nowMs);
    }
    this.w.publishBalances(nowMs);
    const finished = this.publish(payout.payoutId) as StoredPayout;
    if (outcome === "paid") this.notify(payout, "payout_paid", {});
    if (outcome === "failed") {
      this.notify(payout, "payout_failed", {
        failureCode,
        creditedBack: true,
        fixDestination: destinationAtFault,
      });
    }
    return finished;
  }

  /**
   * Runs `step` only for the attempt that holds the claim: the payout is still submitting
   * under that attempt. Otherwise a later attempt (or an operator) has taken over, and the
   * payout is returned unchanged.
   */
  private asClaimingAttempt(
    payoutId: string,
    attempt: number,
    step: (payout: StoredPayout) => StoredPayout | null,
  ): StoredPayout | null {
    return this.w.transaction(() => {
      const payout = findPayout(this.w.sql, payoutId);
      if (payout?.status !== "submitting" || payout.attempts !== attempt) return payout;
      return step(payout);
    });
  }

  /** Moves a payout to a waiting state with the reason; no money moves. */
  private park(
    payoutId: string,
    status: "retrying" | "stuck",
    reason: string,
    nowMs: number,
  ): StoredPayout | null {
    const detail = reason.slice(0, 200);
    updatePayout(this.w.sql, payoutId, { status, lastError: detail }, nowMs);
    logPayout(this.w.sql, payoutId, status, detail, nowMs);
    return this.publish(payoutId);
  }

  private flag(payout: StoredPayout, detail: string, nowMs: number) {
    updatePayout(this.w.sql, payout.payoutId, { attention: detail.slice(0, 200) }, nowMs);
    logPayout(this.w.sql, payout.payoutId, "conflict", detail.slice(0, 200), nowMs);
    return { outcome: "conflict", payout: this.publish(payout.payoutId) } as const;
  }

  /** Projects the payout as it now is, and returns it (null if there is none). */
  private publish(payoutId: string): StoredPayout | null {
    const p = findPayout(this.w.sql, payoutId);
    if (!p) return null;
    this.w.enqueue({
      kind: "payout",
      userId: this.w.userId(),
      payout: {
        id: p.payoutId,
        status: p.status,
        destinationType: p.destinationType,
        destinationMasked: p.destinationMasked,
        currency: p.currency,
        amountMinor: p.amountMinor,
        holdReason: p.holdReason,
        failureCode: p.failureCode,
        attention: p.attention,
        attempts: p.attempts,
        processorId: p.processorId,
        processorRef: p.processorRef,
        createdAtMs: p.createdAtMs,
        updatedAtMs: p.updatedAtMs,
        paidAtMs: p.paidAtMs,
        version: p.version,
      },
    });
    return p;
  }

  private notify(
    payout: StoredPayout,
    kind: "payout_failed" | "payout_paid" | "payout_held",
    extra: Record<string, unknown>,
  ): void {
    this.w.enqueue({
      kind: "notice",
      userId: this.w.userId(),
      notice: {
        id: `${kind}:${payout.payoutId}`,
        kind,
        body: {
          payoutId: payout.payoutId,
          amountMinor: payout.amountMinor,
          currency: payout.currency,
          destination: payout.destinationMasked,
          ...extra,
        },
      },
    });
  }
}

// ---- pure helpers ------------------------------------------------------------------------------

function sealContext(userId: string, destinationId: string): string {
  return `dest:${userId}:${destinationId}`;
}

function detailsOf(input: NewDestination): DestinationDetails {
  return input.type === "bank"
    ? {
        type: "bank",
        accountNumber: input.accountNumber,
        ifsc: input.ifsc,
        holderName: input.holderName,
      }
    : { type: "upi", vpa: input.vpa, holderName: input.holderName };
}

/** Bank: the IFSC's bank code and the account's last four. UPI: the handle's last four. */
function maskedOf(input: NewDestination): string {
  if (input.type === "bank") return `${input.ifsc.slice(0, 4)} ${mask(input.accountNumber)}`;
  const [name = "", provider = ""] = input.vpa.split("@");
  return `${mask(name, Math.min(2, Math.max(name.length - 2, 0)))}@${provider}`;
}

function viewOf(d: StoredDestination): DestinationView {
  return {
    destinationId: d.destinationId,
    type: d.type,
    label: d.label,
    masked: d.masked,
    status: d.status,
    usableFromMs: d.usableFromMs,
    createdAtMs: d.createdAtMs,
    updatedAtMs: d.updatedAtMs,
  };
}

/** A uniform six-digit code (rejection sampling: no modulo bias). */
function sixDigitCode(): string {
  const limit = 4_294_000_000; // the largest multiple of 1e6 below 2^32
  for (;;) {
    const [n = 0] = crypto.getRandomValues(new Uint32Array(1));
    if (n < limit) return String(n % 1_000_000).padStart(6, "0");
  }
}

async function hashCode(salt: string, code: string): Promise<string> {
  return toHex(await sha256(`${salt}:${code}`));
}

async function hashDevice(deviceId: string): Promise<string> {
  return toBase64Url(await sha256(`device:${deviceId}`)).slice(0, 22);
}
