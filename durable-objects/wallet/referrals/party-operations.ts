import type { WalletTx } from "../core/wallet-tx";
import { creditLegs, restoreLegs, takeLegs } from "../events/cashback-legs";
import { readBalance } from "../ledger/ledger-store";
import type { Leg } from "../ledger/posting";
import { confirmPointsSource } from "../points/earn";
import { restorePoints, rollbackPoints } from "../points/rollback";
import { type Fraction, reversalShare } from "./decide-reversal";
import { type ReferralParty, referralLedgerKey } from "./party-credit";
import {
  findPartyMoney,
  findPartyTake,
  insertPartyTake,
  markPartyTakeRestored,
  movePartyTake,
  type PartyMoney,
  type PartyTake,
  savePartyMoney,
} from "./party-money-store";

/**
 * What happens to one party's referral bonus after it was credited, in the wallet that holds
 * it (docs/referrals.md, "After qualification"): the referee's wallet applies these to the
 * referee's bonus inside the event's transaction, and the referrer's wallet to the referrer's
 * when the referee's wallet delivers them (`applyReferrerOperation`, referral-reward-sync.ts).
 * Each is keyed in the ledger and in `referral_party_*`, so a repeat is `exists`:
 *
 * - `confirm`: what is left of the bonus moves `referral_bonus → confirmed` (repaying debt
 *   first, like every confirmed credit), key `referral:<id>:<party>:confirm`; points become
 *   active (their source `referral`, `<id>:<party>`, is confirmed).
 * - `reverse` (a refund or chargeback, `causeEventId`): the fraction of the credited bonus is
 *   taken back, from `referral_bonus` while unconfirmed, else from confirmed with what was
 *   already spent becoming visible debt (as cashback clawbacks do), key
 *   `referral:<id>:<party>:reverse:<cause>`; points by the points rollback (spent → points debt).
 *   A refund while a chargeback of the qualifying event is open (`takeOfEventId`, the
 *   chargeback) finds the bonus already taken: its share moves out of the chargeback's take
 *   into its own, nothing posted, so a won dispute gives back only the rest (money bonuses;
 *   points go through their rollback as for any refund).
 * - `restore` (a chargeback resolved for the member): exactly what the chargeback's take took
 *   comes back where it came from, its debt cancelled as far as still owed, key
 *   `referral:<id>:<party>:restore:<cause>`.
 */

export type PartyOperation =
  | { kind: "confirm"; referralId: string; party: ReferralParty }
  | {
      kind: "reverse";
      referralId: string;
      party: ReferralParty;
      causeEventId: string;
      fraction: Fraction;
      /** A refund during this open chargeback: its share comes out of the chargeback's take. */
      takeOfEventId?: string;
    }
  | {
      kind: "restore";
      referralId: string;
      party: ReferralParty;
      /** The resolution that restores. */
      causeEventId: string;
      /** The chargeback whose take is given back. */
      takeOfEventId: string;
    };

/**
 * `applied` with the amount moved (points or minor units; `debt` what became or stopped being
 * owed), `exists` when this operation was applied before, `nothing` when this wallet holds no
 * bonus for it (never credited, or nothing left to move).
 */
export type PartyOperationStatus =
  | {
      status: "applied";
      amount: number;
      debt: number;
      /** A refund's share moved out of an open chargeback's take (already taken). */
      moved?: true;
    }
  | { status: "exists" | "nothing" }
  | { status: "refused"; detail: string };

const POINTS = "points";

/**
 * Applies one operation to the party's bonus in this wallet, inside the caller's transaction.
 *
 * @example
 * commit((tx) => applyPartyOperation(tx, { kind: "reverse", referralId: "ref_u2",
 *   party: "referrer", causeEventId: "evt_refund", fraction: { num: 1, den: 1 } }, nowMs))
 * // { status: "applied", amount: 1000, debt: 600 } (600 of it was already paid out)
 */
export function applyPartyOperation(
  tx: WalletTx,
  op: PartyOperation,
  nowMs: number,
): PartyOperationStatus {
  const money = findPartyMoney(tx.sql, op.referralId, op.party);
  if (!money) return { status: "nothing" };
  switch (op.kind) {
    case "confirm":
      return confirmBonus(tx, money, nowMs);
    case "reverse":
      return reverseBonus(tx, money, op.causeEventId, op.fraction, nowMs, op.takeOfEventId);
    case "restore":
      return restoreBonus(tx, money, op.causeEventId, op.takeOfEventId, nowMs);
  }
}

function rule(money: PartyMoney) {
  return { id: money.ruleId, version: money.ruleVersion };
}

function confirmBonus(tx: WalletTx, money: PartyMoney, nowMs: number): PartyOperationStatus {
  if (money.confirmedAtMs !== null) return { status: "exists" };
  const left = money.credited - money.taken;
  const key = `${referralLedgerKey(money.referralId, money.party)}:confirm`;
  if (money.unit === POINTS) {
    confirmPointsSource(tx, {
      sourceType: "referral",
      sourceId: `${money.referralId}:${money.party}`,
      nowMs,
    });
  } else if (left > 0) {
    const legs: Leg[] = [
      { bucket: "referral_bonus", currency: money.unit, amountMinor: -left },
      ...creditLegs(left, money.unit, readBalance(tx.sql, "debt", money.unit)),
    ];
    tx.post(
      {
        key,
        kind: "referral_confirm",
        txnId: null,
        memo: `referral ${money.referralId} ${money.party} confirmed`,
        rule: rule(money),
        legs,
      },
      nowMs,
    );
    tx.publishBalances(nowMs);
  }
  savePartyMoney(tx.sql, { ...money, confirmedAtMs: nowMs }, nowMs);
  return { status: "applied", amount: Math.max(left, 0), debt: 0 };
}

function reverseBonus(
  tx: WalletTx,
  money: PartyMoney,
  cause: string,
  fraction: Fraction,
  nowMs: number,
  disputeOf?: string,
): PartyOperationStatus {
  if (findPartyTake(tx.sql, money.referralId, money.party, cause)) return { status: "exists" };
  const dispute = disputeOf
    ? findPartyTake(tx.sql, money.referralId, money.party, disputeOf)
    : null;
  if (dispute && dispute.restoredAtMs === null && dispute.from !== "points") {
    return moveFromDispute(tx, money, dispute, cause, fraction, nowMs);
  }
  const base = referralLedgerKey(money.referralId, money.party);
  if (money.unit === POINTS) {
    const rolled = rollbackPoints(tx, {
      key: `${base}:rollback:${cause}`,
      sourceType: "referral",
      sourceId: `${money.referralId}:${money.party}`,
      fraction,
      nowMs,
    });
    if (rolled.status !== "created" && rolled.status !== "exists") {
      return rolled.status === "not_found"
        ? { status: "nothing" }
        : { status: "refused", detail: `points rollback refused: ${rolled.status}` };
    }
    const share = rolled.takenPoints + rolled.debtPoints;
    insertPartyTake(tx.sql, {
      referralId: money.referralId,
      party: money.party,
      causeEventId: cause,
      from: "points",
      taken: rolled.takenPoints,
      debt: rolled.debtPoints,
      atMs: nowMs,
      restoredAtMs: null,
    });
    savePartyMoney(tx.sql, { ...money, taken: money.taken + share }, nowMs);
    return { status: "applied", amount: share, debt: rolled.debtPoints };
  }
  const share = reversalShare(money.credited, money.taken, fraction);
  if (share <= 0) return { status: "nothing" };
  const confirmed = money.confirmedAtMs !== null;
  const take = confirmed
    ? takeLegs(share, money.unit, readBalance(tx.sql, "confirmed", money.unit))
    : {
        legs: [{ bucket: "referral_bonus" as const, currency: money.unit, amountMinor: -share }],
        takenMinor: share,
        debtMinor: 0,
      };
  tx.post(
    {
      key: `${base}:reverse:${cause}`,
      kind: "referral_reversal",
      txnId: null,
      memo: `event ${cause} takes back referral ${money.referralId} ${money.party}`,
      rule: rule(money),
      legs: take.legs,
    },
    nowMs,
  );
  tx.publishBalances(nowMs);
  insertPartyTake(tx.sql, {
    referralId: money.referralId,
    party: money.party,
    causeEventId: cause,
    from: confirmed ? "confirmed" : "referral_bonus",
    taken: take.takenMinor,
    debt: take.debtMinor,
    atMs: nowMs,
    restoredAtMs: null,
  });
  savePartyMoney(tx.sql, { ...money, taken: money.taken + share }, nowMs);
  return { status: "applied", amount: share, debt: take.debtMinor };
}

/**
 * A refund while the chargeback that took `dispute` is open: the bonus is already taken, so the
 * refund's share (of the credited bonus, never more than the chargeback holds; a whole refund
 * all of it) moves to the refund's own take, final. Nothing is posted and what the party has
 * taken in all is unchanged; the chargeback's take, and so a won dispute's restore, is lower.
 */
function moveFromDispute(
  tx: WalletTx,
  money: PartyMoney,
  dispute: PartyTake,
  cause: string,
  fraction: Fraction,
  nowMs: number,
): PartyOperationStatus {
  const held = dispute.taken + dispute.debt;
  const share = reversalShare(money.credited, money.credited - held, fraction);
  if (share <= 0) return { status: "nothing" };
  const moved = movePartyTake(tx.sql, dispute, cause, share, nowMs);
  return { status: "applied", amount: share, debt: moved.debt, moved: true };
}

function restoreBonus(
  tx: WalletTx,
  money: PartyMoney,
  cause: string,
  takeOf: string,
  nowMs: number,
): PartyOperationStatus {
  const take = findPartyTake(tx.sql, money.referralId, money.party, takeOf);
  if (!take) return { status: "nothing" };
  if (take.restoredAtMs !== null) return { status: "exists" };
  const base = referralLedgerKey(money.referralId, money.party);
  let debtCancelled = 0;
  if (take.from === "points") {
    const restored = restorePoints(tx, { rollbackKey: `${base}:rollback:${takeOf}`, nowMs });
    if (restored.status === "not_found") return { status: "nothing" };
    debtCancelled = restored.debtCancelledPoints;
  } else {
    const legs =
      take.from === "referral_bonus"
        ? [{ bucket: "referral_bonus" as const, currency: money.unit, amountMinor: take.taken }]
        : restoreLegs(
            { takenMinor: take.taken, debtMinor: take.debt },
            money.unit,
            readBalance(tx.sql, "debt", money.unit),
          );
    const debtLeg = legs.find((l) => l.bucket === "debt");
    debtCancelled = debtLeg ? -debtLeg.amountMinor : 0;
    // A take a refund emptied while its chargeback was open has nothing left to give back.
    if (take.taken + take.debt > 0) {
      tx.post(
        {
          key: `${base}:restore:${cause}`,
          kind: "referral_restore",
          txnId: null,
          memo: `event ${cause} restores referral ${money.referralId} ${money.party}`,
          rule: rule(money),
          legs,
        },
        nowMs,
      );
      tx.publishBalances(nowMs);
    }
  }
  markPartyTakeRestored(tx.sql, take, nowMs);
  const amount = take.taken + take.debt;
  savePartyMoney(tx.sql, { ...money, taken: money.taken - amount }, nowMs);
  return { status: "applied", amount, debt: debtCancelled };
}
