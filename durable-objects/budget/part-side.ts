import type { BudgetReserveInput, BudgetReserveResult } from "./budget-object";
import {
  type BudgetKeyRow,
  insertBudgetKeyRow,
  outstandingOf,
  readBudgetKeyRow,
  readHeld,
  updateTerms,
} from "./budget-store";
import type { BudgetBinding } from "./env";
import { type BudgetPart, isBudgetPart, partName } from "./parts";
import { type PartAllotmentRow, readPartAllotment, savePartAllotment } from "./parts-store";

/**
 * A budget part's side of the split (parts.ts): the part grants from its allotment with the
 * same reservation decision as any budget, and only a request its allotment cannot cover
 * borrows: first from the root (what no part holds), then from its siblings, each of which
 * gives its spare back to the root, then from the root again.
 *
 * The allotment is a reservation at the root, numbered by this part like a wallet numbers its
 * requests: `desired` is absolute and `seq` grows, so a lost answer is repaired by the next
 * request and a late answer to an overtaken request is dropped. The part's limit only rises to
 * what the root confirmed and falls before the root is told, so the parts' limits never sum
 * above what the root lent them, and the root's CHECK bounds the whole budget.
 */

/** Passes over root and siblings before a request takes what it got (a partial grant). */
const MAX_BORROW_PASSES = 3;

/** The root's answer to a part about its allotment. */
export interface AllotmentAnswer {
  status: "granted" | "repeat" | "stale" | "read" | "not_configured" | "unknown_layout";
  unit: string;
  /** What the root lends this part for request `seq`. */
  granted: number;
  desired: number;
  seq: number;
  /** Every layout the budget has used: the parts to ask for spare. */
  layouts: number[];
  /**
   * The root's limit and its rule version after this call (0 and 0 with no budget): the part
   * keeps them to know whether a request's carried limit could still move the root's.
   */
  limit: number;
  limitVersion: number;
}

/** The root's terms as a part last heard them. */
interface RootTerms {
  limit: number;
  limitVersion: number;
}

export interface AllotmentRequest extends BudgetPart, CarriedTerms {
  budgetKey: string;
  /** Absent: read what the root lends this part, change nothing. */
  desired?: number | undefined;
  seq?: number | undefined;
}

/**
 * A rule budget's terms as its wallets' requests carry them (the limit travels with each
 * request, docs/rules.md): a part hands them to the root when it first asks and whenever a
 * request brings another limit, so the root adopts the limit as the unsplit object would.
 */
export interface CarriedTerms {
  unit?: string | undefined;
  limit?: number | undefined;
  limitVersion?: number | undefined;
}

export interface PartRequest extends BudgetReserveInput, BudgetPart {}

export interface PartUsage {
  limit: number;
  askedTotal: number;
  grantedTotal: number;
  releasedTotal: number;
  reservations: number;
  partialReservations: number;
  updatedAtMs: number;
}

export interface PartSidePorts {
  storage: DurableObjectStorage;
  sql: SqlStorage;
  env: BudgetBinding;
  /** The object's reservation step (one transaction's body). */
  reserveSync(input: BudgetReserveInput & { desired: number }, nowMs: number): BudgetReserveResult;
  /** The object's postcondition after a change of terms. */
  assertInvariants(granted: boolean): void;
}

export class BudgetPartSide {
  /** Borrowing requests of this part run one after another (promise chain). */
  private borrowing: Promise<unknown> = Promise.resolve();
  /** The layouts the root last named (the siblings to ask for spare). */
  private layouts: number[] = [];
  /** Allotment requests sent to the root and not answered yet (this instance's). */
  private allotsInFlight = 0;
  /**
   * The root's limit and version as its last answer gave them (not what this part told it:
   * another part, or a newer version, may have moved it since); null after a wake, so the
   * first request that asks for more tells the root once again (an idempotent read).
   */
  private rootTerms: RootTerms | null = null;
  /** The telling on its way, if any. */
  private telling: { tag: string; promise: Promise<void> } | null = null;

  constructor(private readonly ports: PartSidePorts) {}

  /** A reservation in this part (desired 0 releases it). */
  async reserve(input: PartRequest, nowMs: number): Promise<BudgetReserveResult> {
    if (!isBudgetPart(input)) throw new RangeError("not a part of a split budget");
    const ready = await this.ensure(input);
    if (ready !== null) return notConfigured(input);
    await this.tellLimit(input);
    if (this.shortOf(input) === 0) return this.reserveNow(input, nowMs);
    // Dry: borrow in turn, each borrower re-checking what the one before it brought.
    const turn = this.borrowing.then(async () => {
      await this.borrow(input);
      return this.reserveNow(input, nowMs);
    });
    this.borrowing = turn.catch(() => undefined);
    return turn;
  }

  /**
   * Gives up to `amount` of this part's spare (allotment − outstanding) back to the root, for
   * a dry sibling to borrow; answers what the root took back (0 when nothing was spare or
   * the root could not be told: the lowered limit stays, and the next request repairs it).
   * With nothing spare it still resends the limit when the root's answer to the part's newest
   * request was lost, so the root's reclaim (budget-object.ts) recovers what a lost answer
   * left lent to this part above its limit, even if the part is never asked to grant again.
   */
  async yieldSpare(input: BudgetPart & { budgetKey: string; amount: number }): Promise<number> {
    if (!isBudgetPart(input)) throw new RangeError("not a part of a split budget");
    if (!Number.isSafeInteger(input.amount) || input.amount < 0) {
      throw new RangeError("amount must be a non-negative safe integer");
    }
    if ((await this.ensure(input)) !== null) return 0;
    const { storage, sql } = this.ports;
    const sent = storage.transactionSync(() => {
      const budget = readBudgetKeyRow(sql) as BudgetKeyRow;
      const row = readPartAllotment(sql);
      if (!row) return null;
      const give = Math.min(Math.max(0, budget.limit_value - outstandingOf(budget)), input.amount);
      // With nothing to give, the root is still told the limit when its answer to the newest
      // request never arrived (it may lend more than the limit: lent money nobody can spend),
      // unless a request is on its way, whose answer will tell.
      if (give === 0 && (row.confirmedSeq === row.seq || this.allotsInFlight > 0)) return null;
      const limit = budget.limit_value - give;
      if (give > 0) {
        updateTerms(sql, { limit, limitVersion: budget.limit_version, overLimit: 0 }, Date.now());
      }
      const next = { ...row, desired: limit, seq: row.seq + 1 };
      savePartAllotment(sql, next);
      this.ports.assertInvariants(false);
      return { give, next };
    });
    if (!sent) return 0;
    try {
      const answer = await this.sendAllot(input.budgetKey, sent.next);
      this.apply(answer);
      return answer.seq === sent.next.seq && answer.granted === sent.next.desired ? sent.give : 0;
    } catch {
      return 0;
    }
  }

  /** This part's figures, for the root's sum; null before the part was first used. */
  usage(): PartUsage | null {
    const { sql } = this.ports;
    const budget = readBudgetKeyRow(sql);
    if (!budget) return null;
    const counts = sql
      .exec<{ n: number; partial: number }>(
        `SELECT COUNT(*) AS n, COALESCE(SUM(granted < desired), 0) AS partial
         FROM reservations WHERE desired > 0`,
      )
      .one();
    return {
      limit: budget.limit_value,
      askedTotal: budget.asked_total,
      grantedTotal: budget.granted_total,
      releasedTotal: budget.released_total,
      reservations: counts.n,
      partialReservations: counts.partial,
      updatedAtMs: budget.updated_at_ms,
    };
  }

  /**
   * First use: reads what the root lends this part (its share of the split, set when the
   * layout was configured) and starts the part's budget with it. Null when ready; otherwise
   * the root's refusal (no budget, or a layout it never had).
   */
  private async ensure(
    input: BudgetPart & CarriedTerms & { budgetKey: string },
  ): Promise<string | null> {
    const { storage, sql } = this.ports;
    const row = readPartAllotment(sql);
    if (row) {
      if (row.parts !== input.parts || row.index !== input.index) {
        throw new RangeError("budget part addressed as another part");
      }
      return null;
    }
    // A rule budget's part hands the root the carried terms: its first part creates the
    // budget and registers the layout there, as the first request to one object would.
    const answer = await this.root(input.budgetKey).allot({
      budgetKey: input.budgetKey,
      parts: input.parts,
      index: input.index,
      ...carriedOf(input),
    });
    this.noteRoot(answer);
    if (answer.status === "not_configured" || answer.status === "unknown_layout") {
      return answer.status;
    }
    this.layouts = answer.layouts;
    storage.transactionSync(() => {
      if (readPartAllotment(sql)) return;
      insertBudgetKeyRow(
        sql,
        { budgetKey: input.budgetKey, unit: answer.unit },
        { limit: answer.granted, limitVersion: 0, overLimit: 0 },
        Date.now(),
      );
      savePartAllotment(sql, {
        parts: input.parts,
        index: input.index,
        desired: answer.desired,
        seq: Math.max(answer.seq, 1),
        // The limit is what the root lends: its view and the part's agree.
        confirmedSeq: Math.max(answer.seq, 1),
      });
    });
    return null;
  }

  /**
   * A request that asks for more and carries a limit the root has not got tells the root
   * first (a read that adopts it when its version is the newest: a lowered limit takes every
   * part's spare back before it is judged, budget-object.ts), so the next borrow is judged
   * against it. Its own grant is judged by this part's allotment, as any request within what
   * the part holds. A release or a lowering tells nothing: it keeps its saved request's terms
   * (a refund of a reward granted under an older, higher limit), and it grants nothing.
   */
  private async tellLimit(input: PartRequest): Promise<void> {
    if (input.limit === undefined || !this.asksMore(input)) return;
    if (this.rootTerms && !couldMoveRoot(input, this.rootTerms)) return;
    const tag = limitTag(input);
    // Requests that arrive meanwhile with the same limit wait for the same telling: none is
    // judged by an allotment the root is about to take back.
    if (this.telling?.tag !== tag) {
      const promise = this.root(input.budgetKey)
        .allot({
          budgetKey: input.budgetKey,
          parts: input.parts,
          index: input.index,
          ...carriedOf(input),
        })
        .then((answer) => {
          if (answer.layouts.length > 0) this.layouts = answer.layouts;
          this.noteRoot(answer);
        })
        .finally(() => {
          if (this.telling?.promise === promise) this.telling = null;
        });
      this.telling = { tag, promise };
    }
    await this.telling.promise;
  }

  /** True when the request is newer than its reservation here and asks for more than it. */
  private asksMore(input: PartRequest): boolean {
    const current = readHeld(this.ports.sql, input.holder, input.reference);
    return (!current || input.seq > current.seq) && input.desired > (current?.desired ?? 0);
  }

  /** Keeps the root's terms from an answer that carries them (a refusal has no budget). */
  private noteRoot(answer: AllotmentAnswer): void {
    if (answer.status === "not_configured" || answer.status === "unknown_layout") return;
    this.rootTerms = { limit: answer.limit, limitVersion: answer.limitVersion };
  }

  private shortOf(input: PartRequest): number {
    return shortOfRequest(this.ports.sql, input);
  }

  /**
   * Root, then siblings' spare, then root again, up to MAX_BORROW_PASSES times; whatever is
   * still short after that is granted partially, as one object would when the budget is spent.
   */
  private async borrow(input: PartRequest): Promise<void> {
    for (let pass = 0; pass < MAX_BORROW_PASSES; pass++) {
      const short = this.shortOf(input);
      if (short === 0) return;
      await this.raise(input, short);
      const left = this.shortOf(input);
      if (left === 0 || pass === MAX_BORROW_PASSES - 1) return;
      if ((await this.gatherSpare(input, left)) === 0) {
        // Nothing confirmed freed; a sibling's late answer may still have reached the root.
        await this.raise(input, left);
        return;
      }
    }
  }

  /** Asks sibling after sibling to give spare back to the root, until `short` is freed. */
  private async gatherSpare(input: PartRequest, short: number): Promise<number> {
    let freed = 0;
    for (const sibling of this.siblings(input)) {
      if (freed >= short) break;
      try {
        freed += await this.part(input.budgetKey, sibling).yieldSpare({
          budgetKey: input.budgetKey,
          ...sibling,
          amount: short - freed,
        });
      } catch {
        // A sibling that cannot be reached keeps its spare; the others may have enough.
      }
    }
    return freed;
  }

  /** Asks the root to lend `amount` more; the limit rises to what it confirms. */
  private async raise(input: PartRequest, amount: number): Promise<void> {
    const { storage, sql } = this.ports;
    const next = storage.transactionSync(() => {
      const budget = readBudgetKeyRow(sql) as BudgetKeyRow;
      const row = readPartAllotment(sql);
      if (!row) throw new Error("budget part without its allotment row");
      // Never below an earlier request: a lowered request would not be topped up.
      const desired = Math.max(row.desired, budget.limit_value) + amount;
      const saved = { ...row, desired, seq: row.seq + 1 };
      savePartAllotment(sql, saved);
      return saved;
    });
    const answer = await this.sendAllot(input.budgetKey, next);
    this.apply(answer);
  }

  /** Sends the part's newest allotment request to the root, counted while it is on its way. */
  private async sendAllot(budgetKey: string, row: PartAllotmentRow): Promise<AllotmentAnswer> {
    this.allotsInFlight++;
    try {
      return await this.root(budgetKey).allot({
        budgetKey,
        parts: row.parts,
        index: row.index,
        desired: row.desired,
        seq: row.seq,
      });
    } finally {
      this.allotsInFlight--;
    }
  }

  /**
   * Adopts the root's answer when it answers this part's newest request: the limit becomes
   * what the root lends. An answer to an overtaken request is dropped; the newer one's will do.
   */
  private apply(answer: AllotmentAnswer): void {
    if (answer.layouts.length > 0) this.layouts = answer.layouts;
    this.noteRoot(answer);
    if (answer.status !== "granted" && answer.status !== "repeat" && answer.status !== "stale") {
      return;
    }
    const { storage, sql } = this.ports;
    storage.transactionSync(() => {
      const row = readPartAllotment(sql);
      const budget = readBudgetKeyRow(sql);
      if (!row || !budget || answer.seq !== row.seq) return;
      if (row.confirmedSeq !== row.seq) savePartAllotment(sql, { ...row, confirmedSeq: row.seq });
      if (answer.granted === budget.limit_value) return;
      const overLimit = Math.max(0, outstandingOf(budget) - answer.granted);
      updateTerms(
        sql,
        { limit: answer.granted, limitVersion: budget.limit_version, overLimit },
        Date.now(),
      );
      this.ports.assertInvariants(false);
    });
  }

  private reserveNow(input: PartRequest, nowMs: number): BudgetReserveResult {
    // A part's limit is its allotment: a limit a request carries is the whole budget's.
    const {
      parts: _parts,
      index: _index,
      limit: _limit,
      limitVersion: _version,
      ...request
    } = input;
    return this.ports.storage.transactionSync(() => this.ports.reserveSync(request, nowMs));
  }

  /** Every other part of every layout the budget has used, this layout's first. */
  private siblings(self: BudgetPart): BudgetPart[] {
    const layouts = [self.parts, ...this.layouts.filter((n) => n !== self.parts && n >= 2)];
    const out: BudgetPart[] = [];
    for (const parts of layouts) {
      for (let step = 1; step <= parts; step++) {
        const index = (self.index + step) % parts;
        if (parts === self.parts && index === self.index) continue;
        out.push({ parts, index });
      }
    }
    return out;
  }

  private root(budgetKey: string) {
    return this.ports.env.BUDGET.get(this.ports.env.BUDGET.idFromName(budgetKey));
  }

  private part(budgetKey: string, part: BudgetPart) {
    const name = partName(budgetKey, part);
    return this.ports.env.BUDGET.get(this.ports.env.BUDGET.idFromName(name));
  }
}

/** The carried terms of a request, for the root (nothing when it carries no limit). */
function carriedOf(input: CarriedTerms): CarriedTerms {
  if (input.limit === undefined) return {};
  return { unit: input.unit, limit: input.limit, limitVersion: input.limitVersion };
}

/**
 * Whether a carried limit could change the root's terms (budget-object.ts adopts the newest
 * version's limit; a request without a version counts as the newest).
 */
function couldMoveRoot(input: CarriedTerms, root: RootTerms): boolean {
  const version = input.limitVersion ?? root.limitVersion;
  if (version !== root.limitVersion) return version > root.limitVersion;
  return input.limit !== root.limit;
}

function limitTag(input: CarriedTerms): string {
  return `${input.limit}/${input.limitVersion ?? ""}`;
}

/**
 * What a reservation request needs beyond what this object can grant now (0: it fits, or it
 * is a repeat, a stale request, a lowering or in another unit, none of which takes more).
 */
export function shortOfRequest(sql: SqlStorage, input: BudgetReserveInput): number {
  const budget = readBudgetKeyRow(sql);
  if (!budget || budget.unit !== input.unit) return 0;
  const current = readHeld(sql, input.holder, input.reference);
  if (current && input.seq <= current.seq) return 0;
  if (input.desired <= (current?.desired ?? 0)) return 0;
  const remaining = Math.max(0, budget.limit_value - outstandingOf(budget));
  return Math.max(0, input.desired - (current?.granted ?? 0) - remaining);
}

/** The answer to a request for a budget that has no limit set (the root's and a part's). */
export function notConfigured(
  input: Pick<BudgetReserveInput, "seq" | "unit">,
): BudgetReserveResult {
  return {
    status: "not_configured",
    granted: 0,
    desired: 0,
    remaining: 0,
    seq: input.seq,
    unit: input.unit,
    limit: 0,
  };
}
