import type { OfferConfig } from "../config/offer-config";
import { MAX_BOOSTS_PER_OFFER } from "../config/offer-config";
import type { BoostSnapshot } from "../money/boost";
import { type CompiledRuleSet, compileRuleSet } from "../rules/compile";
import { evaluate } from "../rules/evaluate";
import {
  boostsOf,
  type CampaignTerms,
  type ClickFacts,
  campaignRuleSet,
  clickFacts,
} from "./campaign-rule";

/**
 * The redirect's use of the rules engine: the campaign rules an offer's config carries,
 * compiled once per cached config (the isolate keeps the same config object until it is
 * refreshed, so the compiled set lives exactly as long), evaluated for one click.
 */
const compiledByBoosts = new WeakMap<object, CompiledRuleSet>();

/**
 * The boosts a click freezes: the offer's campaign rules that apply to this click (schedule,
 * target, the link's segments), each with the rate and category the user is shown. The
 * rate frozen is the rate paid, whatever the campaign says later.
 *
 * @example
 * clickBoosts(offer, { clickId, userId: "u9", offerId: offer.offerId,
 *   merchantId: offer.merchantId, currency: "INR", segments: ["vip"], atMs: Date.now() })
 * // [{ campaignId: "diwali", boostRateBps: 200, category: null }]
 */
export function clickBoosts(
  offer: Pick<OfferConfig, "boosts">,
  click: ClickFacts,
): BoostSnapshot[] {
  const boosts = offer.boosts;
  if (boosts === undefined || boosts.length === 0) return [];
  let compiled = compiledByBoosts.get(boosts);
  if (compiled === undefined) {
    compiled = compileRuleSet(campaignRuleSet(boosts));
    compiledByBoosts.set(boosts, compiled);
  }
  const evaluation = evaluate(compiled, clickFacts(click), { nowMs: click.atMs });
  return boostsOf(compiled, evaluation, boosts, MAX_BOOSTS_PER_OFFER);
}

/**
 * The same decision for campaigns read from the catalog (the user's offer list shows the
 * boosts a click now would freeze), compiled for this call only.
 *
 * @example
 * campaignBoosts(offerCampaigns, { clickId: "", userId, offerId, merchantId, currency,
 *   segments, atMs: nowMs }).map((b) => b.campaignId)
 */
export function campaignBoosts(
  terms: readonly CampaignTerms[],
  click: ClickFacts,
): BoostSnapshot[] {
  if (terms.length === 0) return [];
  const compiled = compileRuleSet(campaignRuleSet(terms));
  const evaluation = evaluate(compiled, clickFacts(click), { nowMs: click.atMs });
  return boostsOf(compiled, evaluation, terms, MAX_BOOSTS_PER_OFFER);
}
