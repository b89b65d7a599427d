import { Badge, DateTime, EmptyState } from "../../views/components";
import type { PointsLot, PointsSummary, TierHistoryEntry } from "./types";

const fmt = (n: number) => new Intl.NumberFormat("en").format(n);

/** A member's points by state, next expiry and tier (docs/loyalty.md). */
export function PointsPanel({ summary, timeZone }: { summary: PointsSummary; timeZone: string }) {
  const b = summary.balance;
  const cards: Array<[string, number]> = [
    ["Active", b.activePoints],
    ["Pending", b.pendingPoints],
    ["Spent", b.spentPoints],
    ["Expired", b.expiredPoints],
    ["Reversed", b.reversedPoints],
    ["Debt", b.debtPoints],
  ];
  const tier = summary.tier;
  return (
    <>
      <ul class="cards">
        {cards.map(([label, points]) => (
          <li class="card">
            <div class="label">{label} points</div>
            <div class="value">{fmt(points)}</div>
          </li>
        ))}
      </ul>
      <dl class="facts">
        <dt>Next expiry</dt>
        <dd>
          {b.nextExpiry ? (
            <>
              {fmt(b.nextExpiry.points)} points on{" "}
              <DateTime at={b.nextExpiry.at} timeZone={timeZone} />
            </>
          ) : (
            "—"
          )}
        </dd>
        <dt>Tier</dt>
        <dd>
          {tier ? (
            <>
              <Badge status={tier.tier} />
              {tier.next ? (
                <span class="muted">
                  {" "}
                  {(tier.next.progressBps / 100).toFixed(0)}% of the way to {tier.next.tier}
                </span>
              ) : null}
              {tier.keptUntil ? (
                <span class="muted">
                  {" "}
                  kept until <DateTime at={tier.keptUntil} timeZone={timeZone} />
                </span>
              ) : null}
            </>
          ) : (
            "—"
          )}
        </dd>
      </dl>
    </>
  );
}

export function LotsTable({ items, timeZone }: { items: PointsLot[]; timeZone: string }) {
  if (items.length === 0) return <EmptyState>No points earned yet.</EmptyState>;
  return (
    <table>
      <caption class="visually-hidden">Points lots</caption>
      <thead>
        <tr>
          <th scope="col">Source</th>
          <th scope="col">Rule</th>
          <th scope="col" class="num">
            Earned
          </th>
          <th scope="col" class="num">
            Left
          </th>
          <th scope="col">Status</th>
          <th scope="col">Earned on</th>
          <th scope="col">Expires</th>
        </tr>
      </thead>
      <tbody>
        {items.map((l) => (
          <tr>
            <td>
              {l.sourceType} <code>{l.sourceId}</code>
            </td>
            <td>
              {l.ruleId} v{l.ruleVersion}
            </td>
            <td class="num">{fmt(l.earnedPoints)}</td>
            <td class="num">{fmt(l.remainingPoints)}</td>
            <td>
              <Badge status={l.status} />
            </td>
            <td>
              <DateTime at={l.earnedAt} timeZone={timeZone} />
            </td>
            <td>{l.expiresAt ? <DateTime at={l.expiresAt} timeZone={timeZone} /> : "—"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Every tier change of the member, newest first, with why and the spend it was judged on. */
export function TierHistoryTable({
  items,
  timeZone,
}: {
  items: TierHistoryEntry[];
  timeZone: string;
}) {
  if (items.length === 0) return <EmptyState>No tier changes yet.</EmptyState>;
  return (
    <table>
      <caption class="visually-hidden">Tier history</caption>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">From</th>
          <th scope="col">To</th>
          <th scope="col">Why</th>
          <th scope="col" class="num">
            Qualifying spend (minor units)
          </th>
        </tr>
      </thead>
      <tbody>
        {items.map((t) => (
          <tr>
            <td>
              <DateTime at={t.at} timeZone={timeZone} />
            </td>
            <td>{t.fromTier ?? "—"}</td>
            <td>
              <Badge status={t.toTier} />
            </td>
            <td>{t.reason}</td>
            <td class="num">{fmt(t.qualifyingSpendMinor)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
