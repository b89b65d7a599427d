import type { ReferralPartyReward } from "#shared/rules/index";
import { Money } from "../../views/components";

/** What the referrals pages share: their tabs, the admin API paths, a reward as text. */

export const REFERRALS_BASE = "/console/referrals";
export const FUNNEL_API = "/admin/v1/referrals/funnel";

export const REFERRALS_API = "/admin/v1/referrals";

const TABS = [
  { key: "campaigns", label: "Campaigns", href: REFERRALS_BASE },
  { key: "funnel", label: "Funnel", href: `${REFERRALS_BASE}/funnel` },
  { key: "review", label: "Review queue", href: `${REFERRALS_BASE}/review` },
  { key: "program", label: "Program settings", href: `${REFERRALS_BASE}/program` },
  { key: "risk-lists", label: "Risk lists", href: `${REFERRALS_BASE}/risk-lists` },
  { key: "reason-texts", label: "Reason texts", href: `${REFERRALS_BASE}/reason-texts` },
] as const;

export type ReferralsTab = (typeof TABS)[number]["key"];

/** The section's own links under the page title (the nav's "Referrals" opens the campaigns). */
export function ReferralsTabs({ current }: { current: ReferralsTab }) {
  return (
    <nav class="tabs" aria-label="Referrals sections">
      {TABS.map((t) => (
        <a href={t.href} aria-current={t.key === current ? "page" : undefined}>
          {t.label}
        </a>
      ))}
    </nav>
  );
}

/** One party's reward: money from minor units in its currency, or points; "—" for none. */
export function Reward({ reward }: { reward: ReferralPartyReward | null | undefined }) {
  if (!reward) return <span class="muted">—</span>;
  if ("points" in reward) return <span>{reward.points.toLocaleString("en")} points</span>;
  return <Money amountMinor={reward.amountMinor} currency={reward.currency} />;
}

/** The funnel as GET /admin/v1/referrals/funnel answers it (client/schema.d.ts has the contract). */
export interface FunnelTimes {
  referrals: number;
  medianMs: number | null;
  p90Ms: number | null;
}
export interface FunnelStages {
  signups: number;
  qualified: number;
  rewarded: number;
  held: number;
  rejected: number;
  reversed: number;
  clickToQualification: FunnelTimes;
}
export interface FunnelView {
  from: string;
  to: string;
  ruleId: string | null;
  referrerId: string | null;
  total: FunnelStages & { clicks: number | null };
  byCampaign: Array<FunnelStages & { ruleId: string | null }>;
  byReferrer: Array<FunnelStages & { referrerId: string; clicks: number | null }>;
}

/** A referral as the review API answers it (GET /admin/v1/referrals…). */
export interface AdminReferral {
  referralId: string;
  programId: string;
  referrerId: string;
  refereeId: string;
  state: string;
  method: string;
  reason: string;
  riskScore: number;
  holdReasons: string[];
  attributedAtMs: number;
  updatedAtMs: number;
}

export interface RiskSignal {
  code: string;
  weight: number;
  reason: string;
}

/** GET /admin/v1/referrals/{referralId}: the referral, its timeline, rewards and signals. */
export interface AdminReferralDetail {
  referral: AdminReferral;
  history: Array<{
    fromState: string | null;
    state: string;
    reason: string;
    reasonText: string;
    eventId: string | null;
    atMs: number;
    actor?: string | null;
    note?: string | null;
  }>;
  rewards: Array<{
    party: "referee" | "referrer";
    status: string;
    reward: ReferralPartyReward;
    ruleId: string;
    ruleVersion: number;
    eventId: string;
  }>;
  signals: RiskSignal[];
  riskScore: number;
}

/** The path of one referral's decision in the admin API. */
export const decisionPath = (referralId: string) =>
  `${REFERRALS_API}/${encodeURIComponent(referralId)}/decision`;

/** A referral's fraud signals: code, weight and why each fired; "none" when none did. */
export function SignalList({ signals, score }: { signals: readonly RiskSignal[]; score: number }) {
  if (signals.length === 0) return <span class="muted">no signal fired (score {score})</span>;
  return (
    <ul class="plain">
      {signals.map((s) => (
        <li>
          <code>{s.code}</code> <span class="badge warn">{s.weight}</span> {s.reason}
        </li>
      ))}
      <li class="muted">score {score}</li>
    </ul>
  );
}
