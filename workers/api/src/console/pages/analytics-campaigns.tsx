import { EmptyState } from "../views/components";

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
        <table data-table="funnel-by-campaign">
          <caption class="visually-hidden">Funnel per campaign</caption>
          <thead>
            <tr>
              <th scope="col">Campaign</th>
              <th scope="col" class="num">
                Clicks
              </th>
              <th scope="col" class="num">
                Conversions
              </th>
              <th scope="col" class="num">
                Confirmed
              </th>
              <th scope="col" class="num">
                Paid
              </th>
            </tr>
          </thead>
          <tbody>
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
          </tbody>
        </table>
      )}
    </>
  );
}
