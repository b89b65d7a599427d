/**
 * Funnel data points for Workers Analytics Engine (docs/analytics.md "Analytics Engine").
 * Written by the queue consumers where each step is projected (clicks, conversions,
 * confirmations, payouts), never on a request's hot path. The binding (`FUNNEL_ANALYTICS`,
 * wrangler.toml) is absent locally and in tests: the writer is then a no-op. A data point is
 * an event, not a count to trust: a redelivered message writes it again, and Analytics Engine
 * samples; the exact figures are D1's rollups.
 */

export type FunnelStep = "click" | "conversion" | "confirmed" | "cancelled" | "paid";

export interface FunnelPoint {
  step: FunnelStep;
  offerId?: string | null;
  merchantId?: string | null;
  networkId?: string | null;
  currency?: string | null;
  /** Money of the step in minor units (cashback for conversions, the amount paid). */
  amountMinor?: number;
  /** Network commission, for conversions and confirmations. */
  commissionMinor?: number;
}

/** The one shape every data point has: blobs and doubles in a fixed order (see the docs). */
export function dataPointOf(point: FunnelPoint): AnalyticsEngineDataPoint {
  return {
    indexes: [point.offerId ?? ""],
    blobs: [
      point.step,
      point.offerId ?? "",
      point.merchantId ?? "",
      point.networkId ?? "",
      point.currency ?? "",
    ],
    doubles: [1, point.amountMinor ?? 0, point.commissionMinor ?? 0],
  };
}

export interface FunnelWriter {
  write(points: readonly FunnelPoint[]): void;
}

const NO_OP: FunnelWriter = { write: () => {} };

/**
 * The writer for this worker: Analytics Engine when bound, else a no-op. Never throws: a
 * failed analytics write must not fail (and so redeliver) a projection batch.
 */
export function funnelWriter(env: { FUNNEL_ANALYTICS?: AnalyticsEngineDataset }): FunnelWriter {
  const dataset = env.FUNNEL_ANALYTICS;
  if (!dataset) return NO_OP;
  return {
    write(points) {
      for (const point of points) {
        try {
          dataset.writeDataPoint(dataPointOf(point));
        } catch {
          // Analytics only: dropped, never retried.
        }
      }
    },
  };
}
