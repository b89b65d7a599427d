import { describe, expect, test } from "vitest";
import {
  behaviourFacts,
  clickBurstFacts,
  clickWasIframe,
  haversineKm,
  type KnownActivity,
  knownActivityFacts,
  knownActivityOf,
  signInPlaceOf,
  takeoverSequenceMinutes,
  travelFacts,
} from "./behaviour-signals";

const MIN = 60_000;
const HOUR = 3_600_000;
const T = Date.UTC(2026, 11, 6, 12);

describe("takeoverSequenceMinutes", () => {
  test.each([
    {
      name: "new device → change → redemption in 6 min",
      logins: [T - 6 * MIN],
      changes: [T - 2 * MIN],
      want: 6,
    },
    {
      name: "the newest qualifying sign-in counts",
      logins: [T - 90 * MIN, T - 4 * MIN],
      changes: [T - 3 * MIN],
      want: 4,
    },
    {
      name: "a sign-in after the change is not a sequence",
      logins: [T - 2 * MIN],
      changes: [T - 5 * MIN],
      want: undefined,
    },
    {
      name: "an older sign-in before that change still is",
      logins: [T - 8 * MIN, T - 2 * MIN],
      changes: [T - 5 * MIN],
      want: 8,
    },
    { name: "no destination change", logins: [T - 6 * MIN], changes: [], want: undefined },
    { name: "no new device", logins: [], changes: [T - 2 * MIN], want: undefined },
    {
      name: "a change at the sign-in's instant counts",
      logins: [T - 90_000],
      changes: [T - 90_000],
      want: 1.5,
    },
    {
      name: "later than the redemption does not count",
      logins: [T + MIN],
      changes: [T + 2 * MIN],
      want: undefined,
    },
    {
      name: "older than a day is not looked at",
      logins: [T - 25 * HOUR],
      changes: [T - HOUR],
      want: undefined,
    },
    {
      name: "a slow sequence is reported as it is",
      logins: [T - 5 * HOUR],
      changes: [T - HOUR],
      want: 300,
    },
  ])("$name", ({ logins, changes, want }) => {
    expect(takeoverSequenceMinutes(T, logins, changes)).toBe(want);
  });
});

describe("haversineKm", () => {
  test.each([
    { name: "Delhi → Mumbai", from: [28.6139, 77.209], to: [19.076, 72.8777], km: 1148 },
    { name: "London → New York", from: [51.5074, -0.1278], to: [40.7128, -74.006], km: 5570 },
    { name: "the same point", from: [12.97, 77.59], to: [12.97, 77.59], km: 0 },
    { name: "across the antimeridian", from: [0, 179.5], to: [0, -179.5], km: 111 },
  ])("$name ≈ $km km", ({ from, to, km }) => {
    const got = haversineKm(from[0] as number, from[1] as number, to[0] as number, to[1] as number);
    expect(Math.abs(got - km)).toBeLessThan(km * 0.01 + 1);
  });
});

const DELHI = { latitude: 28.6139, longitude: 77.209 };
const LONDON = { latitude: 51.5074, longitude: -0.1278 };

describe("travelFacts", () => {
  test.each([
    {
      name: "India then the UK an hour later, with coordinates: impossible",
      now: { atMs: T, country: "GB", ...LONDON },
      earlier: [{ atMs: T - HOUR, country: "IN", ...DELHI }],
      want: { "signal.countryChangedWithinHours": 1, "signal.travelKmh": 6711 },
    },
    {
      name: "a traveller a day later: the country changed, at a plane's speed",
      now: { atMs: T, country: "GB", ...LONDON },
      earlier: [{ atMs: T - 24 * HOUR, country: "IN", ...DELHI }],
      want: { "signal.countryChangedWithinHours": 24, "signal.travelKmh": 280 },
    },
    {
      name: "no coordinates: the country change only",
      now: { atMs: T, country: "GB" },
      earlier: [{ atMs: T - 30 * MIN, country: "IN" }],
      want: { "signal.countryChangedWithinHours": 0.5 },
    },
    {
      name: "the same country: speed only",
      now: { atMs: T, country: "IN", latitude: 19.076, longitude: 72.8777 },
      earlier: [{ atMs: T - 2 * HOUR, country: "IN", ...DELHI }],
      want: { "signal.travelKmh": 574 },
    },
    {
      name: "the newest earlier sign-in that says where it was is the one compared",
      now: { atMs: T, country: "GB" },
      earlier: [
        { atMs: T - MIN },
        { atMs: T - 2 * HOUR, country: "IN" },
        { atMs: T - 3 * HOUR, country: "GB" },
      ],
      want: { "signal.countryChangedWithinHours": 2 },
    },
    {
      name: "two sign-ins in the same second are measured over a minute",
      now: { atMs: T, ...LONDON },
      earlier: [{ atMs: T, ...DELHI }],
      want: { "signal.travelKmh": 402_675 },
    },
    {
      name: "a first sign-in says nothing",
      now: { atMs: T, country: "IN" },
      earlier: [],
      want: {},
    },
    {
      name: "older than a week is not compared",
      now: { atMs: T, country: "GB" },
      earlier: [{ atMs: T - 8 * 24 * HOUR, country: "IN" }],
      want: {},
    },
    {
      name: "a sign-in without a country against one with: nothing on the country",
      now: { atMs: T },
      earlier: [{ atMs: T - HOUR, country: "IN" }],
      want: {},
    },
  ])("$name", ({ now, earlier, want }) => {
    expect(travelFacts(now, earlier)).toEqual(want);
  });
});

describe("clickBurstFacts", () => {
  const click = (ago: number, iframe = false) => ({ atMs: T - ago, iframe });
  test.each([
    {
      name: "a purchase 8 s after four clicks in a minute",
      kind: "conversion" as const,
      last: T - 8_000,
      clicks: [click(8_000), click(20_000), click(35_000), click(50_000)],
      want: {
        "signal.clicksLastMinute": 4,
        "signal.iframeClicksLastMinute": 0,
        "signal.secondsSinceClick": 8,
      },
    },
    {
      name: "iframe clicks are counted apart",
      kind: "conversion" as const,
      last: T - 3_000,
      clicks: [click(3_000, true), click(10_000)],
      want: {
        "signal.clicksLastMinute": 2,
        "signal.iframeClicksLastMinute": 1,
        "signal.secondsSinceClick": 3,
      },
    },
    {
      name: "a shopper who clicked an hour ago",
      kind: "conversion" as const,
      last: T - HOUR,
      clicks: [],
      want: {
        "signal.clicksLastMinute": 0,
        "signal.iframeClicksLastMinute": 0,
        "signal.secondsSinceClick": 3600,
      },
    },
    {
      name: "no click in the lookback: no seconds",
      kind: "conversion" as const,
      last: null,
      clicks: [],
      want: { "signal.clicksLastMinute": 0, "signal.iframeClicksLastMinute": 0 },
    },
    {
      name: "a click exactly a minute old is outside the burst",
      kind: "conversion" as const,
      last: T - MIN,
      clicks: [click(MIN)],
      want: {
        "signal.clicksLastMinute": 0,
        "signal.iframeClicksLastMinute": 0,
        "signal.secondsSinceClick": 60,
      },
    },
    {
      name: "on a click: the burst it is part of, no seconds",
      kind: "click" as const,
      last: T,
      clicks: [click(0), click(5_000, true)],
      want: { "signal.clicksLastMinute": 2, "signal.iframeClicksLastMinute": 1 },
    },
  ])("$name", ({ kind, last, clicks, want }) => {
    expect(clickBurstFacts(kind, T, last, clicks)).toEqual(want);
  });
});

describe("behaviourFacts", () => {
  test("each kind reads its own inputs; other kinds say nothing", () => {
    expect(
      behaviourFacts("redemption", T, {
        newDeviceLoginsMs: [T - 7 * MIN],
        destinationChangesMs: [T - MIN],
      }),
    ).toEqual({ "signal.takeoverSequenceMinutes": 7 });
    expect(behaviourFacts("redemption", T, {})).toEqual({});
    expect(
      behaviourFacts("login", T, {
        signIn: { atMs: T, country: "US" },
        earlierSignIns: [{ atMs: T - HOUR, country: "IN" }],
      }),
    ).toEqual({ "signal.countryChangedWithinHours": 1 });
    expect(behaviourFacts("conversion", T, { lastClickMs: T - 2_000 })).toMatchObject({
      "signal.secondsSinceClick": 2,
    });
    expect(behaviourFacts("claim", T, { lastClickMs: T })).toEqual({});
  });

  test("stored facts read back as places and iframe flags, wrong types ignored", () => {
    expect(
      signInPlaceOf(T, { "signal.country": "IN", "signal.latitude": 1.5, "signal.longitude": 2 }),
    ).toEqual({ atMs: T, country: "IN", latitude: 1.5, longitude: 2 });
    expect(signInPlaceOf(T, { "signal.country": 7, "signal.latitude": 1 })).toEqual({ atMs: T });
    expect(clickWasIframe({ "signal.clickReasons": "click_no_gesture,click_iframe" })).toBe(true);
    expect(clickWasIframe({ "signal.clickReasons": "click_no_gesture" })).toBe(false);
    expect(clickWasIframe({ "signal.clickIframe": true })).toBe(true);
    expect(clickWasIframe({})).toBe(false);
  });
});

// A redemption assessed at once: what its producer (the wallet) knew, beside the risk log.
describe("the takeover sequence with the producer's known activity", () => {
  test.each<{
    name: string;
    logins?: number[];
    changes?: number[];
    known: KnownActivity;
    want: number | undefined;
  }>([
    {
      name: "the queue delivered nothing: the wallet's sign-in and change are the sequence",
      known: { new_device_login: T - 3 * MIN, destination_changed: T - MIN },
      want: 3,
    },
    {
      name: "the log has the sign-in, the wallet the change",
      logins: [T - 4 * MIN],
      known: { destination_changed: T - MIN },
      want: 4,
    },
    {
      name: "the log has the change, the wallet the sign-in",
      changes: [T - MIN],
      known: { new_device_login: T - 2 * MIN },
      want: 2,
    },
    {
      name: "both know the same steps: counted as one sequence",
      logins: [T - 5 * MIN],
      changes: [T - 2 * MIN],
      known: { new_device_login: T - 5 * MIN, destination_changed: T - 2 * MIN },
      want: 5,
    },
    {
      name: "the newest of log and wallet wins",
      logins: [T - 50 * MIN],
      changes: [T - 40 * MIN],
      known: { new_device_login: T - 6 * MIN, destination_changed: T - 5 * MIN },
      want: 6,
    },
    {
      name: "a change before the new device is not a sequence",
      known: { new_device_login: T - MIN, destination_changed: T - 3 * MIN },
      want: undefined,
    },
    {
      name: "a new device alone is not a sequence",
      known: { new_device_login: T - MIN },
      want: undefined,
    },
    {
      name: "a profile change is no destination change",
      known: { new_device_login: T - 3 * MIN, profile_changed: T - MIN },
      want: undefined,
    },
    {
      name: "known times after the redemption do not count",
      known: { new_device_login: T - MIN, destination_changed: T + MIN },
      want: undefined,
    },
  ])("$name", ({ logins, changes, known, want }) => {
    const facts = behaviourFacts("redemption", T, {
      ...(logins ? { newDeviceLoginsMs: logins } : {}),
      ...(changes ? { destinationChangesMs: changes } : {}),
      known,
    });
    expect(facts["signal.takeoverSequenceMinutes"]).toBe(want);
  });
});

describe("known activity facts", () => {
  test.each<{ name: string; facts: Record<string, unknown>; want: KnownActivity }>([
    { name: "none", facts: { "signal.amountMinor": 10 }, want: {} },
    {
      name: "each kind",
      facts: {
        "known.newDeviceSignInAtMs": 1,
        "known.destinationChangeAtMs": 2,
        "known.profileChangeAtMs": 3,
      },
      want: { new_device_login: 1, destination_changed: 2, profile_changed: 3 },
    },
    {
      name: "not numbers: ignored",
      facts: { "known.destinationChangeAtMs": "5", "known.profileChangeAtMs": Number.NaN },
      want: {},
    },
  ])("$name", ({ facts, want }) => {
    expect(knownActivityOf(facts)).toEqual(want);
  });

  test("round trip; an unknown kind is left off", () => {
    const facts = knownActivityFacts({ new_device_login: 7, destination_changed: null });
    expect(facts).toEqual({ "known.newDeviceSignInAtMs": 7 });
    expect(knownActivityOf(facts)).toEqual({ new_device_login: 7 });
  });
});
