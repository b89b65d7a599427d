import { describe, expect, test } from "vitest";
import type { Facts } from "../rules/index";
import { evaluate } from "../rules/index";
import { compiled } from "../rules/testing/fixtures";
import { FRAUD_GROUP, FRAUD_STARTER_RULES } from "./starter-rules";

/** Each starter rule fires on the case it names and not on a clean one (docs/fraud.md). */

const set = compiled([...FRAUD_STARTER_RULES], { groups: [FRAUD_GROUP] });
const NOW = Date.UTC(2026, 11, 6, 12);

const risk = (kind: string, signals: Record<string, number | boolean | string> = {}): Facts => ({
  "event.type": `risk.${kind}`,
  "event.id": "obs-1",
  "event.occurredAtMs": NOW,
  "user.id": "u1",
  "signal.score": 0,
  ...signals,
});
const fired = (facts: Facts) =>
  evaluate(set, facts, { nowMs: NOW }).applied.map(
    (a) => `${a.ruleId}:${a.effect.kind}:${"reasonCode" in a.effect ? a.effect.reasonCode : ""}`,
  );

describe("the starter rules", () => {
  test.each([
    {
      rule: "fraud-shared-device-referral",
      hit: risk("referral", { "signal.usersSharingDevice": 2 }),
      clean: risk("referral", { "signal.usersSharingDevice": 0 }),
      effects: ["hold_referral:shared_device"],
    },
    {
      rule: "fraud-shared-payment-redemption",
      hit: risk("redemption", { "signal.usersSharingPayment": 1 }),
      clean: risk("redemption", { "signal.usersSharingPayment": 0 }),
      effects: ["hold_payouts:shared_payment_instrument"],
    },
    {
      rule: "fraud-bot-click",
      hit: risk("click", { "signal.clickBot": true }),
      clean: risk("click", { "signal.clickBot": false }),
      effects: ["ignore_click:click_bot"],
    },
    {
      rule: "fraud-click-flood",
      hit: risk("click", { "signal.clicks1h": 61 }),
      clean: risk("click", { "signal.clicks1h": 12 }),
      effects: ["hold_payouts:click_flood"],
    },
    {
      rule: "fraud-shared-ip-clicks",
      hit: risk("click", { "signal.usersSharingIpPrefix": 40 }),
      // A household: a few accounts behind one address.
      clean: risk("click", { "signal.usersSharingIpPrefix": 4 }),
      effects: ["flag:shared_ip_prefix"],
    },
    {
      rule: "fraud-takeover-redemption",
      hit: risk("redemption", {
        "signal.newDeviceLogins24h": 1,
        "signal.destinationChanges24h": 1,
        "signal.takeoverSequenceMinutes": 6,
      }),
      // A new phone in the morning, a new bank account in the evening: no 10-minute sequence.
      clean: risk("redemption", {
        "signal.newDeviceLogins24h": 1,
        "signal.destinationChanges24h": 1,
        "signal.takeoverSequenceMinutes": 540,
      }),
      effects: ["hold_payouts:account_takeover", "require_step_up:account_takeover"],
    },
    {
      rule: "fraud-takeover-redemption",
      // A new phone, but the destination is the one the user always had: no sequence at all.
      hit: risk("redemption", { "signal.takeoverSequenceMinutes": 10 }),
      clean: risk("redemption", {
        "signal.newDeviceLogins24h": 1,
        "signal.destinationChanges24h": 0,
      }),
      effects: ["hold_payouts:account_takeover", "require_step_up:account_takeover"],
    },
    {
      rule: "fraud-impossible-travel",
      hit: risk("login", { "signal.countryChangedWithinHours": 1, "signal.travelKmh": 6711 }),
      // A traveller: India in the morning, London a day later.
      clean: risk("login", { "signal.countryChangedWithinHours": 24, "signal.travelKmh": 280 }),
      effects: ["require_step_up:impossible_travel"],
    },
    {
      rule: "fraud-impossible-travel",
      // No coordinates: another country within the hour.
      hit: risk("login", { "signal.countryChangedWithinHours": 0.5 }),
      // Fast, but within one country (two cities' geolocation): not this rule's case.
      clean: risk("login", { "signal.travelKmh": 5000 }),
      effects: ["require_step_up:impossible_travel"],
    },
    {
      rule: "fraud-cookie-stuffing",
      hit: risk("conversion", {
        "signal.secondsSinceClick": 8,
        "signal.clicksLastMinute": 4,
        "signal.iframeClicksLastMinute": 0,
      }),
      // A shopper who clicked once and bought a minute and a half later.
      clean: risk("conversion", {
        "signal.secondsSinceClick": 95,
        "signal.clicksLastMinute": 0,
        "signal.iframeClicksLastMinute": 0,
      }),
      effects: ["hold_transaction:cookie_stuffing"],
    },
    {
      rule: "fraud-cookie-stuffing",
      hit: risk("conversion", {
        "signal.secondsSinceClick": 12,
        "signal.clicksLastMinute": 1,
        "signal.iframeClicksLastMinute": 1,
      }),
      // A quick buyer with one ordinary click: fast is not stuffing.
      clean: risk("conversion", {
        "signal.secondsSinceClick": 12,
        "signal.clicksLastMinute": 1,
        "signal.iframeClicksLastMinute": 0,
      }),
      effects: ["hold_transaction:cookie_stuffing"],
    },
    {
      rule: "fraud-profile-change-redemption",
      hit: risk("redemption", { "signal.profileChanges24h": 1 }),
      clean: risk("redemption", { "signal.profileChanges24h": 0, "signal.profileChanges7d": 1 }),
      effects: ["require_step_up:recent_profile_change"],
    },
    {
      rule: "fraud-redemption-velocity",
      hit: risk("redemption", { "signal.redemptions24h": 4 }),
      clean: risk("redemption", { "signal.redemptions24h": 1 }),
      effects: ["hold_payouts:redemption_velocity"],
    },
    {
      rule: "fraud-score-threshold",
      hit: risk("redemption", { "signal.score": 70 }),
      clean: risk("redemption", { "signal.score": 69 }),
      effects: ["hold_payouts:score_threshold"],
    },
    // Return abuse (return-signals.ts: the rate is 0 below 5 orders).
    {
      rule: "fraud-return-abuse",
      hit: risk("return", {
        "signal.userOrders90d": 10,
        "signal.userReturnRateBps": 8_000,
      }),
      // Returns often, but one order in ten came back.
      clean: risk("return", {
        "signal.userOrders90d": 10,
        "signal.userReturnRateBps": 1_000,
      }),
      effects: ["hold_payouts:return_abuse"],
    },
    {
      rule: "fraud-return-abuse",
      hit: risk("return", {
        "signal.userOrders90d": 25,
        "signal.userReturnRateBps": 6_000,
      }),
      // Every order returned, but only 4 of them: too few to say.
      clean: risk("return", {
        "signal.userOrders90d": 4,
        "signal.userReturnRateBps": 0,
      }),
      effects: ["hold_payouts:return_abuse"],
    },
    {
      rule: "fraud-abuse-prone-category",
      hit: risk("conversion", {
        "signal.category": "fashion",
        "signal.categoryAbuseProne": true,
        "signal.userReturnMinOrdersMet": true,
        "signal.userReturnRateBps": 4_000,
      }),
      // The same shopper in a category nobody marked.
      clean: risk("conversion", {
        "signal.category": "groceries",
        "signal.categoryAbuseProne": false,
        "signal.userReturnMinOrdersMet": true,
        "signal.userReturnRateBps": 4_000,
      }),
      effects: ["hold_transaction:abuse_prone_category"],
    },
    {
      rule: "fraud-abuse-prone-category",
      hit: risk("conversion", {
        "signal.categoryAbuseProne": true,
        "signal.userReturnMinOrdersMet": true,
        "signal.userReturnRateBps": 3_000,
      }),
      // An abuse-prone category, a shopper who rarely returns.
      clean: risk("conversion", {
        "signal.categoryAbuseProne": true,
        "signal.userReturnMinOrdersMet": true,
        "signal.userReturnRateBps": 500,
      }),
      effects: ["hold_transaction:abuse_prone_category"],
    },
  ])("$rule fires on its case and not on a clean one", ({ rule, hit, clean, effects }) => {
    expect(fired(hit)).toEqual(effects.map((e) => `${rule}:${e}`));
    expect(fired(clean)).toEqual([]);
  });

  test("every starter rule has a row above, and a clean user of each kind triggers none", () => {
    expect(FRAUD_STARTER_RULES).toHaveLength(13);
    for (const kind of ["click", "conversion", "referral", "redemption", "login", "return"]) {
      expect(fired(risk(kind))).toEqual([]);
    }
  });
});
