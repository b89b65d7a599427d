import type { ActivityKind } from "./risk-contract";

/**
 * Signals the risk object reads from the order and timing of what a user did
 * (docs/fraud.md "Signals"): the account-takeover sequence, impossible travel between sign-ins,
 * and a purchase seconds after a burst of clicks (cookie stuffing). The risk object reads the
 * few rows each needs from its observation log (risk-store.ts `behaviourInputsAt`); these turn
 * them into `signal.*` facts. Pure. A fact is absent when there is nothing to say (no such
 * sequence, no earlier sign-in with a country): a rule comparing it then does not fire.
 */

/** How far back the takeover sequence and the click burst look. */
export const TAKEOVER_LOOKBACK_MS = 86_400_000;
export const CLICK_LOOKBACK_MS = 86_400_000;
/** How far back an earlier sign-in counts for travel. */
export const TRAVEL_LOOKBACK_MS = 7 * 86_400_000;
/** The burst's window: clicks in the minute ending at the observation. */
export const BURST_WINDOW_MS = 60_000;
/** Travel speed is measured over at least a minute (two sign-ins in one second are not ∞ km/h). */
const MIN_TRAVEL_MS = 60_000;

/** Where a sign-in came from, as its observation says (`signal.country`, coordinates). */
export interface SignInPlace {
  atMs: number;
  country?: string;
  latitude?: number;
  longitude?: number;
}

/** A click in the user's log: when, and whether the edge judged it loaded inside another page. */
export interface ClickSeen {
  atMs: number;
  iframe: boolean;
}

/**
 * Not signals: what the producer itself knows of the user's recent activity, as epoch ms of
 * the newest of each, carried on an observation that is assessed at once rather than through
 * the risk queue (the wallet's redemption: docs/fraud.md "Behaviour signals"). The queue may
 * not have delivered the sign-in or the destination change yet; the risk object takes the
 * newest of its own log and these. A rule cannot read them (they are not in the catalog).
 */
export const KNOWN_ACTIVITY_FACTS = {
  new_device_login: "known.newDeviceSignInAtMs",
  destination_changed: "known.destinationChangeAtMs",
  profile_changed: "known.profileChangeAtMs",
} as const;
export type KnownActivityKind = keyof typeof KNOWN_ACTIVITY_FACTS;
/** The newest time of each activity the producer knows of (absent: none known). */
export type KnownActivity = Partial<Record<KnownActivityKind, number>>;

/**
 * Pure: the known activity an observation's facts carry (finite numbers only).
 *
 * @example
 * knownActivityOf({ "known.destinationChangeAtMs": 5_000, "signal.amountMinor": 10 })
 * // { destination_changed: 5_000 }
 */
export function knownActivityOf(facts: Readonly<Record<string, unknown>>): KnownActivity {
  const known: KnownActivity = {};
  for (const [kind, name] of Object.entries(KNOWN_ACTIVITY_FACTS) as Array<
    [KnownActivityKind, string]
  >) {
    const value = facts[name];
    if (typeof value === "number" && Number.isFinite(value)) known[kind] = value;
  }
  return known;
}

/**
 * Pure: the facts a producer puts on its observation for what it knows (the inverse of
 * `knownActivityOf`); nothing for what it does not know.
 *
 * @example
 * knownActivityFacts({ new_device_login: 1_000, destination_changed: null })
 * // { "known.newDeviceSignInAtMs": 1_000 }
 */
export function knownActivityFacts(
  known: Readonly<Partial<Record<KnownActivityKind, number | null>>>,
): Record<string, number> {
  const facts: Record<string, number> = {};
  for (const [kind, name] of Object.entries(KNOWN_ACTIVITY_FACTS) as Array<
    [KnownActivityKind, string]
  >) {
    const value = known[kind];
    if (typeof value === "number" && Number.isFinite(value)) facts[name] = value;
  }
  return facts;
}

/** What the risk object read for one observation (only the parts its kind needs). */
export interface BehaviourInputs {
  /** What the observation's producer knew (`knownActivityOf`), added to what the log has. */
  known?: KnownActivity;
  /** Redemption: new-device sign-ins and destination changes in the lookback, any order. */
  newDeviceLoginsMs?: readonly number[];
  destinationChangesMs?: readonly number[];
  /** Login: this sign-in's place, and earlier sign-ins in the lookback, newest first. */
  signIn?: SignInPlace;
  earlierSignIns?: readonly SignInPlace[];
  /** Click, conversion: the newest click at or before the observation (in the lookback). */
  lastClickMs?: number | null;
  /** Click, conversion: clicks in the burst window ending at the observation. */
  clicksInBurstWindow?: readonly ClickSeen[];
}

/** The facts' names (docs/fraud.md "Signals"). */
export const BEHAVIOUR_FACTS = {
  takeoverSequenceMinutes: "signal.takeoverSequenceMinutes",
  countryChangedWithinHours: "signal.countryChangedWithinHours",
  travelKmh: "signal.travelKmh",
  secondsSinceClick: "signal.secondsSinceClick",
  clicksLastMinute: "signal.clicksLastMinute",
  iframeClicksLastMinute: "signal.iframeClicksLastMinute",
} as const;

const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * Account takeover: minutes from a sign-in on a new device to this redemption, when a
 * destination change came between them (new device → destination change → redemption). The
 * newest such sign-in is taken, so the value is the tightest sequence. Undefined when there is
 * none. One decimal.
 *
 * @example
 * takeoverSequenceMinutes(600_000, [0], [120_000]) // 10
 * takeoverSequenceMinutes(600_000, [0], [])        // undefined: no destination change
 * takeoverSequenceMinutes(600_000, [300_000], [120_000]) // undefined: the change came first
 */
export function takeoverSequenceMinutes(
  atMs: number,
  newDeviceLoginsMs: readonly number[],
  destinationChangesMs: readonly number[],
): number | undefined {
  let best: number | undefined;
  for (const loginMs of newDeviceLoginsMs) {
    if (loginMs > atMs || atMs - loginMs > TAKEOVER_LOOKBACK_MS) continue;
    const changedAfter = destinationChangesMs.some((d) => d >= loginMs && d <= atMs);
    if (changedAfter && (best === undefined || loginMs > best)) best = loginMs;
  }
  return best === undefined ? undefined : round1((atMs - best) / 60_000);
}

/**
 * Great-circle distance in km between two points (haversine, mean Earth radius 6,371 km).
 *
 * @example
 * Math.round(haversineKm(28.61, 77.21, 19.08, 72.88)) // 1148 (Delhi → Mumbai)
 */
export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = (d: number) => (d * Math.PI) / 180;
  const dLat = rad(lat2 - lat1);
  const dLon = rad(lon2 - lon1);
  const a =
    Math.sin(dLat / 2) ** 2 + Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(a)));
}

const hasPoint = (p: SignInPlace): p is SignInPlace & { latitude: number; longitude: number } =>
  Number.isFinite(p.latitude) && Number.isFinite(p.longitude);

/**
 * Impossible travel: against the newest earlier sign-in that says where it came from,
 * `countryChangedWithinHours` (hours between them, one decimal) when the country differs, and
 * `travelKmh` (whole km/h, over at least a minute) when both carry coordinates.
 *
 * @example
 * travelFacts({ atMs: 3_600_000, country: "GB" }, [{ atMs: 0, country: "IN" }])
 * // { "signal.countryChangedWithinHours": 1 }
 */
export function travelFacts(
  signIn: SignInPlace,
  earlier: readonly SignInPlace[],
): Record<string, number> {
  const facts: Record<string, number> = {};
  const previous = earlier.find(
    (p) =>
      p.atMs <= signIn.atMs &&
      signIn.atMs - p.atMs <= TRAVEL_LOOKBACK_MS &&
      (p.country !== undefined || hasPoint(p)),
  );
  if (!previous) return facts;
  const elapsedMs = signIn.atMs - previous.atMs;
  if (signIn.country !== undefined && previous.country !== undefined) {
    if (signIn.country !== previous.country) {
      facts[BEHAVIOUR_FACTS.countryChangedWithinHours] = round1(elapsedMs / 3_600_000);
    }
  }
  if (hasPoint(signIn) && hasPoint(previous)) {
    const km = haversineKm(
      previous.latitude,
      previous.longitude,
      signIn.latitude,
      signIn.longitude,
    );
    const hours = Math.max(elapsedMs, MIN_TRAVEL_MS) / 3_600_000;
    facts[BEHAVIOUR_FACTS.travelKmh] = Math.round(km / hours);
  }
  return facts;
}

/**
 * A click burst: `clicksLastMinute` (clicks in the minute ending at the observation, the
 * observation itself included when it is a click), `iframeClicksLastMinute` (of those, the ones
 * the edge judged loaded inside another page), and on a conversion `secondsSinceClick` (from
 * the user's newest click at or before it; absent without one in the lookback).
 *
 * @example
 * clickBurstFacts("conversion", 100_000, 95_000, [{ atMs: 95_000, iframe: true }])
 * // { "signal.clicksLastMinute": 1, "signal.iframeClicksLastMinute": 1, "signal.secondsSinceClick": 5 }
 */
export function clickBurstFacts(
  kind: "click" | "conversion",
  atMs: number,
  lastClickMs: number | null,
  clicks: readonly ClickSeen[],
): Record<string, number> {
  const inWindow = clicks.filter((c) => c.atMs <= atMs && atMs - c.atMs < BURST_WINDOW_MS);
  const facts: Record<string, number> = {
    [BEHAVIOUR_FACTS.clicksLastMinute]: inWindow.length,
    [BEHAVIOUR_FACTS.iframeClicksLastMinute]: inWindow.filter((c) => c.iframe).length,
  };
  if (
    kind === "conversion" &&
    lastClickMs !== null &&
    lastClickMs <= atMs &&
    atMs - lastClickMs <= CLICK_LOOKBACK_MS
  ) {
    facts[BEHAVIOUR_FACTS.secondsSinceClick] = Math.floor((atMs - lastClickMs) / 1000);
  }
  return facts;
}

/**
 * The behaviour facts of one observation of `kind` at `atMs`, from what the risk object read.
 *
 * @example
 * behaviourFacts("redemption", 600_000, { newDeviceLoginsMs: [0], destinationChangesMs: [60_000] })
 * // { "signal.takeoverSequenceMinutes": 10 }
 * behaviourFacts("redemption", 600_000, { known: { new_device_login: 0, destination_changed: 60_000 } })
 * // { "signal.takeoverSequenceMinutes": 10 } (the risk queue had delivered neither)
 */
export function behaviourFacts(
  kind: ActivityKind,
  atMs: number,
  inputs: BehaviourInputs,
): Record<string, number> {
  switch (kind) {
    case "redemption": {
      // The log's and the producer's own: a sequence faster than the risk queue is still seen.
      const known = inputs.known ?? {};
      const minutes = takeoverSequenceMinutes(
        atMs,
        withKnown(inputs.newDeviceLoginsMs, known.new_device_login),
        withKnown(inputs.destinationChangesMs, known.destination_changed),
      );
      return minutes === undefined ? {} : { [BEHAVIOUR_FACTS.takeoverSequenceMinutes]: minutes };
    }
    case "login":
      return inputs.signIn ? travelFacts(inputs.signIn, inputs.earlierSignIns ?? []) : {};
    case "click":
    case "conversion":
      return clickBurstFacts(
        kind,
        atMs,
        inputs.lastClickMs ?? null,
        inputs.clicksInBurstWindow ?? [],
      );
    default:
      return {};
  }
}

const withKnown = (logged: readonly number[] | undefined, known: number | undefined) =>
  known === undefined ? (logged ?? []) : [...(logged ?? []), known];

/**
 * Pure: a stored observation's facts as a sign-in place (`signal.country`, `signal.latitude`,
 * `signal.longitude`), ignoring values of the wrong type.
 */
export function signInPlaceOf(atMs: number, facts: Readonly<Record<string, unknown>>): SignInPlace {
  const place: SignInPlace = { atMs };
  const country = facts["signal.country"];
  const latitude = facts["signal.latitude"];
  const longitude = facts["signal.longitude"];
  if (typeof country === "string") place.country = country;
  if (typeof latitude === "number" && typeof longitude === "number") {
    place.latitude = latitude;
    place.longitude = longitude;
  }
  return place;
}

/** Pure: whether a stored click observation's quality says it was loaded inside another page. */
export function clickWasIframe(facts: Readonly<Record<string, unknown>>): boolean {
  if (facts["signal.clickIframe"] === true) return true;
  const reasons = facts["signal.clickReasons"];
  return typeof reasons === "string" && reasons.split(",").includes("click_iframe");
}
