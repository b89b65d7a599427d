import type { RuleInput } from "../rules/index";

/**
 * The starter fraud rules the product ships (docs/fraud.md "Starter rules"): plain rule-set
 * data an operator adds to the draft (`POST /admin/v1/rules/draft/fraud-starter`), edits and
 * publishes like any rule — no deploy. All in the stackable group `fraud`, so every rule that
 * matches adds its reason. Weights are starting points: each names the case it catches, and a
 * table test shows it fires on that case and not on a clean one.
 */

export const FRAUD_GROUP = { name: "fraud", mode: "stackable" } as const;

const starter = (
  rule: Omit<RuleInput, "group" | "priority" | "active"> & { priority?: number },
): RuleInput => ({ priority: 0, ...rule, group: FRAUD_GROUP.name, active: true });

/**
 * Return abuse (docs/fraud.md "Return abuse"): users who buy for the cashback and send the
 * goods back. Rates count only over enough orders (shared/fraud/return-signals.ts).
 */
const RETURN_STARTER_RULES: readonly RuleInput[] = [
  // Most of a user's recent orders came back: their payouts wait for a person.
  starter({
    id: "fraud-return-abuse",
    name: "10 or more orders in 90 days, 60% or more of them returned",
    eventTypes: ["risk.return"],
    conditions: {
      all: [
        { attr: "signal.userOrders90d", op: "gte", value: 10 },
        { attr: "signal.userReturnRateBps", op: "gte", value: 6_000 },
      ],
    },
    effects: [{ kind: "hold_payouts", score: 40, reasonCode: "return_abuse" }],
  }),
  // An order in a category the operator marked abuse-prone, by a user who returns often:
  // that order's cashback stays pending until a person looks.
  starter({
    id: "fraud-abuse-prone-category",
    name: "Order in an abuse-prone category by a user who returns 30% or more",
    eventTypes: ["risk.conversion"],
    conditions: {
      all: [
        { attr: "signal.categoryAbuseProne", op: "eq", value: true },
        { attr: "signal.userReturnMinOrdersMet", op: "eq", value: true },
        { attr: "signal.userReturnRateBps", op: "gte", value: 3_000 },
      ],
    },
    effects: [{ kind: "hold_transaction", score: 10, reasonCode: "abuse_prone_category" }],
  }),
];

export const FRAUD_STARTER_RULES: readonly RuleInput[] = [
  // Self-referral rings: the referee's device is also other accounts' device.
  starter({
    id: "fraud-shared-device-referral",
    name: "Referral from a device other accounts use",
    eventTypes: ["risk.referral"],
    conditions: { all: [{ attr: "signal.usersSharingDevice", op: "gte", value: 2 }] },
    effects: [{ kind: "hold_referral", score: 40, reasonCode: "shared_device" }],
  }),
  // Rings cashing out: the payment instrument is also another account's.
  starter({
    id: "fraud-shared-payment-redemption",
    name: "Redemption to a payment instrument another account uses",
    eventTypes: ["risk.redemption"],
    conditions: { all: [{ attr: "signal.usersSharingPayment", op: "gte", value: 1 }] },
    effects: [{ kind: "hold_payouts", score: 40, reasonCode: "shared_payment_instrument" }],
  }),
  // Click bots (shared/fraud/click-quality.ts): counted, marked, never attributing.
  starter({
    id: "fraud-bot-click",
    name: "Click by automation, in an iframe or from a datacenter",
    eventTypes: ["risk.click"],
    conditions: { all: [{ attr: "signal.clickBot", op: "eq", value: true }] },
    effects: [{ kind: "ignore_click", score: 10, reasonCode: "click_bot", releaseAfterHours: 24 }],
  }),
  // Click floods: more clicks in an hour than a person makes.
  starter({
    id: "fraud-click-flood",
    name: "More than 60 clicks in an hour",
    eventTypes: ["risk.click"],
    conditions: { all: [{ attr: "signal.clicks1h", op: "gt", value: 60 }] },
    effects: [
      { kind: "hold_payouts", score: 20, reasonCode: "click_flood", releaseAfterHours: 24 },
    ],
  }),
  // Cookie stuffing behind one address: many accounts clicking from one IP prefix.
  starter({
    id: "fraud-shared-ip-clicks",
    name: "Click from an IP prefix more than 20 accounts use",
    eventTypes: ["risk.click"],
    conditions: { all: [{ attr: "signal.usersSharingIpPrefix", op: "gt", value: 20 }] },
    effects: [{ kind: "flag", score: 15, reasonCode: "shared_ip_prefix", releaseAfterHours: 72 }],
  }),
  // Account takeover: a sign-in on a new device, then a destination change, then money asked
  // for, all within 10 minutes (the minutes are the operator's to change: behaviour-signals.ts).
  starter({
    id: "fraud-takeover-redemption",
    name: "Redemption within 10 minutes of a new-device sign-in followed by a destination change",
    eventTypes: ["risk.redemption"],
    conditions: { all: [{ attr: "signal.takeoverSequenceMinutes", op: "lte", value: 10 }] },
    effects: [
      { kind: "hold_payouts", score: 50, reasonCode: "account_takeover" },
      { kind: "require_step_up", score: 0, reasonCode: "account_takeover" },
    ],
  }),
  // A changed password, e-mail or phone just before a redemption: ask for the step-up code.
  starter({
    id: "fraud-profile-change-redemption",
    name: "Redemption within a day of a password, e-mail or phone change",
    eventTypes: ["risk.redemption"],
    conditions: { all: [{ attr: "signal.profileChanges24h", op: "gte", value: 1 }] },
    effects: [
      {
        kind: "require_step_up",
        score: 10,
        reasonCode: "recent_profile_change",
        releaseAfterHours: 24,
      },
    ],
  }),
  // Impossible travel (behaviour-signals.ts): a sign-in from another country faster than a
  // flight could have brought the user, or within the hour when the request has no point.
  // A step-up, not a hold: a VPN does this too, and a traveller a day later fires nothing.
  starter({
    id: "fraud-impossible-travel",
    name: "Sign-in from another country faster than travel allows",
    eventTypes: ["risk.login"],
    conditions: {
      all: [
        { attr: "signal.countryChangedWithinHours", op: "exists", value: true },
        {
          any: [
            { attr: "signal.travelKmh", op: "gt", value: 1000 },
            { attr: "signal.countryChangedWithinHours", op: "lt", value: 1 },
          ],
        },
      ],
    },
    effects: [
      {
        kind: "require_step_up",
        score: 20,
        reasonCode: "impossible_travel",
        releaseAfterHours: 24,
      },
    ],
  }),
  // Cookie stuffing (behaviour-signals.ts): a sale seconds after a burst of clicks, or after a
  // click loaded inside another page. The transaction stays pending for review.
  starter({
    id: "fraud-cookie-stuffing",
    name: "Sale within 30 seconds of a click burst or an iframe click",
    eventTypes: ["risk.conversion"],
    conditions: {
      all: [
        { attr: "signal.secondsSinceClick", op: "lte", value: 30 },
        {
          any: [
            { attr: "signal.clicksLastMinute", op: "gte", value: 3 },
            { attr: "signal.iframeClicksLastMinute", op: "gte", value: 1 },
          ],
        },
      ],
    },
    effects: [{ kind: "hold_transaction", score: 30, reasonCode: "cookie_stuffing" }],
  }),
  // Redemption velocity: several payouts in a day.
  starter({
    id: "fraud-redemption-velocity",
    name: "More than 3 redemptions in a day",
    eventTypes: ["risk.redemption"],
    conditions: { all: [{ attr: "signal.redemptions24h", op: "gt", value: 3 }] },
    effects: [
      { kind: "hold_payouts", score: 25, reasonCode: "redemption_velocity", releaseAfterHours: 24 },
    ],
  }),
  // The operator's threshold: a high score holds money on its way out, for a human to look.
  starter({
    id: "fraud-score-threshold",
    name: "Redemption by a user scored 70 or more",
    eventTypes: ["risk.redemption"],
    conditions: { all: [{ attr: "signal.score", op: "gte", value: 70 }] },
    effects: [{ kind: "hold_payouts", score: 0, reasonCode: "score_threshold" }],
  }),
  ...RETURN_STARTER_RULES,
];
