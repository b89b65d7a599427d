import type { OperatorRole } from "./roles";

/**
 * Which role may call which admin route, decided by path prefix in one table, for admin keys
 * and console operators alike. Every role may read (GET, HEAD) every area except those marked
 * `readers: "admin"`; writing needs one of the area's `writers` or `admin`. A path no rule
 * names is `admin`-only, and a test walks the OpenAPI document so that no documented route is
 * left to that fallback (test/admin-access.e2e.test.ts). docs/access.md gives the reasons.
 */
export interface ScopeRule {
  /** Path segments from the root; `*` matches any one segment. Matches as a prefix. */
  prefix: string;
  /** The roles, besides `admin`, that may write here; empty: `admin` only. */
  writers: readonly Exclude<OperatorRole, "admin">[];
  /** Who may read here: every role (the default), or only `admin`. */
  readers?: "any" | "admin";
}

const ADMIN_ONLY = [] as const;

export const ADMIN_SCOPE_RULES: readonly ScopeRule[] = [
  // Catalog: the networks, merchants and offers users click, campaign boosts, merchant sync
  // and the feed changes it holds for review, network health.
  { prefix: "/admin/v1/networks", writers: ["catalog"] },
  { prefix: "/admin/v1/merchants", writers: ["catalog"] },
  { prefix: "/admin/v1/offers", writers: ["catalog"] },
  { prefix: "/admin/v1/campaigns", writers: ["catalog"] },
  { prefix: "/admin/v1/networks/*/sync", writers: ["catalog"] },
  { prefix: "/admin/v1/networks/*/health", writers: ["catalog"] },
  { prefix: "/admin/v1/networks/*/held-feed-changes", writers: ["catalog"] },
  { prefix: "/admin/v1/sync", writers: ["catalog"] },
  // Custom event types: what operator-defined events may carry, defined like the catalog.
  { prefix: "/admin/v1/event-types", writers: ["catalog"] },
  // The rules engine's rule sets: the draft, publish and rollback change how every reward
  // is computed, like campaign boosts; the simulator is a read (READ_ONLY_ACTIONS).
  { prefix: "/admin/v1/rules", writers: ["catalog"] },
  // The loyalty program's settings (validity, pending days, redemption rate, tiers) and its
  // voucher pools shape every member's points like rules do: catalog's, as the rules are.
  { prefix: "/admin/v1/loyalty", writers: ["catalog"] },
  // The referral program's settings (attribution windows, where share links send visitors)
  // shape every referral like the rules do: catalog's.
  { prefix: "/admin/v1/referrals", writers: ["catalog"] },
  // The translations of referral reason texts members read: words marketing writes, with
  // the campaigns (catalog).
  { prefix: "/admin/v1/referral-reason-texts", writers: ["catalog"] },
  // Notification templates: the words users read in every message, written like the reason
  // texts (catalog); the preview is a read (READ_ONLY_ACTIONS).
  { prefix: "/admin/v1/notifications/templates", writers: ["catalog"] },
  // Referral review: approving a held referral credits both parties and rejecting or banning
  // cancels rewards, so deciding is finance's, like payouts; every role sees the queue, the
  // signals and the timelines. The risk lists (disposable e-mail domains, datacenter IP
  // ranges; fraud checks beyond referrals will read them too) decide which signups are held:
  // finance's too.
  { prefix: "/admin/v1/referrals/*/decision", writers: ["finance"] },
  { prefix: "/admin/v1/referrals/referrers", writers: ["finance"] },
  { prefix: "/admin/v1/risk-lists", writers: ["finance"] },
  // Risk holds (docs/fraud.md): releasing one dispatches the payouts it held, so deciding is
  // finance's, like approving a held payout; support sees them.
  { prefix: "/admin/v1/risk/holds", writers: ["finance"] },
  // A user's risk (score, holds, linked accounts): a read for every role; nothing to write.
  { prefix: "/admin/v1/risk/users", writers: ADMIN_ONLY },
  // Labels exports (outcomes with the signals at decision, for model training): finance, who
  // decides the holds, writes them; every role lists and downloads them (user ids, rule ids
  // and reason codes, no contact details).
  { prefix: "/admin/v1/risk/labels", writers: ["finance"] },
  // Promotional sends to a segment: marketing's words to members, like campaign boosts
  // (catalog); support reads their progress. The segment sizes are a read for every role.
  { prefix: "/admin/v1/notifications/promotions", writers: ["catalog"] },
  { prefix: "/admin/v1/notifications/segments", writers: ADMIN_ONLY },
  // Finance: every write that moves money or decides whether money leaves. Payouts and the
  // gift cards they buy, confirmation runs (pending → confirmed cashback), report and payout
  // reconciliation (which adjust transactions), the finance summary.
  { prefix: "/admin/v1/payouts", writers: ["finance"] },
  { prefix: "/admin/v1/gift-cards", writers: ["finance"] },
  { prefix: "/admin/v1/confirmations", writers: ["finance"] },
  { prefix: "/admin/v1/networks/*/reconcile", writers: ["finance"] },
  { prefix: "/admin/v1/reconciliation", writers: ["finance"] },
  { prefix: "/admin/v1/payout-reconciliation", writers: ["finance"] },
  { prefix: "/admin/v1/finance", writers: ["finance"] },
  // Support: users (registration, logins, KYC; finance too, since KYC gates payouts) and the
  // missing-cashback claims queue (an approval records the order as a pending transaction
  // that confirms through the normal flow: no money moves on the decision itself).
  { prefix: "/admin/v1/users", writers: ["support", "finance"] },
  // Revealing a user's e-mail or phone is support's (finance pays to destinations, which
  // stay masked for everyone), recorded with its reason.
  { prefix: "/admin/v1/users/*/contact", writers: ["support"] },
  // A member's segments single them out in rules: catalog (who writes the rules) and support.
  { prefix: "/admin/v1/users/*/segments", writers: ["catalog", "support"] },
  // A member's vanity referral code: marketing (catalog) gives influencers theirs, support
  // answers members who ask for one.
  { prefix: "/admin/v1/users/*/referral-code", writers: ["catalog", "support"] },
  // A member's notification preferences: support reads them with the rest of the user;
  // finance (and admin) change them on a member's behalf, recorded in the audit log.
  { prefix: "/admin/v1/users/*/notification-preferences", writers: ["finance"] },
  // A wallet's ledger export with its chain proofs (docs/ledger.md): a read every role makes
  // (support answers disputes with it); nothing under it writes, finance would if it did.
  { prefix: "/admin/v1/users/*/ledger/export", writers: ["finance"] },
  // The wallets by their chain's last audit verdict: the same read, across wallets.
  { prefix: "/admin/v1/ledger-chains", writers: ["finance"] },
  // The operator's notification settings (promotional send window, caps, digests): marketing
  // (catalog) decides when campaigns may reach members, as with campaign boosts.
  { prefix: "/admin/v1/notification-settings", writers: ["catalog"] },
  { prefix: "/admin/v1/claims", writers: ["support"] },
  // Replaying a dead-lettered notification: finance decides, support sees the dead letters.
  { prefix: "/admin/v1/notifications/dead-letters", writers: ["finance"] },
  // Transactions: support annotates; any other write credits or debits, so finance.
  { prefix: "/admin/v1/transactions", writers: ["finance"] },
  { prefix: "/admin/v1/transactions/*/notes", writers: ["support"] },
  // Read-only records: what networks sent, and who changed what. Every role reads them.
  { prefix: "/admin/v1/postbacks", writers: ADMIN_ONLY },
  // Re-sharding the user databases (docs/scaling.md): moves every user's projections.
  { prefix: "/admin/v1/user-db-moves", writers: ADMIN_ONLY },
  { prefix: "/admin/v1/audit-log", writers: ADMIN_ONLY },
  // Rule budgets' use per period, read from their budget objects; nothing to write here.
  { prefix: "/admin/v1/budgets", writers: ADMIN_ONLY },
  // Operator alerts (docs/alerts.md): every role sees them; acknowledging and resolving is
  // finance's, who answers for the money and pipelines they watch. The settings (contacts,
  // thresholds, the webhook secret) decide who is woken: admin only to change.
  { prefix: "/admin/v1/alerts", writers: ["finance"] },
  { prefix: "/admin/v1/alert-settings", writers: ADMIN_ONLY },
  // The console's overview: aggregate figures every role reads; nothing to write.
  { prefix: "/admin/v1/overview", writers: ADMIN_ONLY },
  // Analytics (funnels, margin, distributions, cohorts): read-only rollups every role reads.
  { prefix: "/admin/v1/analytics", writers: ADMIN_ONLY },
  // Admin only, even to read: operator accounts (staff e-mails and roles) and the dev
  // outbox (it holds step-up codes).
  { prefix: "/admin/v1/operators", writers: ADMIN_ONLY, readers: "admin" },
  { prefix: "/admin/v1/dev", writers: ADMIN_ONLY, readers: "admin" },
];

/**
 * POSTs that only read: they carry a body (an event to simulate), so they cannot be GETs.
 * Every role that reads the area may send them, and the audit log, which records writes,
 * leaves them out (they change nothing, and the simulator is tested to write nothing).
 */
export const READ_ONLY_ACTIONS: readonly string[] = [
  "/admin/v1/rules/simulate",
  "/admin/v1/notifications/templates/preview",
];

/**
 * Whether `method path` is one of the READ_ONLY_ACTIONS.
 *
 * @example
 * isReadOnlyAction("POST", "/admin/v1/rules/simulate"); // true
 */
export function isReadOnlyAction(method: string, path: string): boolean {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path;
  return method.toUpperCase() === "POST" && READ_ONLY_ACTIONS.includes(trimmed);
}

const segmentsOf = (path: string) => path.split("/").filter((s) => s.length > 0);

function matches(rule: ScopeRule, pathSegments: readonly string[]): boolean {
  const prefix = segmentsOf(rule.prefix);
  if (prefix.length > pathSegments.length) return false;
  return prefix.every((s, i) => s === "*" || s === pathSegments[i]);
}

/**
 * The rule for a path: the matching rule with the most segments (so `/networks/x/reconcile`
 * is finance's although `/networks` is catalog's), or null when none matches.
 *
 * @example
 * scopeRuleFor("/admin/v1/networks/admitad/reconcile")?.writers; // ["finance"]
 */
export function scopeRuleFor(path: string): ScopeRule | null {
  const segments = segmentsOf(path);
  let best: ScopeRule | null = null;
  for (const rule of ADMIN_SCOPE_RULES) {
    if (!matches(rule, segments)) continue;
    if (!best || segmentsOf(rule.prefix).length > segmentsOf(best.prefix).length) best = rule;
  }
  return best;
}

const READ_METHODS = new Set(["GET", "HEAD"]);

/**
 * The roles that may send `method` to `path`, narrowest first and `admin` last; a console
 * page can use it to show an action only to those who may take it.
 *
 * @example
 * rolesAllowed("PUT", "/admin/v1/users/u1/kyc"); // ["support", "finance", "admin"]
 * rolesAllowed("GET", "/admin/v1/offers"); // all five roles
 */
export function rolesAllowed(method: string, path: string): OperatorRole[] {
  const rule = scopeRuleFor(path);
  if (!rule) return ["admin"];
  if (READ_METHODS.has(method.toUpperCase()) || isReadOnlyAction(method, path)) {
    return rule.readers === "admin"
      ? ["admin"]
      : ["viewer", "catalog", "support", "finance", "admin"];
  }
  return [...rule.writers, "admin"];
}

export type ScopeDecision = { allowed: true } | { allowed: false; needs: OperatorRole };

/**
 * Whether `role` may send `method` to `path`; when not, `needs` is the narrowest role that may
 * (`rolesAllowed` lists them all).
 *
 * @example
 * scopeDecision("viewer", "PUT", "/admin/v1/offers/x"); // { allowed: false, needs: "catalog" }
 */
export function scopeDecision(role: OperatorRole, method: string, path: string): ScopeDecision {
  const allowed = rolesAllowed(method, path);
  return allowed.includes(role)
    ? { allowed: true }
    : { allowed: false, needs: allowed[0] ?? "admin" };
}
