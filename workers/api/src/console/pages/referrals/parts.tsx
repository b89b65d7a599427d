import type { ReferralPartyReward } from "#shared/rules/index";
import { Money } from "../../views/components";

/** What the referrals pages share: their tabs, the admin API paths, a reward as text. */

export const REFERRALS_BASE = "/console/referrals";
export const FUNNEL_API = "/admin/v1/referrals/funnel";

const TABS = [
  { key: "campaigns", label: "Campaigns", href: REFERRALS_BASE },
  { key: "funnel", label: "Funnel", href: `${REFERRALS_BASE}/funnel` },
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
