import type { RiskIdentifier, RiskIdentifierKind } from "./risk-identifiers";
import type { RiskFlag } from "./risk-lists";

/**
 * Fraud signals of a referral and the hold they add up to (docs/referrals.md "Fraud holds"):
 * each signal is `{ code, weight, reason }` with a stable code, a weight the operator sets
 * (0–100) and an English reason for the review queue; the referral is held when the weights'
 * sum reaches the operator's threshold. Pure: the wallet gathers the evidence (its own signup,
 * D1 reads of who else holds the identifiers, the referrer's chain and recent referrals) and
 * this decides.
 */

export const RISK_SIGNAL_CODES = [
  "shared_device",
  "shared_ip_prefix",
  "shared_payment_instrument",
  "shared_email",
  "referrer_velocity",
  "disposable_email_domain",
  "datacenter_ip",
  "referral_ring",
  "probabilistic_attribution",
] as const;
export type RiskSignalCode = (typeof RISK_SIGNAL_CODES)[number];

/** Weights when the operator set none; a device or payment instrument alone holds. */
export const DEFAULT_SIGNAL_WEIGHTS: Record<RiskSignalCode, number> = {
  shared_device: 60,
  shared_ip_prefix: 20,
  shared_payment_instrument: 80,
  shared_email: 80,
  referrer_velocity: 40,
  disposable_email_domain: 50,
  datacenter_ip: 30,
  referral_ring: 70,
  probabilistic_attribution: 20,
};

export interface FraudSettings {
  holdThreshold: number;
  /** Weights by code; a code left out weighs its default. */
  weights: Partial<Record<RiskSignalCode, number>>;
  maxReferralsPerReferrerPerDay: number;
  /** A held referral is approved by itself after this many hours; null: never. */
  autoApproveAfterHours: number | null;
}

export const DEFAULT_FRAUD_SETTINGS: FraudSettings = {
  holdThreshold: 50,
  weights: {},
  maxReferralsPerReferrerPerDay: 20,
  autoApproveAfterHours: null,
};

export interface RiskSignal {
  code: RiskSignalCode;
  weight: number;
  reason: string;
}

const SHARED_SIGNAL: Record<RiskIdentifierKind, RiskSignalCode> = {
  device: "shared_device",
  ip_prefix: "shared_ip_prefix",
  payment_instrument: "shared_payment_instrument",
  email: "shared_email",
};

const SHARED_REASON: Record<RiskIdentifierKind, string> = {
  device: "The friend signed up on a device the referrer uses.",
  ip_prefix: "The friend and the referrer connect from the same network (/24 or /64).",
  payment_instrument: "The friend pays with a payment instrument the referrer uses.",
  email: "The friend's e-mail address is the referrer's, spelled differently.",
};

const KIND_NAME: Record<RiskIdentifierKind, string> = {
  device: "a device",
  ip_prefix: "a network",
  payment_instrument: "a payment instrument",
  email: "an e-mail address",
};

export interface RiskEvidence {
  refereeId: string;
  referrerId: string;
  method: "code" | "token" | "probabilistic";
  /** The referee's identifiers (keyed hashes). */
  identifiers: readonly RiskIdentifier[];
  /** What intake found on the operator's lists. */
  flags: readonly RiskFlag[];
  /** Other members holding one of the referee's identifiers (D1 referral_identifiers). */
  holders: ReadonlyArray<{ kind: RiskIdentifierKind; hash: string; userId: string }>;
  /** Who referred the referrer, and who referred them: nearest first, bounded. */
  chain: readonly string[];
  /** The referrer's referrals attributed in the 24 hours before this one (this one left out). */
  referrerReferralsLastDay: number;
}

export interface RiskAssessment {
  signals: RiskSignal[];
  score: number;
  hold: boolean;
}

/**
 * Pure: the signals of one referral, their score, and whether it is held.
 *
 * @example
 * assessReferralRisk({ …, holders: [{ kind: "device", hash: h, userId: referrerId }] }, DEFAULT_FRAUD_SETTINGS)
 * // { signals: [{ code: "shared_device", weight: 60, reason: "…" }], score: 60, hold: true }
 */
export function assessReferralRisk(
  evidence: RiskEvidence,
  settings: FraudSettings,
): RiskAssessment {
  const weightOf = (code: RiskSignalCode) => settings.weights[code] ?? DEFAULT_SIGNAL_WEIGHTS[code];
  const found = new Map<RiskSignalCode, string>();
  const add = (code: RiskSignalCode, reason: string) => {
    if (!found.has(code)) found.set(code, reason);
  };
  const own = new Set(evidence.identifiers.map((i) => `${i.kind}:${i.hash}`));
  const held = evidence.holders.filter(
    (h) => own.has(`${h.kind}:${h.hash}`) && h.userId !== evidence.refereeId,
  );
  for (const h of held) {
    if (h.userId === evidence.referrerId) add(SHARED_SIGNAL[h.kind], SHARED_REASON[h.kind]);
  }
  const chainIndex = (userId: string) => evidence.chain.indexOf(userId);
  if (chainIndex(evidence.refereeId) >= 0) {
    add(
      "referral_ring",
      `The friend is up the referrer's chain (${chainIndex(evidence.refereeId) + 1} level(s) above the referrer): they refer each other.`,
    );
  }
  for (const h of held) {
    const at = chainIndex(h.userId);
    if (at >= 0) {
      add(
        "referral_ring",
        `The friend shares ${KIND_NAME[h.kind]} with a member ${at + 1} level(s) up the referrer's chain.`,
      );
    }
  }
  if (evidence.referrerReferralsLastDay + 1 > settings.maxReferralsPerReferrerPerDay) {
    add(
      "referrer_velocity",
      `The referrer referred ${evidence.referrerReferralsLastDay + 1} friends within 24 hours (more than ${settings.maxReferralsPerReferrerPerDay}).`,
    );
  }
  if (evidence.flags.includes("disposable_email_domain")) {
    add("disposable_email_domain", "The friend's e-mail domain is on the disposable-domain list.");
  }
  if (evidence.flags.includes("datacenter_ip")) {
    add("datacenter_ip", "The friend signed up from a datacenter or VPN address range.");
  }
  if (evidence.method === "probabilistic") {
    add(
      "probabilistic_attribution",
      "The referral was matched on IP and user agent only, with no code or link token.",
    );
  }
  const signals = RISK_SIGNAL_CODES.filter((code) => found.has(code)).map((code) => ({
    code,
    weight: weightOf(code),
    reason: found.get(code) ?? code,
  }));
  const score = signals.reduce((sum, s) => sum + s.weight, 0);
  return { signals, score, hold: signals.length > 0 && score >= settings.holdThreshold };
}
