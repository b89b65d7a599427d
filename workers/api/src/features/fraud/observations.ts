import type { ApiEnv } from "#shared/env";
import { type ClickQuality, clickQualityFacts } from "#shared/fraud/click-quality";
import { observationMessage } from "#shared/fraud/observation-message";
import type { Observation } from "#shared/fraud/risk-contract";
import { scoringEnabled } from "#shared/fraud/scoring-switch";
import { ORDER_UPDATE_FACT } from "#shared/fraud/screen";
import type { ClickMessage } from "#shared/messages";
import type { ConversionEvent, ConversionOutcome } from "../../wallet-client";

/**
 * What the api worker's consumers report to the risk queue (docs/fraud.md "Signals"), built
 * from what they already hold: scoring never adds a read to their path. The consumers report
 * through `reportOrKeepObservations` (observation-outbox.ts): a failed send keeps the
 * observations in D1 for the cron to re-send, so scoring is delayed, never the event.
 */

/**
 * Pure: a stored click as a `click` observation, its id the click id.
 *
 * @example
 * clickObservation(message) // { observationId: "click:clk_1", kind: "click", facts: { "signal.offerId": "o1", … } }
 */
export function clickObservation(click: ClickMessage): Observation {
  // The redirect's verdict; absent on older clicks.
  const quality = (click as ClickMessage & { quality?: ClickQuality }).quality;
  return {
    observationId: `click:${click.clickId}`,
    userId: click.userId,
    kind: "click",
    atMs: click.clickedAtMs,
    subjectRef: click.clickId,
    facts: {
      "signal.offerId": click.offerId,
      "signal.merchantId": click.merchantId,
      // Every click-quality fact the signal catalog names, plus the reasons as one string
      // (behaviour-signals.ts reads them).
      ...(quality
        ? { ...clickQualityFacts(quality), "signal.clickReasons": quality.reasons.join(",") }
        : {}),
      ...clickNetworkFacts(click),
    },
    ...clickIdentifiers(click),
  };
}

/** Pure: the click's network as facts (`signal.asn`, `signal.country`), when the edge had them. */
function clickNetworkFacts(click: ClickMessage): Record<string, string | number> {
  const facts: Record<string, string | number> = {};
  if (typeof click.network?.asn === "number") facts["signal.asn"] = click.network.asn;
  if (typeof click.network?.country === "string") facts["signal.country"] = click.network.country;
  return facts;
}

/** Pure: the click's identity link (its IP network's keyed hash, made at the edge). */
function clickIdentifiers(click: ClickMessage): Pick<Observation, "identifiers"> {
  const hash = click.identifiers?.ip_prefix;
  return typeof hash === "string" && /^v\d+\.[A-Za-z0-9_-]{43}$/.test(hash)
    ? { identifiers: { ip_prefix: hash } }
    : {};
}

/**
 * Pure: a conversion the wallet took as a `conversion` observation, its id the network's order
 * (a status update of the same order is the same conversion and counts once), with how long
 * after its click the sale happened (stuffing shows as sales seconds after a burst of clicks),
 * and whether it was a status update of an order the wallet already had.
 */
export function conversionObservation(
  event: ConversionEvent,
  outcome: ConversionOutcome = "created",
): Observation {
  return {
    observationId: `conversion:${event.networkId}:${event.orderId}`,
    userId: event.userId,
    kind: "conversion",
    atMs: event.occurredAtMs,
    subjectRef: event.txnId,
    facts: {
      "signal.offerId": event.offerId,
      "signal.saleAmountMinor": event.saleAmountMinor,
      ...(event.category ? { "signal.category": event.category } : {}),
      "signal.clickToConversionSec": Math.max(
        0,
        Math.round(event.occurredAtMs / 1000 - event.clickAtSec),
      ),
      // A status update of an order the wallet had: counted, not judged again (screen.ts).
      ...(outcome === "updated" ? { [ORDER_UPDATE_FACT]: true } : {}),
    },
  };
}

/**
 * Sends the observations to the risk queue in one batch (nothing to send, nothing sent). With
 * scoring switched off (`FRAUD_SCORING = "off"`, docs/fraud.md "Turning scoring off") nothing
 * is sent: the one check for every consumer that reports.
 */
export async function reportObservations(
  env: Pick<ApiEnv, "RISK_OBSERVATIONS" | "FRAUD_SCORING">,
  observations: readonly Observation[],
): Promise<void> {
  if (observations.length === 0 || !scoringEnabled(env)) return;
  await env.RISK_OBSERVATIONS.sendBatch(observations.map((o) => ({ body: observationMessage(o) })));
}
