import { campaignRuleId } from "#shared/campaigns/campaign-rule";
import type { BudgetReserveResult } from "../../budget/index";
import { settle } from "../conversions/settle";
import { appendHistory, findTxn } from "../conversions/txn-store";
import type { WalletTx } from "../core/wallet-tx";
import { effectiveBoostMinor, recordGrant, type TxnBoost } from "./boosts";

/**
 * Pure: what a budget's answer grants to the request that was asked; null when the answer is
 * for another request (superseded meanwhile) and must be dropped. A budget in another
 * currency grants nothing (and is asked no more).
 *
 * @example
 * grantOf({ seq: 2 } as TxnBoost, { status: "granted", granted: 300, desired: 500, seq: 2, … }) // 300
 */
export function grantOf(
  asked: Pick<TxnBoost, "seq">,
  result: Pick<BudgetReserveResult, "status" | "granted" | "seq">,
): number | null {
  if (result.status === "unit_mismatch") return 0;
  return result.seq === asked.seq ? result.granted : null;
}

/**
 * Records a budget's answer to one boost request and settles the transaction, so the ledger
 * holds base + granted boost. The posting key carries the new version: a repeated answer finds
 * the request already synced and changes nothing, so a retry never pays twice.
 */
export function recordBoost(
  tx: WalletTx,
  txnId: string,
  asked: TxnBoost,
  result: BudgetReserveResult,
  nowMs: number,
): void {
  const txn = findTxn(tx.sql, txnId);
  if (!txn) return;
  const grantedMinor = grantOf(asked, result);
  if (grantedMinor === null) return;
  const boosts = recordGrant(txn.boosts, asked.campaignId, asked.seq, grantedMinor);
  if (!boosts) return;
  const before = effectiveBoostMinor(txn.boosts);
  txn.boosts = boosts;
  txn.version += 1;
  txn.updatedAtMs = nowMs;
  appendHistory(
    tx.sql,
    txn.txnId,
    asked.desiredMinor === 0 ? "boost_released" : "boost_granted",
    "campaign_budget",
    JSON.stringify({
      campaignId: asked.campaignId,
      status: result.status,
      desiredMinor: asked.desiredMinor,
      grantedMinor,
    }),
    nowMs,
  );
  // A grant is money this campaign's rule produced: its entries name the rule and version.
  const granting = effectiveBoostMinor(boosts) > before;
  settle(
    tx,
    txn,
    nowMs,
    "campaign_budget",
    granting ? "cashback_boost" : undefined,
    granting && asked.ruleVersion !== undefined
      ? { id: campaignRuleId(asked.campaignId), version: asked.ruleVersion }
      : undefined,
  );
}
