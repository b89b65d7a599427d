import { headlineRateBps } from "#shared/money/cashback";
import { trackingUrlFor } from "#shared/networks/tracking-urls";
import { formatRateBps } from "../../format/money";
import { DateTime, Money } from "../../views/components";
import type { Merchant, Network, Offer } from "./types";

/**
 * What a shopper sees of an offer (its card) and where a click on it would go (the network
 * URL the redirect builds). The URL is shown as text, never as a link: following it would
 * be a click the network counts.
 */

/** Stand-ins for the per-click values the redirect worker mints. */
export const PREVIEW_SUBID = "PREVIEW-SUBID";
export const PREVIEW_CLICK_ID = "PREVIEW-CLICK-ID";

/**
 * The network URL an offer's click goes to, built by the same builder the redirect uses,
 * with placeholders for the sub-ID and click id; null when it cannot be built.
 *
 * @example
 * previewTrackingUrl(network, merchant, offer) // "https://net.example/t?s=PREVIEW-SUBID&u=…"
 */
export function previewTrackingUrl(
  network: Network,
  merchant: Merchant,
  offer: Offer,
): string | null {
  try {
    return trackingUrlFor(
      network.postbackFormat,
      network.trackingTemplate,
      {
        subId: PREVIEW_SUBID,
        clickId: PREVIEW_CLICK_ID,
        landingUrl: merchant.landingUrl,
        networkOfferRef: offer.networkOfferRef,
      },
      network.options,
    );
  } catch {
    return null;
  }
}

const POLICY_TEXT: Record<string, string> = {
  return_window: "Confirms when the network approves or the return window passes",
  network_approval: "Confirms when the network approves the order",
  both: "Confirms after the return window and the network's approval",
};

/** The offer as a shopper's card shows it. */
export function OfferCard(props: { offer: Offer; merchant: Merchant | null; timeZone: string }) {
  const { offer, merchant, timeZone } = props;
  const terms = offer.cashback;
  const headline = headlineRateBps(terms);
  const upTo = headline > terms.defaultRateBps ? "Up to " : "";
  const basis = terms.basis === "commission" ? "of the commission" : "cashback";
  const rates = Object.entries(terms.categoryRates);
  const excluded = terms.excludedCategories ?? [];
  return (
    <article class="offer-card" aria-label="Shopper's offer card preview">
      <p class="merchant">{merchant?.name ?? offer.merchantId}</p>
      <p class="headline">
        {upTo}
        {formatRateBps(headline)} {basis}
      </p>
      <h3>{offer.title}</h3>
      {offer.description ? <p>{offer.description}</p> : null}
      <ul>
        {rates.length > 0 ? (
          <li>
            {rates
              .map(([category, rateBps]) => `${category} ${formatRateBps(rateBps)}`)
              .join(" · ")}
            {" · "}everything else {formatRateBps(terms.defaultRateBps)}
          </li>
        ) : null}
        {excluded.length > 0 ? <li>No cashback on {excluded.join(", ")}</li> : null}
        {terms.capMinor !== null && terms.capMinor !== undefined ? (
          <li>
            At most <Money amountMinor={terms.capMinor} currency={offer.currency} /> per order
          </li>
        ) : null}
        <li>
          {POLICY_TEXT[offer.confirmationPolicy ?? "return_window"] ?? POLICY_TEXT.return_window}
          {` (return window ${offer.returnWindowDays} days)`}
        </li>
        {offer.endsAt ? (
          <li>
            Ends <DateTime at={offer.endsAt} timeZone={timeZone} />
          </li>
        ) : null}
      </ul>
    </article>
  );
}

/** The card and the tracking URL, side by side, for the offer page. */
export function OfferPreview(props: {
  offer: Offer;
  merchant: Merchant | null;
  network: Network | null;
  timeZone: string;
}) {
  const url =
    props.network && props.merchant
      ? previewTrackingUrl(props.network, props.merchant, props.offer)
      : null;
  return (
    <section class="panel preview" aria-labelledby="preview-h">
      <h2 id="preview-h">Preview</h2>
      <OfferCard offer={props.offer} merchant={props.merchant} timeZone={props.timeZone} />
      <h3>Tracking URL</h3>
      {url ? (
        <>
          <pre class="raw tracking-url">
            <code>{url}</code>
          </pre>
          <p class="hint">
            Where the redirect sends a shopper, with {PREVIEW_SUBID} and {PREVIEW_CLICK_ID} in place
            of the signed sub-ID and click id each click gets. Shown, never followed.
          </p>
        </>
      ) : (
        <p class="muted">No tracking URL: the offer's merchant or network could not be read.</p>
      )}
    </section>
  );
}
