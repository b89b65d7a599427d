import type { Overview } from "./schemas";
import { type OverviewWindow, perDay } from "./window";

/** What the store read, as plain rows. */
export interface OverviewRows {
  clicks: ReadonlyArray<{ day: string; clicks: number }>;
  conversions: ReadonlyArray<{
    day: string;
    currency: string;
    status: string;
    conversions: number;
    cashbackMinor: number;
  }>;
  paid: ReadonlyArray<{ day: string; currency: string; payouts: number; totalMinor: number }>;
  inFlight: ReadonlyArray<{ currency: string | null; payouts: number; totalMinor: number }>;
  attention: {
    claimsToReview: number;
    heldPayouts: number;
    attentionPayouts: number;
    reportDifferences: number;
    payoutDiscrepancies: number;
    openCircuitBreakers: number;
  };
}

const toIso = (ms: number) => new Date(ms).toISOString();
const byCurrency = <T extends { currency: string | null }>(a: T, b: T) =>
  (a.currency ?? "").localeCompare(b.currency ?? "");

/** Totals of one period: the days of `days` only. */
function period(rows: OverviewRows, days: ReadonlySet<string>, fromMs: number, toMs: number) {
  const cashback = new Map<
    string,
    { pendingMinor: number; confirmedMinor: number; paidMinor: number }
  >();
  const of = (currency: string) => {
    let c = cashback.get(currency);
    if (!c) {
      c = { pendingMinor: 0, confirmedMinor: 0, paidMinor: 0 };
      cashback.set(currency, c);
    }
    return c;
  };
  let conversions = 0;
  for (const r of rows.conversions) {
    if (!days.has(r.day)) continue;
    conversions += r.conversions;
    if (r.status === "pending") of(r.currency).pendingMinor += r.cashbackMinor;
    if (r.status === "confirmed") of(r.currency).confirmedMinor += r.cashbackMinor;
  }
  for (const r of rows.paid) if (days.has(r.day)) of(r.currency).paidMinor += r.totalMinor;
  const clicks = rows.clicks.reduce((sum, r) => sum + (days.has(r.day) ? r.clicks : 0), 0);
  return {
    from: toIso(fromMs),
    to: toIso(toMs),
    clicks,
    conversions,
    cashback: [...cashback].map(([currency, c]) => ({ currency, ...c })).sort(byCurrency),
  };
}

/**
 * The overview from the store's rows: today and the whole window, per-day series with zeros
 * filled in, and the attention counts. Pure.
 *
 * @example
 * const overview = assembleOverview(overviewWindow(Date.now()), Date.now(), rows);
 */
export function assembleOverview(
  window: OverviewWindow,
  asOfMs: number,
  rows: OverviewRows,
): Overview {
  const today = window.days[window.days.length - 1] ?? "";
  const conversionsPerDay = perDay(
    window.days,
    rows.conversions.map((r) => ({ day: r.day, value: r.conversions })),
  );
  const clicksPerDay = perDay(
    window.days,
    rows.clicks.map((r) => ({ day: r.day, value: r.clicks })),
  );
  // Cashback still owed or earned: a cancelled conversion's cashback was taken back.
  const earning = rows.conversions.filter(
    (r) => r.status === "pending" || r.status === "confirmed",
  );
  const currencies = [...new Set(earning.map((r) => r.currency))].sort();
  return {
    asOf: toIso(asOfMs),
    windowDays: window.days.length,
    today: period(rows, new Set([today]), window.todayFromMs, window.toMs),
    last30Days: period(rows, new Set(window.days), window.fromMs, window.toMs),
    payoutsInFlight: [...rows.inFlight].sort(byCurrency).map((r) => ({
      currency: r.currency,
      payouts: r.payouts,
      totalMinor: r.totalMinor,
    })),
    attention: {
      claimsToReview: rows.attention.claimsToReview,
      heldPayouts: rows.attention.heldPayouts,
      attentionPayouts: rows.attention.attentionPayouts,
      reconciliationDifferences:
        rows.attention.reportDifferences + rows.attention.payoutDiscrepancies,
      openCircuitBreakers: rows.attention.openCircuitBreakers,
    },
    daily: window.days.map((day, i) => ({
      day,
      clicks: clicksPerDay[i]?.value ?? 0,
      conversions: conversionsPerDay[i]?.value ?? 0,
    })),
    cashbackPerDay: currencies.map((currency) => ({
      currency,
      days: perDay(
        window.days,
        earning
          .filter((r) => r.currency === currency)
          .map((r) => ({ day: r.day, value: r.cashbackMinor })),
      ).map((d) => ({ day: d.day, cashbackMinor: d.value })),
    })),
  };
}
