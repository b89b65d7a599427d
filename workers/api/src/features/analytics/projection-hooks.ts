import { type FunnelPoint, funnelWriter } from "#shared/analytics/engine";
import type { ApiEnv } from "#shared/env";
import type { ClickMessage, LedgerEventMessage } from "#shared/messages";

/**
 * What the queue consumers call once their projection batch is written: the funnel's data
 * points to Analytics Engine (a no-op without the binding; never throws). The D1 rollups are
 * not touched here: the batch itself marked its days and weeks dirty (dirty.ts) and the
 * ten-minute cron recomputes them (docs/analytics.md "When").
 */
export function analyticsAfterLedgerBatch(
  env: Pick<ApiEnv, "FUNNEL_ANALYTICS">,
  bodies: readonly LedgerEventMessage[],
): void {
  const points: FunnelPoint[] = [];
  for (const body of bodies) {
    if (body.kind === "transaction") {
      const t = body.txn;
      const step =
        t.status === "confirmed"
          ? "confirmed"
          : t.status === "pending"
            ? "conversion"
            : t.status === "cancelled"
              ? "cancelled"
              : null;
      if (step) {
        points.push({
          step,
          offerId: t.offerId,
          networkId: t.networkId,
          currency: t.currency,
          amountMinor: t.cashbackMinor + (t.boostMinor ?? 0),
          commissionMinor: t.commissionMinor,
        });
      }
    } else if (body.kind === "payout") {
      if (body.payout.status === "paid") {
        points.push({
          step: "paid",
          currency: body.payout.currency,
          amountMinor: body.payout.amountMinor,
        });
      }
    }
  }
  funnelWriter(env).write(points);
}

/** After the clicks consumer's rollups are written (which marked their days): click points. */
export function analyticsAfterClicks(
  env: Pick<ApiEnv, "FUNNEL_ANALYTICS">,
  clicks: readonly ClickMessage[],
): void {
  funnelWriter(env).write(
    clicks.map((c) => ({
      step: "click",
      offerId: c.offerId,
      merchantId: c.merchantId,
      networkId: c.networkId,
      currency: c.currency,
    })),
  );
}
