import { DurableObject } from "cloudflare:workers";
import { assert } from "#shared/assert";
import { createLogger } from "#shared/observability/logger";
import type { CampaignBudgetHandOver, HandOverReservation } from "../campaign-budget/hand-over";
import type { Held } from "../shared/decide-reserve";
import { campaignOfBudgetKey, type ParsedBudgetKey, parseBudgetKey } from "./budget-key";
import {
  applyChange,
  type BudgetKeyRow,
  insertBudgetKeyRow,
  insertImported,
  outstandingOf,
  readBudgetKeyRow,
  readHeld,
  reservationCounts,
  reservationSums,
  saveHeld,
  updateTerms,
} from "./budget-store";
import { adoptedTerms, type BudgetState, decideBudget, decideConfigure } from "./decide-budget";
import type { BudgetEnv } from "./env";
import { planLegacyImport } from "./legacy-import";
import {
  type AllotmentAnswer,
  type AllotmentRequest,
  BudgetPartSide,
  notConfigured,
  type PartRequest,
  type PartUsage,
  shortOfRequest,
} from "./part-side";
import {
  ALLOTMENT_REFERENCE,
  allotmentHolder,
  type BudgetPart,
  isBudgetPart,
  isPartCount,
  partName,
  partOfAllotmentHolder,
  splitShares,
} from "./parts";
import {
  addAllotted,
  type LayoutRow,
  notePartContact,
  readLayout,
  readPartContacts,
  saveLayout,
} from "./parts-store";
import { applyBudgetKeySchema } from "./schema";
import { type BudgetUnit, isBudgetUnit } from "./unit";

/**
 * One object per budget key (`idFromName(budgetKey)`, e.g. `rule:r1:user:u9:month:2026-03`):
 * the single writer of that budget. Every wallet whose reward draws on the budget asks this
 * object; a Durable Object runs one request at a time and each mutation is one
 * `transactionSync` with no `await` inside, so two wallets can never both take the last of
 * it, however many rewards arrive at once.
 *
 * A thin RPC shell over decide-budget.ts (which reuses the campaign budget's reservation
 * decision): the unit is fixed by the first request, the limit travels with every request
 * (the newest rule version's applies to new grants, nothing granted is taken back), and a
 * reservation is keyed by (holder, reference) and ordered by the holder's `seq`, so a reserve
 * and a release can arrive in either order and a repeat gets the same grant.
 *
 * A budget can also be configured (`configure`, the campaign API for a campaign's rule budget
 * `rule:campaign.<id>:campaign:<id>:lifetime`): requests then need not carry a limit. Such a
 * campaign budget, the first time it is touched, takes over the campaign's legacy budget
 * object (durable-objects/campaign-budget/) with its reservations (legacy-import.ts).
 *
 * A configured budget may be split into parts (parts.ts, part-side.ts): the same class serves
 * the budget key's own object (the root, which lends each part its allotment through `allot`)
 * and each part (`reservePart`, `yieldSpare`, `partUsage`, named `<key>#<index>/<parts>`).
 */

export interface BudgetReserveInput {
  /** The key this object was addressed by; the object refuses to serve another. */
  budgetKey: string;
  /** `points` or an ISO 4217 currency code (values in minor units). */
  unit: BudgetUnit;
  /**
   * The limit of the rule version behind the reward, in the unit. Absent: the recorded limit
   * applies (a configured budget's); with no budget yet, the answer is `not_configured`.
   */
  limit?: number | undefined;
  /** That rule version (`AppliedEffect.ruleVersion`); an older one does not move the limit. */
  limitVersion?: number | undefined;
  /** The user whose wallet numbers the requests. */
  holder: string;
  /** The reward's own key (unique within the holder). */
  reference: string;
  /** The value the reward asks for; 0 releases it. */
  desired: number;
  /** The holder's request number for this reference, raised whenever `desired` changes. */
  seq: number;
}

/** A release carries no desired value, and its limit only if the caller has one. */
export type BudgetReleaseInput = Omit<BudgetReserveInput, "desired">;

/**
 * `granted`: the request was recorded (a release too); `repeat`: the same request again;
 * `stale`: older than the recorded one, nothing changed; `unit_mismatch`: the budget counts
 * another unit, nothing changed (permanent: the reward gets nothing from this budget);
 * `not_configured`: no budget yet and the request brought no limit (or the budget is a
 * campaign's, which only `configure` or the legacy hand-over creates), nothing changed
 * (transient: retry later).
 */
export type BudgetReserveStatus =
  | "granted"
  | "repeat"
  | "stale"
  | "unit_mismatch"
  | "not_configured";

export interface BudgetReserveResult {
  status: BudgetReserveStatus;
  /** What the reservation holds after this call. */
  granted: number;
  /** What it asks for (the recorded value when stale or refused). */
  desired: number;
  /** What the budget can still grant under its current limit. */
  remaining: number;
  /** The request number the recorded reservation answers (newer than the request if stale). */
  seq: number;
  /** The budget's unit (differs from the request's when `unit_mismatch`). */
  unit: BudgetUnit;
  /** The budget's limit after this call. */
  limit: number;
}

export interface BudgetConfigureInput {
  /** The key this object was addressed by. */
  budgetKey: string;
  /** The budget's unit; a budget that already counts another one refuses. */
  unit: BudgetUnit;
  /** The new limit, in the unit. */
  limit: number;
  /** The rule version the limit belongs to; absent: the recorded version is kept. */
  limitVersion?: number | undefined;
  /**
   * How many parts wallets are sent to from now on (1: this object serves them itself, as
   * before parts); absent: unchanged. Reservations already made stay where they are.
   */
  parts?: number | undefined;
}

/**
 * `configured`: the limit is set (the budget created if it had no row); `unit_mismatch`: the
 * budget counts another unit; `below_outstanding`: the limit is below what is granted and not
 * released. Refused, nothing changes; `usage` is the budget as it stands (null: none yet).
 */
export interface BudgetConfigureResult {
  status: "configured" | "unit_mismatch" | "below_outstanding";
  usage: BudgetUsage | null;
}

export interface BudgetUsage extends ParsedBudgetKey {
  budgetKey: string;
  unit: BudgetUnit;
  /** The newest limit seen, and the rule version it came from (0: unversioned). */
  limit: number;
  limitVersion: number;
  /** What the reservations ask for now (each reward's full value). */
  askedTotal: number;
  /** Every grant ever made (a grant raised later counts its increase). */
  grantedTotal: number;
  /** Everything given back by releases and lowered requests. */
  releasedTotal: number;
  /** Granted and not released: grantedTotal − releasedTotal. */
  outstanding: number;
  /** Of the outstanding value, what lies above a lowered limit (granted under an older one). */
  overLimit: number;
  /** max(0, limit − outstanding). */
  remaining: number;
  /** Reservations asking for something, and those granted less than they asked. */
  reservations: number;
  partialReservations: number;
  updatedAtMs: number;
  /** The layout wallets are sent to now (1: unsplit); the figures above sum every part. */
  parts: number;
  /**
   * True when a part did not answer: its figures are the root's view of it (what it is lent,
   * counted as granted). Absent when every part answered.
   */
  partial?: boolean;
}

const MAX_ID_LENGTH = 256;

export class BudgetDurableObject extends DurableObject<BudgetEnv> {
  private readonly sql: SqlStorage;
  private readonly log = createLogger({ worker: "campaign-budget" });

  private readonly partSide: BudgetPartSide;
  /** The reclaim a lowered carried limit started (lowerThenReclaim), for later tellers. */
  private reclaiming: Promise<unknown> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: BudgetEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => applyBudgetKeySchema(ctx.storage));
    this.partSide = new BudgetPartSide({
      storage: ctx.storage,
      sql: this.sql,
      env,
      reserveSync: (input, nowMs) => this.reserveSync(input, nowMs),
      assertInvariants: (granted) => this.assertInvariants(granted),
    });
  }

  /**
   * Grants the reward min(desired, what remains under the newest limit), idempotent per
   * (holder, reference): a repeat returns the same grant, a changed desired value adjusts it.
   * Throws a RangeError for a malformed request (a caller's bug, never a runtime condition).
   *
   * @example
   * await budgetFor(env, key).reserve({ budgetKey: key, unit: "points", limit: 500,
   *   limitVersion: 7, holder: "u9", reference: "evt-1:r1:0", desired: 120, seq: 1 });
   * // { status: "granted", granted: 120, desired: 120, remaining: 380, seq: 1, unit: "points", limit: 500 }
   */
  reserve(input: BudgetReserveInput, nowMs: number = Date.now()): Promise<BudgetReserveResult> {
    // Checked before anything is awaited, so a malformed request throws at the call.
    checkInput(input);
    const carried = carriedTermsOf(input);
    // A stale request changes nothing, not even the limit (decide-budget.ts).
    const lowering = carried && !this.isStale(input) ? this.lowerThenReclaim(carried, nowMs) : null;
    return (lowering ?? Promise.resolve())
      .then(() => this.reclaimFor(input))
      .then(() =>
        this.serve(input.budgetKey, () => {
          const result = this.reserveSync(input, nowMs);
          if (carried) this.unsplitIfNewest(input, nowMs);
          return result;
        }),
      );
  }

  /** Gives the reward's whole grant back (the reward was rolled back). */
  release(input: BudgetReleaseInput, nowMs: number = Date.now()): Promise<BudgetReserveResult> {
    const request = { ...input, desired: 0 };
    checkInput(request);
    return this.serve(input.budgetKey, () => this.reserveSync(request, nowMs));
  }

  /**
   * Sets the budget's limit (creating the budget when it has none), as the campaign API does
   * for a campaign's rule budget; later requests need not carry a limit. The configured limit
   * replaces the recorded one; the recorded `limitVersion` only grows (max of the two), so a
   * late request from an older rule version does not move the limit back. Refused, with
   * nothing written, below what is outstanding (what was granted is not taken back) or in
   * another unit. Throws a RangeError for a malformed request.
   *
   * @example
   * await budgetFor(env, key).configure({ budgetKey: key, unit: "INR", limit: 100_000 });
   * // { status: "configured", usage: { limit: 100_000, outstanding: 0, … } }
   */
  configure(
    input: BudgetConfigureInput,
    nowMs: number = Date.now(),
  ): Promise<BudgetConfigureResult> {
    // Checked before anything is awaited, so a malformed request throws at the call.
    checkInput({ ...input, holder: "-", reference: "-", desired: 0, seq: 1 });
    if (input.parts !== undefined && !isPartCount(input.parts)) {
      throw new RangeError(`parts must be 1–64, got ${input.parts}`);
    }
    return this.configureChecked(input, nowMs);
  }

  private async configureChecked(
    input: BudgetConfigureInput,
    nowMs: number,
  ): Promise<BudgetConfigureResult> {
    await this.reclaimForLimit(input);
    return this.serve(input.budgetKey, () => {
      const budget = this.readBudget(input.budgetKey);
      const decision = decideConfigure(budget && stateOf(budget), input);
      if (decision.action !== "set") return { status: decision.action, usage: this.usageNow() };
      if (decision.create) insertBudgetKeyRow(this.sql, input, decision.terms, nowMs);
      else updateTerms(this.sql, decision.terms, nowMs);
      if (input.parts !== undefined) this.setLayout(input.budgetKey, input.parts, nowMs);
      this.assertInvariants(false);
      return { status: "configured", usage: this.usageNow() };
    });
  }

  /**
   * The layout wallets are sent to (1 when never split), for the wallets' short-lived cache
   * (client.ts); a read, so the budget's own object is asked about once per isolate, not once
   * per reservation.
   */
  layout(): { parts: number } {
    return { parts: readLayout(this.sql)?.parts ?? 1 };
  }

  /**
   * The root's side of a split: a part reads (no `desired`) or changes what it is lent, as a
   * reservation of its own numbered by the part. Every part of every layout the budget used
   * may ask; a layout it never had is `unknown_layout`.
   */
  allot(input: AllotmentRequest, nowMs: number = Date.now()): Promise<AllotmentAnswer> {
    if (!isBudgetPart(input)) throw new RangeError("not a part of a split budget");
    if (input.limit !== undefined) {
      checkInput({
        ...input,
        unit: input.unit ?? "",
        holder: "-",
        reference: "-",
        desired: 0,
        seq: 1,
      });
    }
    if (input.desired !== undefined) {
      checkInput({
        ...input,
        unit: "points",
        holder: "-",
        reference: "-",
        desired: input.desired,
        seq: input.seq ?? 0,
      });
    }
    return this.allotChecked(input, nowMs);
  }

  private async allotChecked(input: AllotmentRequest, nowMs: number): Promise<AllotmentAnswer> {
    const carried = carriedTermsOf(input);
    if (carried) await this.lowerThenReclaim(carried, nowMs);
    return this.serve(input.budgetKey, (): AllotmentAnswer => {
      if (carried) this.adoptCarried(carried, input, nowMs);
      const answer = this.allotSyncAnswer(input, nowMs);
      // The root's terms after the call, which the part keeps (part-side.ts `rootTerms`).
      const budget = this.budgetRow();
      return {
        ...answer,
        limit: budget?.limit_value ?? 0,
        limitVersion: budget?.limit_version ?? 0,
      };
    });
  }

  /** The allot call's answer but the root's terms (inside its transaction). */
  private allotSyncAnswer(
    input: AllotmentRequest,
    nowMs: number,
  ): Omit<AllotmentAnswer, "limit" | "limitVersion"> {
    const budget = this.readBudget(input.budgetKey);
    const layout = readLayout(this.sql);
    const refusal = { unit: budget?.unit ?? "", granted: 0, desired: 0, seq: 0 };
    if (!budget) return { status: "not_configured", ...refusal, layouts: [] };
    if (!layout?.layouts.includes(input.parts)) {
      return { status: "unknown_layout", ...refusal, layouts: layout?.layouts ?? [] };
    }
    notePartContact(this.sql, allotmentHolder(input));
    if (input.desired === undefined || input.seq === undefined) {
      const held = readHeld(this.sql, allotmentHolder(input), ALLOTMENT_REFERENCE);
      return {
        status: "read",
        unit: budget.unit,
        granted: held?.granted ?? 0,
        desired: held?.desired ?? 0,
        seq: held?.seq ?? 0,
        layouts: layout.layouts,
      };
    }
    const result = this.allotSync(budget, input, input.desired, input.seq, nowMs);
    return {
      // The request is in the budget's own unit, so a mismatch cannot happen here.
      status: result.status === "unit_mismatch" ? "not_configured" : result.status,
      unit: result.unit,
      granted: result.granted,
      desired: result.desired,
      seq: result.seq,
      layouts: layout.layouts,
    };
  }

  /**
   * A rule budget's part handed the root the limit its request carried: the root adopts it
   * as its own request would (the newest version's; creating the budget at the first), and
   * a layout no part used before is registered and shared out (`setLayout`), so a rule's
   * `parts` needs no configure. Inside the allot transaction.
   */
  private adoptCarried(carried: CarriedLimit, part: BudgetPart, nowMs: number): void {
    const budget = this.readBudget(carried.budgetKey);
    if (budget && budget.unit !== carried.unit) return;
    const terms = adoptedTerms(budget && stateOf(budget), carried);
    if (!budget) {
      insertBudgetKeyRow(this.sql, carried, terms, nowMs);
    } else if (terms.limit !== budget.limit_value || terms.limitVersion !== budget.limit_version) {
      updateTerms(this.sql, terms, nowMs);
    }
    this.assertInvariants(false);
    const layout = readLayout(this.sql);
    if (!layout?.layouts.includes(part.parts)) {
      this.setLayout(carried.budgetKey, part.parts, nowMs);
    } else if (
      layout.parts !== part.parts &&
      carried.limitVersion &&
      carried.limitVersion === terms.limitVersion
    ) {
      // The newest version is split into a layout the budget used before (4 → 1 → 4): it is
      // the layout again; its parts kept what they were lent.
      this.setLayout(carried.budgetKey, part.parts, nowMs);
    }
  }

  /**
   * A carried limit that lowers the root's is adopted at once (what is outstanding above it is
   * `overLimit`, as decide-budget.ts records it), and only then does the root ask every part
   * to give its spare back (as `configure` does), so the parts' unspent allotments do not keep
   * granting under the older, higher limit: a dry part that borrows while the root awaits the
   * others is judged against the new limit, and what is granted after stays within it, as in
   * one object. The reclaim only matters to a rule budget whose root already has a layout.
   */
  private async lowerThenReclaim(carried: CarriedLimit, nowMs: number): Promise<void> {
    const lowered = this.ctx.storage.transactionSync(() => {
      const budget = this.budgetRow();
      if (!budget || budget.unit !== carried.unit) return null;
      const terms = adoptedTerms(stateOf(budget), carried);
      if (terms.limit >= budget.limit_value) return null;
      updateTerms(this.sql, terms, nowMs);
      this.assertInvariants(false);
      return terms;
    });
    if (!lowered) {
      // Already lowered by another part's telling: its reclaim may still be under way, and
      // the caller judges its requests by its allotment as soon as this answers.
      await this.reclaiming;
      return;
    }
    const reclaim = this.reclaimForLimit({ ...carried, limit: lowered.limit });
    this.reclaiming = reclaim.catch(() => undefined);
    await reclaim;
  }

  /** True when the holder's recorded request is as new as this one (nothing will change). */
  private isStale(input: BudgetReserveInput): boolean {
    const current = readHeld(this.sql, input.holder, input.reference);
    return current !== null && input.seq < current.seq;
  }

  /**
   * A rule budget that went back to one object: a request of the newest rule version reached
   * the root itself (a version's requests all go where its `parts` says, so that version is
   * unsplit), and the layout becomes 1 again, as `layout()` and `usage().parts` report. The
   * older layouts' parts keep what they were lent and give it back when the root runs short
   * (`reclaimFor`). A request without a version (or version 0, saved before versions were
   * sent) says nothing about the layout. Inside the reserve transaction.
   */
  private unsplitIfNewest(input: BudgetReserveInput, nowMs: number): void {
    const layout = readLayout(this.sql);
    const budget = this.budgetRow();
    if (!layout || layout.parts === 1 || !budget || !input.limitVersion) return;
    if (budget.unit !== input.unit || input.limitVersion !== budget.limit_version) return;
    this.setLayout(input.budgetKey, 1, nowMs);
  }

  /** A reservation in this part of a split budget (the wallet's part: `shardOf(user, parts)`). */
  reservePart(input: PartRequest, nowMs: number = Date.now()): Promise<BudgetReserveResult> {
    checkInput(input);
    return this.partSide.reserve(input, nowMs);
  }

  /** Gives the reward's whole grant back to this part. */
  releasePart(
    input: Omit<PartRequest, "desired">,
    nowMs: number = Date.now(),
  ): Promise<BudgetReserveResult> {
    const request = { ...input, desired: 0 };
    checkInput(request);
    return this.partSide.reserve(request, nowMs);
  }

  /** A dry sibling's ask: give up to `amount` of this part's spare back to the root. */
  yieldSpare(input: BudgetPart & { budgetKey: string; amount: number }): Promise<number> {
    return this.partSide.yieldSpare(input);
  }

  /** This part's figures, for the root's sum; null before the part was first used. */
  partUsage(): PartUsage | null {
    return this.partSide.usage();
  }

  /**
   * Sets the layout. A layout used for the first time takes what the root has not lent out,
   * split evenly (splitShares: the parts sum to it exactly), each part's share lent as its
   * first allotment request; parts of older layouts keep what they hold and give it up when a
   * dry part asks. Inside the configure transaction.
   */
  private setLayout(budgetKey: string, parts: number, nowMs: number): void {
    const layout = readLayout(this.sql);
    if ((layout?.parts ?? 1) === parts) return;
    const seen = layout?.layouts.includes(parts) ?? false;
    const layouts = seen ? (layout as LayoutRow).layouts : [...(layout?.layouts ?? []), parts];
    saveLayout(this.sql, parts, layouts);
    if (parts < 2 || seen) return;
    const budget = this.budgetRow() as BudgetKeyRow;
    const shares = splitShares(Math.max(0, budget.limit_value - outstandingOf(budget)), parts);
    shares.forEach((share, index) => {
      this.allotSync(this.budgetRow() as BudgetKeyRow, { parts, index }, share, 1, nowMs);
    });
    this.log.info("budget.layout_set", { budgetKey, parts });
  }

  /** One part's allotment request through the reservation step, its share of the totals kept. */
  private allotSync(
    budget: BudgetKeyRow,
    part: BudgetPart,
    desired: number,
    seq: number,
    nowMs: number,
  ): BudgetReserveResult {
    const holder = allotmentHolder(part);
    const before = readHeld(this.sql, holder, ALLOTMENT_REFERENCE);
    const result = this.reserveSync(
      {
        budgetKey: budget.budget_key,
        unit: budget.unit,
        holder,
        reference: ALLOTMENT_REFERENCE,
        desired,
        seq,
      },
      nowMs,
    );
    if (result.status === "granted") {
      const delta = result.granted - (before?.granted ?? 0);
      addAllotted(this.sql, {
        askedDelta: result.desired - (before?.desired ?? 0),
        granted: Math.max(delta, 0),
        released: Math.max(-delta, 0),
      });
    }
    return result;
  }

  /**
   * A limit lowered below what the root has lent out first asks every part to give its spare
   * back, so only what the parts really granted stops the change (as one object would).
   */
  private async reclaimForLimit(input: BudgetConfigureInput): Promise<void> {
    const layout = readLayout(this.sql);
    const budget = this.budgetRow();
    if (!layout || !budget || input.limit >= outstandingOf(budget)) return;
    for (const part of splitParts(layout)) {
      try {
        await this.partStub(input.budgetKey, part).yieldSpare({
          budgetKey: input.budgetKey,
          ...part,
          amount: Number.MAX_SAFE_INTEGER,
        });
      } catch (error) {
        this.log.warn("budget.reclaim_failed", { ...part, error: String(error).slice(0, 200) });
      }
    }
  }

  /**
   * A split budget's own object still serves the reservations pinned to it (made before the
   * split, or sent by a wallet whose layout cache is a few seconds old). What it lent to its
   * parts is not its to grant, so a request it cannot cover first asks the parts for spare.
   */
  private async reclaimFor(input: BudgetReserveInput): Promise<void> {
    const layout = readLayout(this.sql);
    if (!layout) return;
    for (const part of splitParts(layout)) {
      // Each part's spare comes back to this object's remaining, so the shortfall is re-read.
      const short = shortOfRequest(this.sql, input);
      if (short === 0) return;
      try {
        await this.partStub(input.budgetKey, part).yieldSpare({
          budgetKey: input.budgetKey,
          ...part,
          amount: short,
        });
      } catch (error) {
        this.log.warn("budget.reclaim_failed", { ...part, error: String(error).slice(0, 200) });
      }
    }
  }

  private partStub(budgetKey: string, part: BudgetPart) {
    return this.env.BUDGET.get(this.env.BUDGET.idFromName(partName(budgetKey, part)));
  }

  /**
   * Runs `mutate` in one storage transaction once the key is ready: a campaign's rule budget
   * with no row yet first takes over the campaign's legacy budget object.
   */
  private async serve<T>(budgetKey: string, mutate: () => T): Promise<T> {
    await this.importLegacy(budgetKey);
    return this.ctx.storage.transactionSync(mutate);
  }

  /**
   * For a campaign's rule budget that has no row yet: asks the campaign's legacy budget object
   * to hand over (every page), and writes the budget and its reservations in one transaction.
   * No other request runs meanwhile (blockConcurrencyWhile), so nothing can create the row
   * between the hand-over and the import; a failure in between (the legacy object unreachable,
   * a crash) leaves this object untouched, and the next request repeats the hand-over, which
   * answers the same. A never-configured legacy object (null) imports nothing.
   */
  private async importLegacy(budgetKey: string): Promise<void> {
    const parsed = parseBudgetKey(budgetKey) as ParsedBudgetKey;
    const campaignId = campaignOfBudgetKey(parsed);
    if (campaignId === null || this.budgetRow()) return;
    let failure: unknown = null;
    await this.ctx.blockConcurrencyWhile(async () => {
      // Caught here: an exception thrown out of blockConcurrencyWhile resets the object.
      try {
        if (this.budgetRow()) return;
        const handed = await this.readHandOver(campaignId);
        if (!handed) return;
        const plan = planLegacyImport(handed.header, handed.reservations);
        this.ctx.storage.transactionSync(() => {
          insertImported(this.sql, budgetKey, plan, handed.header.handedOverAtMs);
          this.assertInvariants(false);
        });
        this.log.info("budget.legacy_imported", {
          campaignId,
          reservations: plan.reservations.length,
          outstanding: plan.grantedTotal - plan.releasedTotal,
        });
      } catch (error) {
        failure = error;
      }
    });
    if (failure !== null) throw failure;
  }

  /** Every page of the legacy object's hand-over, or null when it was never configured. */
  private async readHandOver(campaignId: string): Promise<{
    header: Omit<CampaignBudgetHandOver, "reservations" | "next">;
    reservations: HandOverReservation[];
  } | null> {
    const legacy = this.env.CAMPAIGN_BUDGET.get(this.env.CAMPAIGN_BUDGET.idFromName(campaignId));
    let page = await legacy.handOver();
    if (!page) return null;
    const { reservations: first, next: _next, ...header } = page;
    assert(header.campaignId === campaignId, "legacy budget handed over another campaign");
    const reservations = [...first];
    while (page?.next) {
      page = await legacy.handOver(page.next);
      reservations.push(...(page?.reservations ?? []));
    }
    return { header, reservations };
  }

  private reserveSync(
    input: BudgetReserveInput & { desired: number },
    nowMs: number,
  ): BudgetReserveResult {
    const budget = this.readBudget(input.budgetKey);
    const current = readHeld(this.sql, input.holder, input.reference);
    const kind = campaignOfBudgetKey(parseBudgetKey(input.budgetKey) as ParsedBudgetKey)
      ? "configured"
      : "carried";
    const decision = decideBudget(budget && stateOf(budget), current, input, kind);
    if (decision.action === "not_configured") return notConfigured(input);
    if (decision.action === "unit_mismatch" || decision.action === "stale") {
      return this.answer(decision.action, current as Held | null, budget as BudgetKeyRow);
    }
    if (decision.action === "repeat") {
      if (decision.terms) {
        applyChange(this.sql, decision.terms, { askedDelta: 0, granted: 0, released: 0 }, nowMs);
        this.assertInvariants(false);
      }
      return this.answer("repeat", current as Held, this.budgetRow() as BudgetKeyRow);
    }
    const { row, delta, terms } = decision;
    if (!budget) insertBudgetKeyRow(this.sql, input, terms, nowMs);
    saveHeld(this.sql, input, row, nowMs);
    applyChange(
      this.sql,
      terms,
      {
        askedDelta: row.desired - (current?.desired ?? 0),
        granted: Math.max(delta, 0),
        released: Math.max(-delta, 0),
      },
      nowMs,
    );
    this.assertInvariants(delta > 0);
    return this.answer("granted", row, this.budgetRow() as BudgetKeyRow);
  }

  private answer(
    status: BudgetReserveStatus,
    row: Held | null,
    budget: BudgetKeyRow,
  ): BudgetReserveResult {
    return {
      status,
      granted: row?.granted ?? 0,
      desired: row?.desired ?? 0,
      remaining: Math.max(0, budget.limit_value - outstandingOf(budget)),
      seq: row?.seq ?? 0,
      unit: budget.unit,
      limit: budget.limit_value,
    };
  }

  /**
   * Terms, totals and the period; null before the first request reached this key. Given the
   * key (it must be the one this object serves), a campaign's rule budget takes over its
   * legacy budget first, so the campaign API reads the budget the wallets will draw on.
   *
   * @example
   * await budgetFor(env, key).usage(key) // BudgetUsage | null
   */
  async usage(budgetKey?: string): Promise<BudgetUsage | null> {
    if (budgetKey !== undefined) {
      if (!parseBudgetKey(budgetKey)) throw new RangeError("not a budget key");
      await this.importLegacy(budgetKey);
      this.readBudget(budgetKey);
    }
    const own = this.usageNow();
    const layout = readLayout(this.sql);
    if (!own || !layout) return own;
    const b = this.budgetRow() as BudgetKeyRow;
    // Only parts that ever asked the root can hold reservations; one that does not answer
    // leaves the sum partial, not failed.
    const contacted = readPartContacts(this.sql);
    const settled = await Promise.allSettled(
      // Inside an async callback: a holder that names no part rejects (counted as partial)
      // instead of throwing past allSettled.
      contacted.map(async (holder) =>
        this.partStub(b.budget_key, partOfAllotmentHolder(holder) as BudgetPart).partUsage(),
      ),
    );
    // The root's own figures less what it lent to parts, plus what the parts granted.
    let asked = b.asked_total - layout.allottedAsked;
    let granted = b.granted_total - layout.allottedGranted;
    let released = b.released_total - layout.allottedReleased;
    let { reservations, partialReservations, updatedAtMs } = own;
    let partial = false;
    for (const [i, result] of settled.entries()) {
      if (result.status === "rejected") {
        // The root's view of that part: all it lends counted as granted (an upper bound).
        partial = true;
        const lent = readHeld(this.sql, contacted[i] as string, ALLOTMENT_REFERENCE);
        asked += lent?.granted ?? 0;
        granted += lent?.granted ?? 0;
        this.log.warn("budget.part_usage_failed", {
          holder: contacted[i],
          error: String(result.reason).slice(0, 200),
        });
        continue;
      }
      const p = result.value;
      if (!p) continue;
      asked += p.askedTotal;
      granted += p.grantedTotal;
      released += p.releasedTotal;
      reservations += p.reservations;
      partialReservations += p.partialReservations;
      updatedAtMs = Math.max(updatedAtMs, p.updatedAtMs);
    }
    const outstanding = granted - released;
    return {
      ...own,
      askedTotal: asked,
      grantedTotal: granted,
      releasedTotal: released,
      outstanding,
      overLimit: Math.max(0, outstanding - b.limit_value),
      remaining: Math.max(0, b.limit_value - outstanding),
      reservations,
      partialReservations,
      updatedAtMs,
      ...(partial ? { partial } : {}),
    };
  }

  private usageNow(): BudgetUsage | null {
    const b = this.budgetRow();
    if (!b) return null;
    const parsed = parseBudgetKey(b.budget_key) as ParsedBudgetKey;
    const counts = reservationCounts(this.sql);
    const outstanding = outstandingOf(b);
    return {
      budgetKey: b.budget_key,
      ...parsed,
      unit: b.unit,
      limit: b.limit_value,
      limitVersion: b.limit_version,
      askedTotal: b.asked_total,
      grantedTotal: b.granted_total,
      releasedTotal: b.released_total,
      outstanding,
      overLimit: b.over_limit,
      remaining: Math.max(0, b.limit_value - outstanding),
      reservations: counts.n,
      partialReservations: counts.partial,
      updatedAtMs: b.updated_at_ms,
      parts: readLayout(this.sql)?.parts ?? 1,
    };
  }

  /**
   * Full audit, O(reservations): the running totals equal the sums of the rows, and the
   * outstanding value is within the limit (plus what a lowered limit left over it).
   */
  audit(): { ok: boolean; violations: string[] } {
    const violations: string[] = [];
    const b = this.budgetRow();
    if (!b) return { ok: true, violations };
    const sums = reservationSums(this.sql);
    const outstanding = outstandingOf(b);
    if (sums.granted !== outstanding) {
      violations.push(`reservations hold ${sums.granted}, totals say ${outstanding} outstanding`);
    }
    if (sums.asked !== b.asked_total) {
      violations.push(`reservations ask ${sums.asked}, totals say ${b.asked_total}`);
    }
    if (outstanding < 0 || outstanding > b.limit_value + b.over_limit) {
      violations.push(`outstanding ${outstanding} outside 0..${b.limit_value}+${b.over_limit}`);
    }
    if (b.over_limit !== Math.max(0, outstanding - b.limit_value)) {
      violations.push(`over_limit ${b.over_limit} for outstanding ${outstanding}`);
    }
    return { ok: violations.length === 0, violations };
  }

  private budgetRow(): BudgetKeyRow | null {
    return readBudgetKeyRow(this.sql);
  }

  private readBudget(budgetKey: string): BudgetKeyRow | null {
    const row = this.budgetRow();
    assert(!row || row.budget_key === budgetKey, "budget object addressed with another key");
    return row;
  }

  /**
   * Postcondition of every mutation; a failure throws, which rolls the transaction back.
   * granted − released ≤ limit after any grant; a release or a lowered limit may leave it
   * above the limit only by `over_limit`, which is exactly that excess.
   */
  private assertInvariants(granted: boolean): void {
    const b = this.budgetRow() as BudgetKeyRow;
    const outstanding = outstandingOf(b);
    assert(
      outstanding >= 0 &&
        outstanding <= b.limit_value + b.over_limit &&
        b.over_limit === Math.max(0, outstanding - b.limit_value) &&
        (!granted || outstanding <= b.limit_value) &&
        b.asked_total >= 0,
      `budget invariant broken: outstanding ${outstanding}, limit ${b.limit_value}, over ${b.over_limit}`,
    );
  }
}

/** A rule budget's carried terms, as the root adopts them. */
interface CarriedLimit {
  budgetKey: string;
  unit: BudgetUnit;
  limit: number;
  limitVersion?: number | undefined;
}

/**
 * The carried terms of a request to the root, or null: none carried, or a configured
 * (campaign) budget, whose limit and layout only `configure` sets.
 */
function carriedTermsOf(input: {
  budgetKey: string;
  unit?: string | undefined;
  limit?: number | undefined;
  limitVersion?: number | undefined;
}): CarriedLimit | null {
  if (input.limit === undefined || input.unit === undefined) return null;
  if (campaignOfBudgetKey(parseBudgetKey(input.budgetKey) as ParsedBudgetKey) !== null) return null;
  return {
    budgetKey: input.budgetKey,
    unit: input.unit,
    limit: input.limit,
    limitVersion: input.limitVersion,
  };
}

/** Every part of every split layout the budget has used (layout 1 is the root itself). */
function splitParts(layout: LayoutRow): BudgetPart[] {
  return layout.layouts
    .filter((parts) => parts >= 2)
    .flatMap((parts) => Array.from({ length: parts }, (_, index) => ({ parts, index })));
}

function stateOf(b: BudgetKeyRow): BudgetState {
  return {
    unit: b.unit,
    limit: b.limit_value,
    limitVersion: b.limit_version,
    outstanding: outstandingOf(b),
    overLimit: b.over_limit,
  };
}

function checkInput(input: {
  budgetKey: string;
  unit: string;
  holder: string;
  reference: string;
  desired: number;
  seq: number;
  limit?: number | undefined;
  limitVersion?: number | undefined;
}): void {
  if (typeof input.budgetKey !== "string" || !parseBudgetKey(input.budgetKey)) {
    throw new RangeError(`not a budget key: ${String(input.budgetKey).slice(0, 80)}`);
  }
  if (!isBudgetUnit(input.unit)) {
    throw new RangeError(`unit must be "points" or a currency code, got ${String(input.unit)}`);
  }
  for (const [name, value] of [
    ["holder", input.holder],
    ["reference", input.reference],
  ] as const) {
    if (typeof value !== "string" || value.length === 0 || value.length > MAX_ID_LENGTH) {
      throw new RangeError(`${name} must be 1–${MAX_ID_LENGTH} characters`);
    }
  }
  for (const [name, value] of [
    ["desired", input.desired],
    ["limit", input.limit ?? 0],
    ["limitVersion", input.limitVersion ?? 0],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`${name} must be a non-negative safe integer, got ${value}`);
    }
  }
  if (!Number.isSafeInteger(input.seq) || input.seq < 1) {
    throw new RangeError(`seq must be a positive integer, got ${input.seq}`);
  }
}
