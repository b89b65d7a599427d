import { EmptyState } from "../views/components";
import { ReportTable } from "../views/report";

/**
 * The analytics page's funnel per campaign (docs/analytics.md "Campaigns"): the clicks and
 * conversions that carried each campaign's boost, each row linking to the page filtered by it.
 */

type Counts = { clicks: number; conversions: number; confirmed: number; paid: number };
export type CampaignRow = Counts & { campaignId: string };

const count = (n: number) => n.toLocaleString("en");

export function CampaignFunnelTable({
  rows,
  hrefFor,
}: {
  rows: readonly CampaignRow[];
  hrefFor: (campaignId: string) => string;
}) {
  return (
    <>
      <h3>Per campaign</h3>
      <p class="muted">
        Clicks and conversions that carried the campaign's boost. Boosts stack, so one click can
        count for several campaigns: the rows do not add up to the totals.
      </p>
      {rows.length === 0 ? (
        <EmptyState>No campaign boosted a click or a conversion in this range.</EmptyState>
      ) : (
        <ReportTable
          name="funnel-by-campaign"
          caption="Funnel per campaign"
          columns={[
            { label: "Campaign" },
            { label: "Clicks", num: true },
            { label: "Conversions", num: true },
            { label: "Confirmed", num: true },
            { label: "Paid", num: true },
          ]}
        >
          {rows.map((r) => (
            <tr>
              <td>
                <a href={hrefFor(r.campaignId)}>{r.campaignId}</a>
              </td>
              <td class="num" data-figure={`campaign-clicks-${r.campaignId}`}>
                {count(r.clicks)}
              </td>
              <td class="num">{count(r.conversions)}</td>
              <td class="num">{count(r.confirmed)}</td>
              <td class="num">{count(r.paid)}</td>
            </tr>
          ))}
        </ReportTable>
      )}
    </>
  );
}
