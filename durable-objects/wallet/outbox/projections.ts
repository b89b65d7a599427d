import type { PayoutProjection, RiskHoldProjection, TransactionProjection } from "#shared/messages";
import type { StoredTxn } from "../conversions/types";
import type { StoredHold } from "../holds/hold-store";
import type { StoredPayout } from "../payouts/lifecycle/decide-payout";

/**
 * Pure: the projections the wallet publishes, built from its stored records. The record
 * shapes are declared once (shared/messages.ts); the stored types extend them, and these
 * functions only rename the id and pick the projected fields.
 */

export function transactionProjection(userId: string, txn: StoredTxn): TransactionProjection {
  return {
    kind: "transaction",
    userId,
    txn: {
      id: txn.txnId,
      networkId: txn.networkId,
      orderId: txn.orderId,
      offerId: txn.offerId,
      clickId: txn.clickId,
      status: txn.status,
      rejectReason: txn.rejectReason,
      currency: txn.currency,
      saleAmountMinor: txn.saleAmountMinor,
      commissionMinor: txn.commissionMinor,
      cashbackMinor: txn.cashbackMinor,
      rateBps: txn.rateBps,
      boostMinor: txn.grantedBoostMinor,
      campaignIds: [...new Set(txn.boosts.map((b) => b.campaignId))],
      clickedAtMs: txn.clickedAtMs,
      convertedAtMs: txn.convertedAtMs,
      expectedConfirmAtMs: txn.expectedConfirmAtMs,
      confirmedAtMs: txn.confirmedAtMs,
      version: txn.version,
      updatedAtMs: txn.updatedAtMs,
    },
  };
}

export function payoutProjection(userId: string, p: StoredPayout): PayoutProjection {
  return {
    kind: "payout",
    userId,
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
  };
}

export function riskHoldProjection(userId: string, h: StoredHold): RiskHoldProjection {
  return {
    kind: "risk_hold",
    userId,
    hold: {
      holdId: h.holdId,
      kind: h.kind,
      subjectRef: h.subjectRef,
      source: h.source,
      ruleId: h.ruleId,
      ruleVersion: h.ruleVersion,
      reasons: h.reasons,
      status: h.status,
      placedAtMs: h.placedAtMs,
      autoReleaseAtMs: h.autoReleaseAtMs,
      endedAtMs: h.endedAtMs,
      endedHow: h.endedHow,
      decidedBy: h.decidedBy,
      decisionNote: h.decisionNote,
      label: h.label,
      decisionSignals: h.decisionSignals,
      version: h.version,
    },
  };
}
