import type { BudgetBinding } from "#durable-objects/budget/index";
import type { CampaignBudgetBinding } from "#durable-objects/campaign-budget/index";
import type { WalletDurableObject, WalletEnv } from "#durable-objects/wallet/index";
import type { ClicksQueueMessage, PostbackMessage } from "./messages";
import type { PromoFanoutMessage } from "./notify/fanout";
import type { NotificationEventMessage } from "./notify/message";
import type { WalletAuditMessage } from "./payouts/types";

/** Bindings every worker that reads catalog config needs. */
export interface ConfigBindings {
  DB: D1Database;
  CONFIG_KV: KVNamespace;
}

export interface RedirectEnv extends ConfigBindings {
  CLICKS: Queue<ClicksQueueMessage>;
  /** The link-signing key, unless LINK_SIGNING_KEYS is set (then this one is ignored). */
  LINK_SIGNING_KEY: string;
  /**
   * Optional key ring for link signing, so the key can rotate (shared/links/link-keys.ts):
   * JSON `[{"version":2,"key":"…"},{"version":1,"key":"…","notAfter":"2026-06-01T00:00:00Z"}]`.
   */
  LINK_SIGNING_KEYS?: string;
  SUBID_SIGNING_KEY: string;
  /**
   * The identity links' key ring (shared/fraud/identity-links.ts), the api worker's same value:
   * a click's IP network is hashed at the edge under it (SUBID_SIGNING_KEY when unset).
   */
  RISK_LINK_KEYS?: string;
  /**
   * Rate limits (wrangler.toml `[[ratelimits]]`, docs/operations.md "Rate limits"): clicks per
   * client IP and per link. A binding that is not declared does not limit.
   */
  REDIRECT_IP_LIMITER?: RateLimit;
  REDIRECT_LINK_LIMITER?: RateLimit;
  /** Repeated clicks on one link from one client within this many seconds are one click (default 30; "0" turns it off). */
  CLICK_DEDUPE_WINDOW_SEC?: string;
}

export interface PostbackEnv extends ConfigBindings {
  POSTBACKS: Queue<PostbackMessage>;
  /** Postbacks that fail authentication, per source IP (docs/operations.md "Rate limits"). */
  POSTBACK_AUTH_FAILURE_LIMITER?: RateLimit;
}

/**
 * The events worker: `POST /v1/events` from the operator's backends (docs/events.md). It
 * reads the config store (KV, D1 behind it) only for requests carrying a `custom.*` event.
 */
export interface EventsEnv extends ConfigBindings {
  /** The wallet objects (bound across workers with `script_name = "boomerang-api"`). */
  WALLET: DurableObjectNamespace<WalletDurableObject>;
  /** The keys backends sign events with, JSON (shared/events/event-keys.ts); a secret. */
  EVENT_API_KEYS?: string;
  /** Requests that fail authentication, per source IP (docs/operations.md "Rate limits"). */
  EVENTS_AUTH_FAILURE_LIMITER?: RateLimit;
}

/**
 * The api worker hosts the wallet Durable Object, the queue consumers and the crons. The
 * bindings the Durable Objects use are declared by them (WalletEnv, CampaignBudgetBinding,
 * BudgetBinding)
 * and composed here; they never import this file, so the dependency runs one way.
 */
export interface ApiEnv
  extends RedirectEnv,
    PostbackEnv,
    EventsEnv,
    WalletEnv,
    CampaignBudgetBinding,
    BudgetBinding {
  WALLET: DurableObjectNamespace<WalletDurableObject>;
  /** While rotating the sub-ID key: the old key, still accepted on incoming postbacks. */
  SUBID_SIGNING_KEY_PREVIOUS?: string;
  USER_JWT_SECRET: string;
  /** When set, user tokens must carry this `iss` (docs/access.md). */
  USER_JWT_ISSUER?: string;
  /** When set, user tokens' `aud` (a string or an array) must include this. */
  USER_JWT_AUDIENCE?: string;
  /** Longest accepted `exp − iat`, in seconds (default 86400). */
  USER_JWT_MAX_LIFETIME_SEC?: string;
  /** How far `iat`/`nbf` may be ahead of our clock, in seconds (default 60). */
  USER_JWT_CLOCK_SKEW_SEC?: string;
  /** The legacy single admin key: the key named "default" with scope "admin". */
  ADMIN_API_KEY?: string;
  /**
   * Named, scoped admin keys as JSON (workers/api/src/auth/admin-keys.ts):
   * `[{"name":"ops","scope":"catalog","sha256":"<hex of the key's SHA-256>"}]`.
   */
  ADMIN_API_KEYS?: string;
  /** Origin of the redirect worker, used to build tracking links (e.g. https://go.example.com). */
  REDIRECT_BASE_URL: string;
  /** Lifetime of a personalised tracking link, in seconds. */
  LINK_TTL_SEC: string;
  /** "true" only in development and tests: lets an admin run confirmations as of a future time. */
  ALLOW_CLOCK_OVERRIDE?: string;
  /** "true" only in development and tests: secret-bearing URLs may be http (shared/http/secure-url.ts). */
  ALLOW_INSECURE_URLS?: string;

  /**
   * Workers Analytics Engine dataset for funnel data points (docs/analytics.md); absent
   * locally and in tests, where shared/analytics/engine.ts writes nothing.
   */
  FUNNEL_ANALYTICS?: AnalyticsEngineDataset;

  // ---- abuse limits (docs/operations.md "Rate limits") ----
  /** Every user API request, per user. */
  API_USER_LIMITER?: RateLimit;
  /** User API writes (claims, destinations, redemptions, step-up), per user: stricter. */
  API_USER_WRITE_LIMITER?: RateLimit;
  /** Anonymous requests to the public catalog (/v1/catalog/*), per client IP. */
  API_ANON_LIMITER?: RateLimit;
  /** Largest request body the api reads, in bytes (default 65536). */
  API_MAX_BODY_BYTES?: string;
  /** Missing-cashback claims a user may file per calendar month, UTC (default 10). */
  CLAIMS_PER_MONTH?: string;

  // ---- payouts (docs/payouts.md); PAYOUTS, NOTICES and PAYOUT_DETAILS_KEYS come from WalletEnv ----
  WALLET_AUDITS: Queue<WalletAuditMessage>;
  /** Optional JSON overriding the default payout policy (shared/payouts/policy.ts). */
  PAYOUT_POLICY?: string;
  /** Which processor adapter pays out: "sandbox" (dev and tests) or one you add. */
  PAYOUT_PROCESSOR: string;
  PAYOUT_PROCESSOR_URL?: string;
  PAYOUT_PROCESSOR_API_KEY?: string;
  PAYOUT_PROCESSOR_WEBHOOK_SECRET?: string;
  /** First retry delay for a processor that is down; doubles per attempt (default 30). */
  PAYOUT_RETRY_BASE_SEC?: string;
  /**
   * Test-only transport: when bound, requests to the sandbox processor go to this Durable
   * Object instead of PAYOUT_PROCESSOR_URL. Never bound in a deployment.
   */
  SANDBOX_PROCESSOR?: DurableObjectNamespace;
  /** How users get step-up codes and payout notices: "webhook" (deployments) or "outbox" (dev, tests). */
  NOTIFY_CHANNEL: string;
  /** For the webhook channel: the operator's endpoint that sends the SMS, e-mail or push. */
  NOTIFY_WEBHOOK_URL?: string;
  NOTIFY_WEBHOOK_SECRET?: string;
  /** Signs one-click unsubscribe links (shared/notify/unsubscribe.ts); a secret. */
  NOTIFY_LINK_KEY?: string;
  /** Origin of the api worker, for links in messages (https://api.example.com). */
  NOTIFY_LINK_BASE_URL?: string;

  // ---- promotional sends (docs/notifications.md "Promotional sends") ----
  /** Promotional notification events; NOTIFY_TRANSACTIONAL comes from WalletEnv. */
  NOTIFY_PROMOTIONAL: Queue<NotificationEventMessage>;
  /** A promotional send's fan-out steps, one page of its audience each. */
  NOTIFY_FANOUT: Queue<PromoFanoutMessage>;

  // ---- notification channels (docs/notifications.md "Channels") ----
  /** Web Push: "vapid" (sends through the browsers' push services), "outbox" (dev), unset: off. */
  WEB_PUSH?: string;
  /** Base64url uncompressed P-256 point (65 bytes): the browser's applicationServerKey. */
  VAPID_PUBLIC_KEY?: string;
  /** Base64url 32-byte P-256 private key (a secret: `wrangler secret put VAPID_PRIVATE_KEY`). */
  VAPID_PRIVATE_KEY?: string;
  /** The operator's contact push services see in the VAPID JWT: `mailto:…` or `https:…`. */
  VAPID_SUBJECT?: string;
  /** E-mail: "resend" (Resend's HTTP API), "outbox" (dev), unset: off. */
  EMAIL_PROVIDER?: string;
  /** The provider's API key (a secret). */
  EMAIL_API_KEY?: string;
  /** The sender, e.g. `Boomerang <notify@mail.example.com>` (a domain verified with the provider). */
  EMAIL_FROM?: string;
  /** SMS: "twilio" (Twilio's Messages API), "outbox" (dev), unset: off. */
  SMS_PROVIDER?: string;
  TWILIO_ACCOUNT_SID?: string;
  /** A secret. */
  TWILIO_AUTH_TOKEN?: string;
  /**
   * Resend's webhook signing secret (`whsec_…`, a secret): verifies delivery, open, bounce
   * and complaint receipts at `POST /v1/notifications/receipts/resend`; unset, they are refused.
   */
  RESEND_WEBHOOK_SECRET?: string;
  /** The sending number (E.164) or a Messaging Service SID (`MG…`). */
  SMS_FROM?: string;

  // ---- received postbacks' retention (docs/operations.md, "Retention") ----
  /** R2 bucket the retention cron moves old accepted postback bodies to. */
  POSTBACK_ARCHIVE: R2Bucket;
  /** Days rejected postbacks are kept (default 7). */
  POSTBACK_REJECTED_RETENTION_DAYS?: string;
  /** Days accepted postbacks are kept: the audit period (default 400). */
  POSTBACK_RETENTION_DAYS?: string;
  /** Days after which an accepted postback's body moves to R2 (default 30). */
  POSTBACK_ARCHIVE_AFTER_DAYS?: string;
  /** Most rejected postbacks stored per source IP per hour (default 100). */
  POSTBACK_REJECTED_PER_SOURCE_HOUR?: string;

  // ---- fraud (docs/fraud.md) ----
  /**
   * "on" (default when absent) | "off": off, no observation reaches the risk queue and the
   * wallet redeems without asking the risk object (docs/fraud.md "Turning scoring off"). The
   * wallet reads the same var (WalletEnv, shared/fraud/scoring-switch.ts).
   */
  FRAUD_SCORING?: string;
  // Labels export (docs/fraud.md "Labels export").
  /** R2 bucket the labels exports (CSV for offline model training) are written to. */
  RISK_EXPORTS: R2Bucket;
  // Ledger chain anchors (docs/ledger.md "Tamper evidence").
  /** R2 bucket the daily wallet audit writes verified chain heads to (NDJSON per batch). */
  LEDGER_ANCHORS: R2Bucket;
  /**
   * The daily audit re-verifies each wallet's chain from its first entry once in this many days
   * (a rotating slice of wallets each day; default 7, "1": every wallet every day).
   */
  LEDGER_FULL_VERIFY_DAYS?: string;
}
