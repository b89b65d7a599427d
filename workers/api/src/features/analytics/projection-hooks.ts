import { type FunnelPoint, funnelWriter } from "#shared/analytics/engine";
import type { ApiEnv } from "#shared/env";
import type { ClickMessage, LedgerEventMessage } from "#shared/messages";
import { createLogger, errorFields } from "#shared/observability/logger";
import { utcDay } from "#shared/time/clock";
import { refreshAfterProjection, refreshDays } from "./rollups";

const log = createLogger({ worker: "api", feature: "analytics" });

/**
 * What the queue consumers call once their projection batch is written: the funnel's data
 * points to Analytics Engine (a no-op without the binding) and the D1 rollups of the days and
 * weeks the batch touched. Never throws: analytics must not redeliver a projection batch; a
 * failed refresh is logged and the crons recompute recent days (docs/analytics.md).
 */
export async function analyticsAfterLedgerBatch(
  env: Pick<ApiEnv, "DB" | "FUNNEL_ANALYTICS">,
  bodies: readonly LedgerEventMessage[],
  nowMs: number,
): Promise<void> {
  const points: FunnelPoint[] = [];
  const days = new Set<string>();
  const payoutUsers = new Set<string>();
  const users = new Set<string>();
  for (const body of bodies) {
    if (body.kind === "transaction") {
      const t = body.txn;
      users.add(body.userId);
      days.add(utcDay(t.convertedAtMs));
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
      payoutUsers.add(body.userId);
      if (body.payout.status === "paid") {
        points.push({
          step: "paid",
          currency: body.payout.currency,
          amountMinor: body.payout.amountMinor,
        });
      }
    } else if (body.kind === "profile") {
      users.add(body.userId);
    }
  }
  funnelWriter(env).write(points);
  if (days.size === 0 && payoutUsers.size === 0 && users.size === 0) return;
  try {
    await refreshAfterProjection(env.DB, { days, payoutUsers, users }, nowMs);
  } catch (error) {
    log.error("analytics.refresh_failed", { days: days.size, ...errorFields(error) });
  }
}

/** After the clicks consumer's rollups are written: click data points and those days' rows. */
export async function analyticsAfterClicks(
  env: Pick<ApiEnv, "DB" | "FUNNEL_ANALYTICS">,
  clicks: readonly ClickMessage[],
  nowMs: number,
): Promise<void> {
  funnelWriter(env).write(
    clicks.map((c) => ({
      step: "click",
      offerId: c.offerId,
      merchantId: c.merchantId,
      networkId: c.networkId,
      currency: c.currency,
    })),
  );
  try {
    await refreshDays(
      env.DB,
      clicks.map((c) => utcDay(c.clickedAtMs)),
      nowMs,
    );
  } catch (error) {
    log.error("analytics.refresh_failed", { clicks: clicks.length, ...errorFields(error) });
  }
}
