import { utf8 } from "#shared/crypto/encoding";
import { constantTimeEqual } from "#shared/crypto/hmac";
import { signPostback } from "#shared/postback/signature";
import {
  DEFAULT_SANDBOX_FEED,
  type SandboxFeed,
  type SandboxFeedInput,
  type SandboxFeedOfferInput,
  SandboxFeedOfferSchema,
  SandboxFeedSchema,
} from "./feed";
import {
  type FormatSettings,
  formatRequest,
  postbackParams,
  type RenderedOrder,
  type ReportContext,
  SANDBOX_FORMATS,
} from "./formats/index";
import { handleSandboxRequest } from "./http";
import { Mulberry32 } from "./prng";
import {
  type CorrectionInput,
  type EndpointFault,
  MAX_TIME_MS,
  MIN_TIME_MS,
  type NetworkFaults,
  NO_FAULTS,
  type OrderVersion,
  type OutboxEntry,
  type PlaceOrderInput,
  type PostbackFaults,
  type PostbackLogEntry,
  type RefundInput,
  type ReportQuery,
  type ReportResponse,
  SANDBOX_LIMITS,
  type SandboxChange,
  type SandboxClick,
  type SandboxDelivery,
  SandboxError,
  type SandboxLineItem,
  type SandboxNetworkOptions,
  type SandboxOperation,
  type SandboxOrder,
  type SandboxRuntime,
  type SandboxState,
  type SandboxStatus,
} from "./types";
import { compareKeys, decodeCursor, encodeCursor, wireBody } from "./wire";

const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;
/** True when the text has a C0 control character or DEL (no regex: Biome forbids control ranges). */
function hasControlChars(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
const MAX_AMOUNT_MINOR = 1_000_000_000_000;
const STATUSES: readonly SandboxStatus[] = ["pending", "approved", "cancelled"];

/**
 * An affiliate network that lives in memory: it takes orders against sub-IDs, changes their
 * status the way a real network does (approval, cancellation or return, partial refund,
 * correction) and, for every change, queues the signed generic postback it would send —
 * with the delivery faults real networks have (duplicates, losses, delays, reordering). Its
 * report and feed APIs answer from the same state, so reconciliation can be tested against
 * a network whose postbacks went missing.
 *
 * Pure and deterministic: no I/O, no clock except the `atMs`/`nowMs` callers pass (and
 * `runtime.now` inside `handle`), randomness only from the seeded PRNG. The same seed and the
 * same calls give the same postbacks in the same order.
 *
 * @example
 * const net = new SandboxNetwork({ networkId: "sandbox-network", postbackSecret: SECRET, seed: 7 });
 * net.placeOrder({ orderId: "ORD-1", subId, currency: "INR", saleAmountMinor: 129900,
 *   commissionMinor: 9000, category: "electronics", atMs: t0 });
 * net.approve("ORD-1", t0 + 60_000);
 * for (const d of await net.drainPostbacks(t0 + 60_000)) {
 *   await postbackWorker.fetch(deliveryRequest(d, "https://postback.test"), env, ctx);
 * }
 */
export class SandboxNetwork {
  readonly networkId: string;
  readonly postbackSecret: string;
  readonly seed: number;
  readonly reportPageSize: number;
  readonly reportLagMs: number;
  readonly extendedFields: boolean;
  readonly requireClick: boolean;
  /** The wire format and the credentials its report API wants. */
  readonly formatSettings: FormatSettings;
  readonly runtime: Required<SandboxRuntime>;

  #prng: Mulberry32;
  #faults: NetworkFaults;
  #feed: SandboxFeed;
  #orders = new Map<string, SandboxOrder>();
  #outbox: OutboxEntry[] = [];
  #clicks: SandboxClick[] = [];
  #log: PostbackLogEntry[] = [];
  #nextSeq = 1;

  constructor(options: SandboxNetworkOptions, runtime: SandboxRuntime = {}) {
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(options.networkId)) {
      throw new SandboxError("invalid_input", "networkId must be a lower-case slug");
    }
    if (options.postbackSecret.length < 24 || options.postbackSecret.length > 256) {
      throw new SandboxError("invalid_input", "postbackSecret must be 24 to 256 characters");
    }
    this.networkId = options.networkId;
    this.postbackSecret = options.postbackSecret;
    this.seed = options.seed ?? 1;
    if (!Number.isSafeInteger(this.seed))
      throw new SandboxError("invalid_input", "seed must be an integer");
    this.#prng = new Mulberry32(this.seed);
    this.reportPageSize = options.reportPageSize ?? 100;
    assertInt(this.reportPageSize, "reportPageSize", 1, SANDBOX_LIMITS.maxReportPageSize);
    this.reportLagMs = options.reportLagMs ?? 0;
    assertInt(this.reportLagMs, "reportLagMs", 0, SANDBOX_LIMITS.maxDelayMs);
    this.extendedFields = options.extendedFields ?? true;
    this.requireClick = options.requireClick ?? false;
    this.#feed = parseFeed(options.feed ?? DEFAULT_SANDBOX_FEED);
    this.#faults = mergeFaults(NO_FAULTS, options.faults ?? {});
    this.formatSettings = checkFormatSettings({
      format: options.format ?? "generic",
      reportApiToken: options.reportApiToken ?? options.postbackSecret,
      accountSid: options.accountSid ?? DEFAULT_ACCOUNT_SID,
      publisherId: options.publisherId ?? DEFAULT_PUBLISHER_ID,
    });
    this.runtime = {
      now: runtime.now ?? (() => Date.now()),
      sleep: runtime.sleep ?? abortableSleep,
      basePath: runtime.basePath ?? "",
    };
  }

  /**
   * Rebuilds a sandbox from `toState()`, continuing the same PRNG sequence. `override`
   * replaces the identity (a worker whose configured secret changed keeps its orders).
   */
  static restore(
    state: SandboxState,
    runtime: SandboxRuntime = {},
    override: {
      networkId?: string;
      postbackSecret?: string;
      formatSettings?: FormatSettings;
    } = {},
  ): SandboxNetwork {
    if (state.version !== 1)
      throw new SandboxError("invalid_input", "unknown sandbox state version");
    const network = new SandboxNetwork(
      {
        networkId: override.networkId ?? state.networkId,
        postbackSecret: override.postbackSecret ?? state.postbackSecret,
        seed: state.seed,
        reportPageSize: state.reportPageSize,
        reportLagMs: state.reportLagMs,
        extendedFields: state.extendedFields,
        requireClick: state.requireClick,
        feed: state.feed,
        faults: state.faults,
        ...(override.formatSettings ?? state.formatSettings ?? {}),
      },
      runtime,
    );
    network.#prng = new Mulberry32(state.prngState);
    for (const order of state.orders) network.#orders.set(order.orderId, structuredClone(order));
    network.#outbox = structuredClone(state.outbox);
    network.#clicks = structuredClone(state.clicks);
    network.#log = structuredClone(state.log);
    network.#nextSeq = state.nextSeq;
    return network;
  }

  /** The whole sandbox as plain JSON. */
  toState(): SandboxState {
    return structuredClone({
      version: 1,
      networkId: this.networkId,
      postbackSecret: this.postbackSecret,
      seed: this.seed,
      prngState: this.#prng.state,
      reportPageSize: this.reportPageSize,
      reportLagMs: this.reportLagMs,
      extendedFields: this.extendedFields,
      requireClick: this.requireClick,
      faults: this.#faults,
      feed: this.#feed,
      orders: [...this.#orders.values()],
      outbox: this.#outbox,
      clicks: this.#clicks,
      log: this.#log,
      nextSeq: this.#nextSeq,
      // Only when not generic, so a generic network's state is what it always was.
      ...(this.formatSettings.format === "generic" ? {} : { formatSettings: this.formatSettings }),
    });
  }

  /** The wire format this network speaks. */
  get format(): FormatSettings["format"] {
    return this.formatSettings.format;
  }

  // ---- clicks ---------------------------------------------------------------------------

  /**
   * Records that a shopper arrived through a tracking link carrying `subId` (what
   * `GET /click` does). Only matters with `requireClick`, and for tests that read back the
   * sub-ID the redirect worker minted.
   */
  recordClick(
    subId: string,
    atMs: number = this.runtime.now(),
    offerRef: string | null = null,
  ): SandboxClick {
    if (subId.length === 0 || subId.length > 400 || !PRINTABLE_ASCII.test(subId)) {
      throw new SandboxError("invalid_input", "subId must be 1-400 printable ASCII characters");
    }
    assertTime(atMs, "atMs");
    if (offerRef !== null && (offerRef.length > 128 || hasControlChars(offerRef))) {
      throw new SandboxError("invalid_input", "offerRef must be at most 128 characters");
    }
    const click: SandboxClick = { subId, atMs, offerRef };
    if (this.#clicks.length >= SANDBOX_LIMITS.maxClicks) this.#clicks.shift();
    this.#clicks.push(click);
    return { ...click };
  }

  /** Clicks seen, oldest first (the last `SANDBOX_LIMITS.maxClicks`). */
  clicks(): SandboxClick[] {
    return this.#clicks.map((c) => ({ ...c }));
  }

  // ---- orders ---------------------------------------------------------------------------

  /** The `offer` of the last click with this sub-ID; never for generic (it does not send one). */
  #clickedCampaign(subId: string): string | null {
    if (this.formatSettings.format === "generic") return null;
    for (let i = this.#clicks.length - 1; i >= 0; i--) {
      const click = this.#clicks[i] as SandboxClick;
      if (click.subId === subId) return click.offerRef;
    }
    return null;
  }

  /** A new order, `pending` unless `status` says otherwise (some offers approve at once). */
  placeOrder(input: PlaceOrderInput): SandboxChange {
    if (
      typeof input.orderId !== "string" ||
      input.orderId.length > 128 ||
      !PRINTABLE_ASCII.test(input.orderId)
    ) {
      throw new SandboxError("invalid_input", "orderId must be 1-128 printable ASCII characters");
    }
    if (
      typeof input.subId !== "string" ||
      input.subId.length > 400 ||
      !PRINTABLE_ASCII.test(input.subId)
    ) {
      throw new SandboxError("invalid_input", "subId must be 1-400 printable ASCII characters");
    }
    if (!/^[A-Z]{3}$/.test(input.currency)) {
      throw new SandboxError("invalid_input", "currency must be a 3-letter ISO 4217 code");
    }
    const status = input.status ?? "pending";
    assertStatus(status);
    assertAmount(input.saleAmountMinor, "saleAmountMinor");
    assertAmount(input.commissionMinor, "commissionMinor");
    assertCategory(input.category ?? null, "category");
    const lineItems = input.lineItems === undefined ? null : checkLineItems(input.lineItems);
    assertTime(input.atMs, "atMs");
    const faults = checkPostbackFaults(input.faults);
    if (this.#orders.has(input.orderId)) {
      throw new SandboxError("duplicate_order", `order ${input.orderId} already exists`);
    }
    if (this.#orders.size >= SANDBOX_LIMITS.maxOrders) {
      throw new SandboxError(
        "limit_exceeded",
        `the sandbox holds at most ${SANDBOX_LIMITS.maxOrders} orders`,
      );
    }
    if (this.requireClick && !this.#clicks.some((c) => c.subId === input.subId)) {
      throw new SandboxError("no_click", "the network saw no click with this sub-ID");
    }
    this.#assertOutboxRoom(faults);
    if (
      input.campaignRef !== undefined &&
      (typeof input.campaignRef !== "string" ||
        input.campaignRef.length === 0 ||
        input.campaignRef.length > 128 ||
        hasControlChars(input.campaignRef))
    ) {
      throw new SandboxError("invalid_input", "campaignRef must be 1-128 characters");
    }
    const campaignRef = input.campaignRef ?? this.#clickedCampaign(input.subId);
    const order: SandboxOrder = {
      orderId: input.orderId,
      subId: input.subId,
      currency: input.currency,
      occurredAtMs: input.atMs,
      ...(campaignRef !== null ? { campaignRef } : {}),
      versions: [
        {
          op: "place",
          status,
          saleAmountMinor: input.saleAmountMinor,
          commissionMinor: input.commissionMinor,
          category: input.category ?? null,
          lineItems,
          updatedAtMs: input.atMs,
        },
      ],
    };
    this.#orders.set(order.orderId, order);
    return { order: structuredClone(order), postback: this.#emit(order, faults) };
  }

  /** pending → approved. */
  approve(orderId: string, atMs: number, faults?: PostbackFaults): SandboxChange {
    return this.#change(orderId, atMs, "approve", faults, (current) => {
      if (current.status !== "pending") {
        throw new SandboxError("invalid_transition", `cannot approve a ${current.status} order`);
      }
      return { ...current, status: "approved" };
    });
  }

  /** pending or approved → cancelled (after approval this is a return). Amounts are kept. */
  cancel(orderId: string, atMs: number, faults?: PostbackFaults): SandboxChange {
    return this.#change(orderId, atMs, "cancel", faults, (current) => {
      if (current.status === "cancelled") {
        throw new SandboxError("invalid_transition", "the order is already cancelled");
      }
      return { ...current, status: "cancelled" };
    });
  }

  /**
   * A partial refund: subtracts the refunded amounts; the postback carries the amounts that
   * remain. Refunding the whole sale amount cancels the order. An order with line items
   * needs its lines after the refund in `refund.lineItems`.
   */
  refund(
    orderId: string,
    refund: RefundInput,
    atMs: number,
    faults?: PostbackFaults,
  ): SandboxChange {
    assertAmount(refund.saleAmountMinor, "saleAmountMinor");
    assertAmount(refund.commissionMinor, "commissionMinor");
    const lines = refund.lineItems === undefined ? undefined : checkLineItems(refund.lineItems);
    return this.#change(orderId, atMs, "refund", faults, (current) => {
      if (current.status === "cancelled") {
        throw new SandboxError("invalid_transition", "cannot refund a cancelled order");
      }
      if (refund.saleAmountMinor === 0 && refund.commissionMinor === 0) {
        throw new SandboxError("invalid_input", "a refund takes back a positive amount");
      }
      if (
        refund.saleAmountMinor > current.saleAmountMinor ||
        refund.commissionMinor > current.commissionMinor
      ) {
        throw new SandboxError(
          "invalid_input",
          "a refund cannot exceed the order's current amounts",
        );
      }
      if (current.lineItems !== null && lines === undefined) {
        throw new SandboxError(
          "invalid_input",
          "the order has line items: give its lines after the refund",
        );
      }
      const saleAmountMinor = current.saleAmountMinor - refund.saleAmountMinor;
      return {
        ...current,
        status: saleAmountMinor === 0 ? "cancelled" : current.status,
        saleAmountMinor,
        commissionMinor: current.commissionMinor - refund.commissionMinor,
        lineItems: lines ?? current.lineItems,
      };
    });
  }

  /**
   * The network changes its mind: any of status, amounts, category and lines, with no
   * transition rules (a declined order re-approved, a commission corrected upwards).
   */
  correct(
    orderId: string,
    patch: CorrectionInput,
    atMs: number,
    faults?: PostbackFaults,
  ): SandboxChange {
    const keys = (
      ["status", "saleAmountMinor", "commissionMinor", "category", "lineItems"] as const
    ).filter((key) => patch[key] !== undefined);
    if (keys.length === 0)
      throw new SandboxError("invalid_input", "a correction changes at least one field");
    if (patch.status !== undefined) assertStatus(patch.status);
    if (patch.saleAmountMinor !== undefined) assertAmount(patch.saleAmountMinor, "saleAmountMinor");
    if (patch.commissionMinor !== undefined) assertAmount(patch.commissionMinor, "commissionMinor");
    if (patch.category !== undefined) assertCategory(patch.category, "category");
    const lines =
      patch.lineItems === undefined || patch.lineItems === null
        ? patch.lineItems
        : checkLineItems(patch.lineItems);
    return this.#change(orderId, atMs, "correct", faults, (current) => ({
      ...current,
      status: patch.status ?? current.status,
      saleAmountMinor: patch.saleAmountMinor ?? current.saleAmountMinor,
      commissionMinor: patch.commissionMinor ?? current.commissionMinor,
      category: patch.category === undefined ? current.category : patch.category,
      lineItems: lines === undefined ? current.lineItems : lines,
    }));
  }

  /** One order with its history, or null. */
  order(orderId: string): SandboxOrder | null {
    const order = this.#orders.get(orderId);
    return order === undefined ? null : structuredClone(order);
  }

  /** Every order, in the order they were placed. */
  orders(): SandboxOrder[] {
    return structuredClone([...this.#orders.values()]);
  }

  #change(
    orderId: string,
    atMs: number,
    op: SandboxOperation,
    postbackFaults: PostbackFaults | undefined,
    next: (current: OrderVersion) => Omit<OrderVersion, "op" | "updatedAtMs">,
  ): SandboxChange {
    assertTime(atMs, "atMs");
    const faults = checkPostbackFaults(postbackFaults);
    const order = this.#orders.get(orderId);
    if (order === undefined) throw new SandboxError("unknown_order", `no order ${orderId}`);
    const current = order.versions[order.versions.length - 1] as OrderVersion;
    // Strictly later: Boomerang applies updates newest-wins on updated_at, so two changes at
    // the same instant would leave the outcome to arrival order.
    if (atMs <= current.updatedAtMs) {
      throw new SandboxError("stale_time", "a change must be later than the order's last change");
    }
    if (order.versions.length >= SANDBOX_LIMITS.maxVersionsPerOrder) {
      throw new SandboxError(
        "limit_exceeded",
        `an order keeps at most ${SANDBOX_LIMITS.maxVersionsPerOrder} changes`,
      );
    }
    const state = next(current);
    this.#assertOutboxRoom(faults);
    // Every check is above this line: a refused operation changes nothing.
    order.versions.push({ ...state, op, updatedAtMs: atMs });
    return { order: structuredClone(order), postback: this.#emit(order, faults) };
  }

  // ---- postbacks ------------------------------------------------------------------------

  /** Queues the postback for the order's latest change, applying the configured faults. */
  #emit(order: SandboxOrder, faults: PostbackFaults): PostbackLogEntry {
    const version = order.versions[order.versions.length - 1] as OrderVersion;
    const seq = this.#nextSeq++;
    const copies = faults.duplicates ?? this.#faults.duplicates;
    const lost = faults.lose ?? (this.#faults.lose || this.#prng.chance(this.#faults.loseRate));
    const dueAtMs = version.updatedAtMs + (faults.delayMs ?? this.#faults.delayMs);
    const entry: PostbackLogEntry = {
      seq,
      orderId: order.orderId,
      op: version.op,
      status: version.status,
      fate: lost ? "lost" : "queued",
      copies: lost ? 0 : copies,
      dueAtMs,
    };
    if (!lost) {
      const body = JSON.stringify(wireBody(order, version, this.extendedFields));
      const params = postbackParams(this.formatSettings.format, this.#rendered(order));
      for (let copy = 1; copy <= copies; copy++) {
        const jitter =
          this.#faults.delayJitterMs > 0 ? this.#prng.int(this.#faults.delayJitterMs + 1) : 0;
        this.#outbox.push({
          seq,
          copy,
          orderId: order.orderId,
          status: version.status,
          body,
          ...(params !== null ? { params } : {}),
          dueAtMs: dueAtMs + jitter,
          attempts: 0,
        });
      }
    }
    if (this.#log.length >= SANDBOX_LIMITS.maxLog) this.#log.shift();
    this.#log.push(entry);
    return { ...entry };
  }

  /** The order as a format renders it now: its index and every version so far. */
  #rendered(order: SandboxOrder): RenderedOrder {
    return { order, index: this.#indexOf(order.orderId), versions: order.versions };
  }

  #indexOf(orderId: string): number {
    let index = 0;
    for (const id of this.#orders.keys()) {
      if (id === orderId) return index;
      index++;
    }
    return -1;
  }

  #assertOutboxRoom(faults: PostbackFaults): void {
    const copies = faults.duplicates ?? this.#faults.duplicates;
    if (this.#outbox.length + copies > SANDBOX_LIMITS.maxOutbox) {
      throw new SandboxError("limit_exceeded", "the outbox is full: drain it first");
    }
  }

  /**
   * Takes every postback copy due at `nowMs` out of the outbox and signs it with
   * `t = floor(nowMs / 1000)`, as a network signs at send time. Delivery order is due time,
   * then sequence, or a seeded shuffle with the `shuffle` fault. At most `limit` are taken;
   * the rest stay queued.
   *
   * @example
   * for (const d of await net.drainPostbacks(now)) await fetch(deliveryRequest(d, base));
   */
  async drainPostbacks(
    nowMs: number,
    limit: number = SANDBOX_LIMITS.maxDrain,
  ): Promise<SandboxDelivery[]> {
    assertTime(nowMs, "nowMs");
    assertInt(limit, "limit", 1, SANDBOX_LIMITS.maxDrain);
    // Everything up to the first await runs synchronously, so a caller that interleaves
    // (a Durable Object awaiting a fetch) cannot drain the same copy twice.
    const due = this.#outbox
      .filter((entry) => entry.dueAtMs <= nowMs)
      .sort((a, b) => a.dueAtMs - b.dueAtMs || a.seq - b.seq || a.copy - b.copy);
    if (this.#faults.shuffle) this.#prng.shuffle(due);
    const taken = due.slice(0, limit);
    const takenSet = new Set(taken);
    this.#outbox = this.#outbox.filter((entry) => !takenSet.has(entry));
    const signedAtSec = Math.floor(nowMs / 1000);
    const path = `/postback/${this.networkId}`;
    const signatures = new Map<string, Promise<string>>();
    const deliveries: SandboxDelivery[] = [];
    for (const entry of taken) {
      const format = this.formatSettings.format;
      if (entry.params !== undefined && format !== "generic") {
        const wire = await formatRequest(
          format,
          this.networkId,
          this.postbackSecret,
          entry.params,
          signedAtSec,
        );
        deliveries.push({
          deliveryId: `pb-${entry.seq}-${entry.copy}`,
          seq: entry.seq,
          copy: entry.copy,
          attempts: entry.attempts + 1,
          orderId: entry.orderId,
          status: entry.status,
          ...wire,
          params: entry.params,
          signedAtSec,
        });
        continue;
      }
      let signature = signatures.get(entry.body);
      if (signature === undefined) {
        signature = signPostback(this.postbackSecret, this.networkId, entry.body, signedAtSec);
        signatures.set(entry.body, signature);
      }
      deliveries.push({
        deliveryId: `pb-${entry.seq}-${entry.copy}`,
        seq: entry.seq,
        copy: entry.copy,
        attempts: entry.attempts + 1,
        orderId: entry.orderId,
        status: entry.status,
        method: "POST",
        path,
        headers: { "content-type": "application/json", "boomerang-signature": await signature },
        body: entry.body,
        signedAtSec,
      });
    }
    return deliveries;
  }

  /**
   * Puts a delivery that failed (network error, 5xx) back in the outbox, due at `dueAtMs`,
   * as a retrying network would. False, and nothing queued, once the copy has had
   * `SANDBOX_LIMITS.maxAttempts` attempts.
   */
  requeue(delivery: SandboxDelivery, dueAtMs: number): boolean {
    assertTime(dueAtMs, "dueAtMs");
    if (delivery.attempts >= SANDBOX_LIMITS.maxAttempts) return false;
    if (this.#outbox.length >= SANDBOX_LIMITS.maxOutbox) return false;
    this.#outbox.push({
      seq: delivery.seq,
      copy: delivery.copy,
      orderId: delivery.orderId,
      status: delivery.status,
      body: delivery.body,
      ...(delivery.params !== undefined ? { params: delivery.params } : {}),
      dueAtMs,
      attempts: delivery.attempts,
    });
    return true;
  }

  /** Copies still queued (due or not), by due time. */
  pendingPostbacks(): OutboxEntry[] {
    return structuredClone(this.#outbox).sort(
      (a, b) => a.dueAtMs - b.dueAtMs || a.seq - b.seq || a.copy - b.copy,
    );
  }

  /** When the next queued copy is due; null when the outbox is empty. */
  nextDueAtMs(): number | null {
    let next: number | null = null;
    for (const entry of this.#outbox)
      if (next === null || entry.dueAtMs < next) next = entry.dueAtMs;
    return next;
  }

  /** Every postback generated (the last `SANDBOX_LIMITS.maxLog`), lost ones included. */
  postbackLog(): PostbackLogEntry[] {
    return this.#log.map((entry) => ({ ...entry }));
  }

  // ---- faults ---------------------------------------------------------------------------

  faults(): NetworkFaults {
    return structuredClone(this.#faults);
  }

  /** Changes the fields given and keeps the rest. */
  setFaults(patch: Partial<NetworkFaults>): NetworkFaults {
    this.#faults = mergeFaults(this.#faults, patch);
    return this.faults();
  }

  clearFaults(): void {
    this.#faults = structuredClone(NO_FAULTS);
  }

  /**
   * The fault to apply to this request of the report or feed API, counting it down. Used by
   * `handle`; exposed for adapters that serve the API some other way.
   */
  takeEndpointFault(endpoint: "feed" | "report"): EndpointFault | null {
    const fault = this.#faults[endpoint];
    if (fault === null) return null;
    if (fault.times !== null) {
      const left = fault.times - 1;
      this.#faults = { ...this.#faults, [endpoint]: left <= 0 ? null : { ...fault, times: left } };
    }
    return { ...fault };
  }

  // ---- report ---------------------------------------------------------------------------

  /**
   * One page of the report: each order's state as of `nowMs` (changes become visible
   * `reportLagMs` after they happen), kept when its `updated_at` is in [fromMs, toMs), in
   * (updated_at, order_id) order. Lost postbacks do not matter here: the report is the
   * network's truth.
   */
  reportPage(query: ReportQuery, nowMs: number): ReportResponse {
    assertTime(query.fromMs, "fromMs");
    assertTime(query.toMs, "toMs");
    if (query.fromMs >= query.toMs)
      throw new SandboxError("invalid_input", "from must be before to");
    const pageSize = query.pageSize ?? this.reportPageSize;
    assertInt(pageSize, "pageSize", 1, SANDBOX_LIMITS.maxReportPageSize);
    let after = null;
    if (query.cursor !== undefined && query.cursor !== null) {
      after = decodeCursor(query.cursor);
      if (after === null)
        throw new SandboxError("bad_cursor", "the cursor was not issued by this report");
    }
    const rows: Array<{ order: SandboxOrder; version: OrderVersion }> = [];
    for (const order of this.#orders.values()) {
      const version = visibleVersion(order, nowMs - this.reportLagMs);
      if (version === null) continue;
      if (version.updatedAtMs < query.fromMs || version.updatedAtMs >= query.toMs) continue;
      if (
        after !== null &&
        compareKeys({ updatedAtMs: version.updatedAtMs, orderId: order.orderId }, after) <= 0
      ) {
        continue;
      }
      rows.push({ order, version });
    }
    rows.sort(
      (a, b) =>
        a.version.updatedAtMs - b.version.updatedAtMs ||
        (a.order.orderId < b.order.orderId ? -1 : 1),
    );
    const page = rows.slice(0, pageSize);
    const last = page[page.length - 1];
    return {
      conversions: page.map(({ order, version }) => wireBody(order, version, this.extendedFields)),
      next_cursor:
        rows.length > pageSize && last !== undefined
          ? encodeCursor({ updatedAtMs: last.version.updatedAtMs, orderId: last.order.orderId })
          : null,
    };
  }

  /**
   * What a non-generic format's report API answers from at `nowMs`: every order with a
   * version visible by then (after `reportLagMs`), each with the versions visible so far.
   */
  reportContext(nowMs: number): ReportContext {
    const asOfMs = nowMs - this.reportLagMs;
    const orders: RenderedOrder[] = [];
    let index = 0;
    for (const order of this.#orders.values()) {
      const versions = order.versions.filter((v) => v.updatedAtMs <= asOfMs);
      if (versions.length > 0) orders.push({ order: structuredClone(order), index, versions });
      index++;
    }
    return { settings: { ...this.formatSettings }, pageSize: this.reportPageSize, orders };
  }

  // ---- feed -----------------------------------------------------------------------------

  feed(): SandboxFeed {
    return structuredClone(this.#feed);
  }

  /** Replaces the whole feed (validated: a bad feed throws and changes nothing). */
  setFeed(feed: SandboxFeedInput): SandboxFeed {
    this.#feed = parseFeed(feed);
    return this.feed();
  }

  /**
   * Edits a copy of the feed and installs it if it is still valid.
   *
   * @example
   * net.updateFeed((feed) => { feed.merchants[0].offers[0].default_rate_bps = 250; });
   */
  updateFeed(edit: (draft: SandboxFeed) => void): SandboxFeed {
    const draft = this.feed();
    edit(draft);
    return this.setFeed(draft);
  }

  /** Removes one offer; false when there was no such offer. */
  removeOffer(merchantId: string, offerId: string): boolean {
    const merchant = this.#feed.merchants.find((m) => m.id === merchantId);
    if (merchant === undefined || !merchant.offers.some((o) => o.id === offerId)) return false;
    merchant.offers = merchant.offers.filter((o) => o.id !== offerId);
    return true;
  }

  /** Adds or replaces one offer of an existing merchant. */
  upsertOffer(merchantId: string, offer: SandboxFeedOfferInput): SandboxFeed {
    const parsed = SandboxFeedOfferSchema.safeParse(offer);
    if (!parsed.success)
      throw new SandboxError("invalid_input", `invalid offer: ${parsed.error.issues[0]?.message}`);
    if (!this.#feed.merchants.some((m) => m.id === merchantId)) {
      throw new SandboxError("invalid_input", `no merchant ${merchantId} in the feed`);
    }
    return this.updateFeed((draft) => {
      const target = draft.merchants.find((m) => m.id === merchantId);
      if (target === undefined) return;
      const at = target.offers.findIndex((o) => o.id === parsed.data.id);
      if (at === -1) target.offers.push(parsed.data);
      else target.offers[at] = parsed.data;
    });
  }

  // ---- HTTP -----------------------------------------------------------------------------

  /** Whether an `authorization` header carries this network's bearer token (constant time). */
  authorize(header: string | null): boolean {
    if (header === null) return false;
    const match = /^Bearer (.+)$/i.exec(header);
    if (!match) return false;
    return constantTimeEqual(utf8.encode(match[1] as string), utf8.encode(this.postbackSecret));
  }

  /**
   * The network's own HTTP API (under `runtime.basePath`): `GET /report`, `GET /feed` (both
   * `authorization: Bearer <postbackSecret>`, else 401) and `GET /click?subid=…&url=…`
   * (records the click, 302 to `url`). Pass it as the `ReportFetch` of an adapter.
   */
  handle(request: Request): Promise<Response> {
    return handleSandboxRequest(this, request);
  }
}

/** The request a delivery becomes, against Boomerang's origin (e.g. `http://localhost:8787`). */
export function deliveryRequest(delivery: SandboxDelivery, boomerangBaseUrl: string): Request {
  return new Request(new URL(delivery.path, boomerangBaseUrl), {
    method: delivery.method,
    headers: delivery.headers,
    ...(delivery.method === "GET" ? {} : { body: delivery.body }),
  });
}

/** The order's last version that had happened by `asOfMs`, or null. */
export function visibleVersion(order: SandboxOrder, asOfMs: number): OrderVersion | null {
  for (let i = order.versions.length - 1; i >= 0; i--) {
    const version = order.versions[i] as OrderVersion;
    if (version.updatedAtMs <= asOfMs) return version;
  }
  return null;
}

/** Defaults of the format credentials that are not secrets. */
const DEFAULT_ACCOUNT_SID = "IRSandboxAccount1";
const DEFAULT_PUBLISHER_ID = "7654321";

function checkFormatSettings(settings: FormatSettings): FormatSettings {
  if (!(SANDBOX_FORMATS as readonly string[]).includes(settings.format)) {
    throw new SandboxError("invalid_input", `format must be one of ${SANDBOX_FORMATS.join(", ")}`);
  }
  if (settings.reportApiToken.length < 8 || settings.reportApiToken.length > 256) {
    throw new SandboxError("invalid_input", "reportApiToken must be 8 to 256 characters");
  }
  if (!/^[A-Za-z0-9]{1,64}$/.test(settings.accountSid)) {
    throw new SandboxError("invalid_input", "accountSid must be 1-64 letters and digits");
  }
  if (!/^\d{1,20}$/.test(settings.publisherId)) {
    throw new SandboxError("invalid_input", "publisherId must be 1-20 digits");
  }
  return { ...settings };
}

function parseFeed(feed: SandboxFeedInput): SandboxFeed {
  const parsed = SandboxFeedSchema.safeParse(feed);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SandboxError(
      "invalid_input",
      `invalid feed at ${issue?.path.join(".")}: ${issue?.message}`,
    );
  }
  return parsed.data;
}

function mergeFaults(base: NetworkFaults, patch: Partial<NetworkFaults>): NetworkFaults {
  const next: NetworkFaults = { ...base };
  if (patch.duplicates !== undefined) next.duplicates = patch.duplicates;
  if (patch.lose !== undefined) next.lose = patch.lose;
  if (patch.loseRate !== undefined) next.loseRate = patch.loseRate;
  if (patch.delayMs !== undefined) next.delayMs = patch.delayMs;
  if (patch.delayJitterMs !== undefined) next.delayJitterMs = patch.delayJitterMs;
  if (patch.shuffle !== undefined) next.shuffle = patch.shuffle;
  if (patch.feed !== undefined) next.feed = patch.feed;
  if (patch.report !== undefined) next.report = patch.report;
  assertInt(next.duplicates, "duplicates", 1, SANDBOX_LIMITS.maxCopies);
  if (typeof next.lose !== "boolean")
    throw new SandboxError("invalid_input", "lose must be a boolean");
  if (!(Number.isFinite(next.loseRate) && next.loseRate >= 0 && next.loseRate <= 1)) {
    throw new SandboxError("invalid_input", "loseRate must be between 0 and 1");
  }
  assertInt(next.delayMs, "delayMs", 0, SANDBOX_LIMITS.maxDelayMs);
  assertInt(next.delayJitterMs, "delayJitterMs", 0, SANDBOX_LIMITS.maxDelayMs);
  if (typeof next.shuffle !== "boolean")
    throw new SandboxError("invalid_input", "shuffle must be a boolean");
  checkEndpointFault(next.feed, "feed");
  checkEndpointFault(next.report, "report");
  return structuredClone(next);
}

function checkEndpointFault(fault: EndpointFault | null, name: string): void {
  if (fault === null) return;
  if (fault.times !== null) assertInt(fault.times, `${name}.times`, 1, 1_000_000);
  if (fault.kind === "status") {
    if (!Number.isInteger(fault.status) || fault.status < 400 || fault.status > 599) {
      throw new SandboxError(
        "invalid_input",
        `${name}.status must be an HTTP error status (400-599)`,
      );
    }
  } else if (fault.kind === "timeout") {
    assertInt(fault.afterMs, `${name}.afterMs`, 0, 600_000);
  } else {
    throw new SandboxError("invalid_input", `${name} must be a status or a timeout fault`);
  }
}

function checkPostbackFaults(faults: PostbackFaults | undefined): PostbackFaults {
  if (faults === undefined) return {};
  if (faults.duplicates !== undefined)
    assertInt(faults.duplicates, "duplicates", 1, SANDBOX_LIMITS.maxCopies);
  if (faults.lose !== undefined && typeof faults.lose !== "boolean") {
    throw new SandboxError("invalid_input", "lose must be a boolean");
  }
  if (faults.delayMs !== undefined)
    assertInt(faults.delayMs, "delayMs", 0, SANDBOX_LIMITS.maxDelayMs);
  return { ...faults };
}

function checkLineItems(lines: SandboxLineItem[]): SandboxLineItem[] {
  if (!Array.isArray(lines) || lines.length > SANDBOX_LIMITS.maxLineItems) {
    throw new SandboxError("invalid_input", `at most ${SANDBOX_LIMITS.maxLineItems} line items`);
  }
  return lines.map((line, i) => {
    if (
      line.sku !== undefined &&
      (line.sku.length === 0 || line.sku.length > 128 || hasControlChars(line.sku))
    ) {
      throw new SandboxError("invalid_input", `lineItems.${i}.sku must be 1-128 characters`);
    }
    if (line.category !== undefined) assertCategory(line.category, `lineItems.${i}.category`);
    assertAmount(line.amountMinor, `lineItems.${i}.amountMinor`);
    if (line.commissionMinor !== undefined)
      assertAmount(line.commissionMinor, `lineItems.${i}.commissionMinor`);
    if (line.quantity !== undefined)
      assertInt(line.quantity, `lineItems.${i}.quantity`, 1, 1_000_000);
    return { ...line };
  });
}

function assertStatus(status: SandboxStatus): void {
  if (!STATUSES.includes(status))
    throw new SandboxError("invalid_input", "status must be pending, approved or cancelled");
}

function assertAmount(value: number, name: string): void {
  assertInt(value, name, 0, MAX_AMOUNT_MINOR);
}

function assertCategory(value: string | null, name: string): void {
  if (value === null) return;
  if (
    typeof value !== "string" ||
    value.length === 0 ||
    value.length > 64 ||
    hasControlChars(value)
  ) {
    throw new SandboxError("invalid_input", `${name} must be 1-64 characters`);
  }
}

function assertTime(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < MIN_TIME_MS || value >= MAX_TIME_MS) {
    throw new SandboxError(
      "invalid_input",
      `${name} must be epoch milliseconds between 2000 and 2100`,
    );
  }
}

function assertInt(value: number, name: string, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new SandboxError("invalid_input", `${name} must be an integer from ${min} to ${max}`);
  }
}

/** setTimeout that an aborted request cancels, as fetch does. */
function abortableSleep(ms: number, signal: AbortSignal | null): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason ?? new DOMException("aborted", "AbortError"));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    function onAbort() {
      clearTimeout(timer);
      reject(signal?.reason ?? new DOMException("aborted", "AbortError"));
    }
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
