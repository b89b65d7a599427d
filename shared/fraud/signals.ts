import type { AttributeType } from "../rules/attributes";
import { ACTIVITY_KINDS, type ActivityKind } from "./risk-contract";

/**
 * The `signal.*` facts fraud rules look at (docs/rules.md "Facts", docs/fraud.md "Scoring"):
 * velocity the risk object counts from the user's observation log, and what producers put on
 * an observation (identity links, click quality, the request's network). Part of the rules
 * engine's attribute catalog: names may be added, never renamed (published rules use them).
 */

/** The sliding windows velocity is counted over, and their names' suffixes. */
export const VELOCITY_WINDOWS = [
  { suffix: "1h", ms: 3_600_000 },
  { suffix: "24h", ms: 86_400_000 },
  { suffix: "7d", ms: 7 * 86_400_000 },
] as const;
export type VelocityWindow = (typeof VELOCITY_WINDOWS)[number]["suffix"];

/** What velocity counts: each activity kind, and sign-ins from a device never seen before. */
export type VelocityKind = ActivityKind | "new_device_login";
export const VELOCITY_KINDS: readonly VelocityKind[] = [...ACTIVITY_KINDS, "new_device_login"];

/** The counted noun of each velocity kind in fact names (`signal.clicks1h`). */
export const VELOCITY_NOUNS: Readonly<Record<VelocityKind, string>> = {
  click: "clicks",
  conversion: "conversions",
  claim: "claims",
  redemption: "redemptions",
  destination_changed: "destinationChanges",
  login: "logins",
  profile_changed: "profileChanges",
  referral: "referrals",
  new_device_login: "newDeviceLogins",
};

/**
 * The velocity fact's name.
 *
 * @example
 * velocityFact("destination_changed", "7d") // "signal.destinationChanges7d"
 */
export function velocityFact(kind: VelocityKind, window: VelocityWindow): string {
  return `signal.${VELOCITY_NOUNS[kind]}${window}`;
}

/**
 * Facts an observation may carry from its producer, by name and type. Producers set only
 * these (others are ignored); the risk object's own facts (velocity, score) always win.
 */
export const OBSERVED_SIGNALS = {
  /** Other accounts seen with the same device / IP prefix / payment instrument / e-mail. */
  "signal.usersSharingDevice": "number",
  "signal.usersSharingIpPrefix": "number",
  "signal.usersSharingPayment": "number",
  "signal.usersSharingEmail": "number",
  /** The request's network, as the platform reports it (`request.cf`). */
  "signal.asn": "number",
  "signal.country": "string",
  /** On a redemption, the payout asked for (the wallet's redeem path). */
  "signal.amountMinor": "number",
  "signal.currency": "string",
  "signal.destinationType": "string",
  /** On a click, its quality (shared/fraud/click-quality.ts): bot = automation, iframe or datacenter. */
  "signal.clickBot": "boolean",
  "signal.clickIframe": "boolean",
  "signal.clickNoGesture": "boolean",
  "signal.clickAutomation": "boolean",
  "signal.clickDatacenter": "boolean",
  "signal.clickReferrerNotAllowed": "boolean",
} as const satisfies Record<string, AttributeType>;

/** Facts the risk object computes for every observation. */
export const COMPUTED_SIGNALS: Readonly<Record<string, AttributeType>> = {
  /** The user's score in force when the observation arrived, before its own rules. */
  "signal.score": "number",
  /** On a login: its device was never seen on this user before. */
  "signal.newDevice": "boolean",
  ...Object.fromEntries(
    VELOCITY_KINDS.flatMap((kind) =>
      VELOCITY_WINDOWS.map((w) => [velocityFact(kind, w.suffix), "number" as const]),
    ),
  ),
};

/**
 * Facts the risk object reads from the order and timing of the user's observations
 * (shared/fraud/behaviour-signals.ts); each is absent when there is nothing to say.
 */
export const BEHAVIOUR_SIGNALS: Readonly<Record<string, AttributeType>> = {
  /** On a redemption: minutes since a new-device sign-in followed by a destination change. */
  "signal.takeoverSequenceMinutes": "number",
  /** On a sign-in: hours since the previous sign-in, when the country changed. */
  "signal.countryChangedWithinHours": "number",
  /** On a sign-in: km/h from the previous sign-in, when both carry coordinates. */
  "signal.travelKmh": "number",
  /** On a conversion: seconds since the user's newest click. */
  "signal.secondsSinceClick": "number",
  /** On a click or conversion: the user's clicks in the minute ending at it, and the iframe ones. */
  "signal.clicksLastMinute": "number",
  "signal.iframeClicksLastMinute": "number",
};

/** Every `signal.*` attribute with its type. */
export const SIGNAL_ATTRIBUTES: Readonly<Record<string, AttributeType>> = {
  ...OBSERVED_SIGNALS,
  ...COMPUTED_SIGNALS,
  ...BEHAVIOUR_SIGNALS,
};
