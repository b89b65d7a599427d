import type { SandboxFeed } from "./feed";
import type { FormatSettings, SandboxFormat, WireParams } from "./formats/types";

/** Statuses the generic format carries. */
export type SandboxStatus = "pending" | "approved" | "cancelled";

/** Bounds, so a runaway test cannot grow the sandbox (or its Durable Object) without limit. */
export const SANDBOX_LIMITS = {
  maxOrders: 20_000,
  /** Changes kept per order (place + approvals, refunds, corrections…). */
  maxVersionsPerOrder: 64,
  maxOutbox: 20_000,
  /** Clicks are a ring: the oldest are forgotten first. */
  maxClicks: 10_000,
  /** Postback log entries kept (a ring). */
  maxLog: 10_000,
  maxCopies: 10,
  maxDelayMs: 7 * 86_400_000,
  maxLineItems: 100,
  maxReportPageSize: 1_000,
  /** Delivery attempts per postback copy before a retrying sender gives up. */
  maxAttempts: 8,
  /** Postbacks returned by one drain. */
  maxDrain: 1_000,
} as const;

/** Earliest and latest times the sandbox accepts, matching what adapters accept. */
export const MIN_TIME_MS = Date.UTC(2000, 0, 1);
export const MAX_TIME_MS = Date.UTC(2100, 0, 1);

export type SandboxErrorCode =
  | "invalid_input"
  | "unknown_order"
  | "duplicate_order"
  | "invalid_transition"
  | "stale_time"
  | "no_click"
  | "bad_cursor"
  | "limit_exceeded";

/** Every refusal of the pure layer; the HTTP layers map `code` to a status. */
export class SandboxError extends Error {
  readonly code: SandboxErrorCode;

  constructor(code: SandboxErrorCode, message: string) {
    super(message);
    this.name = "SandboxError";
    this.code = code;
  }
}

/** HTTP status for each error code (used by `handle` and the worker's control API). */
export const SANDBOX_ERROR_STATUS: Record<SandboxErrorCode, 400 | 404 | 409> = {
  invalid_input: 400,
  bad_cursor: 400,
  unknown_order: 404,
  duplicate_order: 409,
  invalid_transition: 409,
  stale_time: 409,
  no_click: 409,
  limit_exceeded: 409,
};

/** A line of an order, as the sandbox's callers give it (camelCase; snake_case on the wire). */
export interface SandboxLineItem {
  sku?: string;
  category?: string;
  amountMinor: number;
  commissionMinor?: number;
  quantity?: number;
}

/** Faults for one postback (one operation); each overrides the network's default. */
export interface PostbackFaults {
  /** Total copies sent (1 = no duplicate). */
  duplicates?: number;
  /** Drop this postback; the report still shows the change. */
  lose?: boolean;
  /** Hold the postback this long after the change before it is due. */
  delayMs?: number;
}

/** A report or feed endpoint failure: an HTTP status, or a hang that ends in 504. */
export type EndpointFault =
  | { kind: "status"; status: number; times: number | null }
  | { kind: "timeout"; afterMs: number; times: number | null };

/** The network-wide fault configuration. */
export interface NetworkFaults {
  /** Copies of every postback (1 = no duplicates). */
  duplicates: number;
  /** Drop every postback (the network only reports). */
  lose: boolean;
  /** Probability in [0, 1] that a postback is dropped, drawn from the seeded PRNG. */
  loseRate: number;
  /** Delay of every postback after its change. */
  delayMs: number;
  /** Extra seeded-random delay in [0, delayJitterMs], per copy, so copies arrive apart. */
  delayJitterMs: number;
  /** Deliver each drain's due postbacks in a seeded random order. */
  shuffle: boolean;
  feed: EndpointFault | null;
  report: EndpointFault | null;
}

export const NO_FAULTS: NetworkFaults = {
  duplicates: 1,
  lose: false,
  loseRate: 0,
  delayMs: 0,
  delayJitterMs: 0,
  shuffle: false,
  feed: null,
  report: null,
};

export interface SandboxNetworkOptions {
  /** The network id Boomerang knows this network by: the postback path and signature use it. */
  networkId: string;
  /** Signs postbacks and is the report/feed bearer token. */
  postbackSecret: string;
  /** PRNG seed; default 1. */
  seed?: number;
  /** Report page size; default 100. */
  reportPageSize?: number;
  /** A change shows in the report only this long after it happened; default 0. */
  reportLagMs?: number;
  /**
   * Emit `updated_at` and `line_items` (postbacks and report); default true. False imitates
   * an older sender that knows only the base generic fields.
   */
  extendedFields?: boolean;
  /** Refuse orders whose sub-ID the network never saw a click for; default false. */
  requireClick?: boolean;
  feed?: SandboxFeed;
  faults?: Partial<NetworkFaults>;
  /**
   * The wire format the network speaks (docs/sandbox.md): its postbacks and report API are
   * that network's own; default `generic`.
   */
  format?: SandboxFormat;
  /** The report API credential of Admitad, Impact, CJ and the template; default `postbackSecret`. */
  reportApiToken?: string;
  /** impact.com Account SID (report path and Basic user); default `IRSandboxAccount1`. */
  accountSid?: string;
  /** CJ publisher CID the report answers for; default `7654321`. */
  publisherId?: string;
}

/** Things that are not state: the clock, how to wait, where the HTTP API is mounted. */
export interface SandboxRuntime {
  /** Used by `handle` (report visibility, click time); default `Date.now`. */
  now?: () => number;
  /** Used by timeout faults; default a `setTimeout` that an aborted request cancels. */
  sleep?: (ms: number, signal: AbortSignal | null) => Promise<void>;
  /** Path prefix `handle` strips before routing, e.g. "/sandbox"; default "". */
  basePath?: string;
}

export interface PlaceOrderInput {
  orderId: string;
  subId: string;
  currency: string;
  saleAmountMinor: number;
  commissionMinor: number;
  lineItems?: SandboxLineItem[];
  category?: string;
  /** The first status; default `pending` (some offers approve at once). */
  status?: SandboxStatus;
  atMs: number;
  faults?: PostbackFaults;
  /**
   * The network's advertiser/campaign reference for the order (Admitad `advcampaign_id`,
   * Impact `CampaignId`, CJ `advertiserId`). Default for non-generic formats: the `offer` of
   * the last click with this sub-ID, if any. The generic format does not send it.
   */
  campaignRef?: string;
}

export interface RefundInput {
  /** Amount refunded (subtracted from the current sale amount), in minor units. */
  saleAmountMinor: number;
  /** Commission taken back, in minor units. */
  commissionMinor: number;
  /** The order's lines after the refund; required when the order has line items. */
  lineItems?: SandboxLineItem[];
}

/** A network-side correction: any field may change, status included (no transition rules). */
export interface CorrectionInput {
  status?: SandboxStatus;
  saleAmountMinor?: number;
  commissionMinor?: number;
  category?: string | null;
  lineItems?: SandboxLineItem[] | null;
}

export type SandboxOperation = "place" | "approve" | "cancel" | "refund" | "correct";

/** One state of an order, as it was after a change. */
export interface OrderVersion {
  op: SandboxOperation;
  status: SandboxStatus;
  saleAmountMinor: number;
  commissionMinor: number;
  category: string | null;
  lineItems: SandboxLineItem[] | null;
  updatedAtMs: number;
}

export interface SandboxOrder {
  orderId: string;
  subId: string;
  currency: string;
  occurredAtMs: number;
  /** The network's advertiser/campaign reference; absent when unknown (always for generic). */
  campaignRef?: string;
  /** Oldest first; the last one is the order's current state. */
  versions: OrderVersion[];
}

export interface SandboxClick {
  subId: string;
  atMs: number;
  /** The `offer` query parameter of the click URL, when the tracking template sends one. */
  offerRef: string | null;
}

/** What happened to one generated postback. */
export interface PostbackLogEntry {
  seq: number;
  orderId: string;
  op: SandboxOperation;
  status: SandboxStatus;
  fate: "queued" | "lost";
  copies: number;
  /** When the first copy is due (before jitter). */
  dueAtMs: number;
}

/** A postback copy waiting in the outbox. */
export interface OutboxEntry {
  seq: number;
  copy: number;
  orderId: string;
  status: SandboxStatus;
  /** The exact JSON sent, fixed when the change happened (the network's view then). */
  body: string;
  /**
   * A non-generic format's postback parameters, fixed when the change happened (the generic
   * `body` is kept beside them for inspection). Absent for the generic format.
   */
  params?: WireParams;
  dueAtMs: number;
  attempts: number;
}

/**
 * A postback ready to send: `<method> <boomerang><path>` with these headers and body. Generic:
 * a signed JSON POST; Admitad, Impact, CJ: a GET whose query carries the fields and `token`;
 * template: a signed form POST.
 */
export interface SandboxDelivery {
  /** `pb-<seq>-<copy>`: the same for a copy's retries, different between copies. */
  deliveryId: string;
  seq: number;
  copy: number;
  attempts: number;
  orderId: string;
  status: SandboxStatus;
  method: "GET" | "POST";
  /** `/postback/<networkId>`, with the query string for GET formats. */
  path: string;
  /** Lower-case names; generic: `content-type` and `boomerang-signature`. */
  headers: Record<string, string>;
  /** The generic JSON body, the template's form body, or "" for a GET. */
  body: string;
  /** The non-generic postback's parameters (absent for generic), for tests and inspection. */
  params?: WireParams;
  signedAtSec: number;
}

/** The result of an operation: the order afterwards and what became of its postback. */
export interface SandboxChange {
  order: SandboxOrder;
  postback: PostbackLogEntry;
}

export interface ReportQuery {
  fromMs: number;
  toMs: number;
  cursor?: string | null;
  /** Overrides the network's page size (1 to 1,000). */
  pageSize?: number;
}

/** One generic body (docs/postbacks.md) as it appears on the wire. */
export interface GenericWireBody {
  order_id: string;
  sub_id: string;
  status: SandboxStatus;
  currency: string;
  sale_amount_minor: number;
  commission_minor: number;
  category: string | null;
  occurred_at: string;
  updated_at?: string;
  line_items?: Array<{
    sku?: string;
    category?: string;
    amount_minor: number;
    commission_minor?: number;
    quantity?: number;
  }>;
}

export interface ReportResponse {
  conversions: GenericWireBody[];
  next_cursor: string | null;
}

/** Everything a sandbox is, as plain JSON (what the Durable Object stores). */
export interface SandboxState {
  version: 1;
  networkId: string;
  postbackSecret: string;
  seed: number;
  prngState: number;
  reportPageSize: number;
  reportLagMs: number;
  extendedFields: boolean;
  requireClick: boolean;
  faults: NetworkFaults;
  feed: SandboxFeed;
  orders: SandboxOrder[];
  outbox: OutboxEntry[];
  clicks: SandboxClick[];
  log: PostbackLogEntry[];
  nextSeq: number;
  /** Absent for a generic network (and in states saved before formats existed). */
  formatSettings?: FormatSettings;
}
