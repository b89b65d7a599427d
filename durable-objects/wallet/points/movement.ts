import type { PointsMovementProjection } from "#shared/messages";

type Source = PointsMovementProjection["sources"][number];

interface TouchedLot {
  lot: { sourceType: string; earned: number; spent: number; expired: number; reversed: number };
  /** The lot before the change; absent: the lot is new. */
  before: { spent: number; expired: number; reversed: number } | undefined;
}

/**
 * Pure: what one points posting did, per source type of the lots it touched, for the points
 * funnel (docs/analytics.md "Points"). `earned` is a new lot's points (only a `points_earn`
 * creates one); `spent`, `expired` and `reversed` are each lot's change in those amounts. A
 * source whose lots did not change (an activation only moves pending to active) is left out.
 *
 * @example
 * movementSources("points_redeem_cashback", [
 *   { lot: { sourceType: "purchase", earned: 100, spent: 60, expired: 0, reversed: 0 },
 *     before: { spent: 20, expired: 0, reversed: 0 } },
 * ]); // [{ sourceType: "purchase", earned: 0, spent: 40, expired: 0, reversed: 0 }]
 */
export function movementSources(kind: string, touched: readonly TouchedLot[]): Source[] {
  const bySource = new Map<string, Source>();
  for (const { lot, before } of touched) {
    const row = bySource.get(lot.sourceType) ?? {
      sourceType: lot.sourceType,
      earned: 0,
      spent: 0,
      expired: 0,
      reversed: 0,
    };
    const start = before ?? { spent: 0, expired: 0, reversed: 0 };
    if (kind === "points_earn" && start.spent === 0 && start.expired === 0) {
      row.earned += lot.earned;
    }
    row.spent += lot.spent - start.spent;
    row.expired += lot.expired - start.expired;
    row.reversed += lot.reversed - start.reversed;
    bySource.set(lot.sourceType, row);
  }
  return [...bySource.values()].filter(
    (r) => r.earned !== 0 || r.spent !== 0 || r.expired !== 0 || r.reversed !== 0,
  );
}
