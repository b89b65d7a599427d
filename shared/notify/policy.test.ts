import { describe, expect, test } from "vitest";
import { localParts } from "../rules/local-time";
import { decideDelivery, inWindow, type LocalWindow } from "./policy";
import { DEFAULT_PREFERENCES, type NotificationPreferences } from "./preferences";

const hm = (h: number, m = 0) => h * 60 + m;
const win = (from: number, to: number): LocalWindow => ({ startMinute: from, endMinute: to });
const utc = (y: number, mo: number, d: number, h: number, mi = 0, s = 0) =>
  Date.UTC(y, mo - 1, d, h, mi, s);

function prefs(over: Partial<NotificationPreferences>): NotificationPreferences {
  return { ...DEFAULT_PREFERENCES, promotionalOptIn: true, ...over };
}

function promo(
  timeZone: string,
  nowMs: number,
  quiet: LocalWindow | null,
  send: LocalWindow | null,
) {
  return decideDelivery({
    type: "promotion",
    category: "promotional",
    channel: "push",
    nowMs,
    prefs: prefs({ timeZone, quietHours: quiet }),
    sendWindow: send,
  });
}

describe("promotional messages wait for the recipient's next allowed local instant", () => {
  test.each([
    {
      label: "New York, spring forward: a window opening at 02:30 (skipped) opens at 03:00 EDT",
      zone: "America/New_York",
      now: utc(2026, 3, 8, 6, 0), // 01:00 EST
      quiet: null,
      send: win(hm(2, 30), hm(20)),
      want: { action: "defer", untilMs: utc(2026, 3, 8, 7, 0), reason: "send_window" },
    },
    {
      label: "New York, fall back: the second 01:10 (EST) is quiet again until the second 01:30",
      zone: "America/New_York",
      now: utc(2026, 11, 1, 6, 10),
      quiet: win(hm(22), hm(1, 30)),
      send: null,
      want: { action: "defer", untilMs: utc(2026, 11, 1, 6, 30), reason: "quiet_hours" },
    },
    {
      label: "New York, fall back: the first 01:45 (EDT) is outside quiet hours",
      zone: "America/New_York",
      now: utc(2026, 11, 1, 5, 45),
      quiet: win(hm(22), hm(1, 30)),
      send: null,
      want: { action: "send" },
    },
    {
      label: "London, clocks go forward overnight: 09:00 BST is 08:00 UTC",
      zone: "Europe/London",
      now: utc(2026, 3, 28, 22, 30),
      quiet: win(hm(22), hm(8)),
      send: win(hm(9), hm(21)),
      want: { action: "defer", untilMs: utc(2026, 3, 29, 8, 0), reason: "quiet_hours" },
    },
    {
      label: "London, clocks go back overnight: 09:00 GMT is 09:00 UTC",
      zone: "Europe/London",
      now: utc(2026, 10, 24, 22, 0), // 23:00 BST
      quiet: null,
      send: win(hm(9), hm(21)),
      want: { action: "defer", untilMs: utc(2026, 10, 25, 9, 0), reason: "send_window" },
    },
    {
      label: "Adelaide, DST ends (+10:30 → +9:30): 08:00 ACST",
      zone: "Australia/Adelaide",
      now: utc(2026, 4, 4, 12, 30), // 23:00 ACDT
      quiet: null,
      send: win(hm(8), hm(20)),
      want: { action: "defer", untilMs: utc(2026, 4, 4, 22, 30), reason: "send_window" },
    },
    {
      label: "Adelaide, DST starts (02:00 → 03:00): a window opening at 02:30 opens at 03:00",
      zone: "Australia/Adelaide",
      now: utc(2026, 10, 3, 15, 30), // 01:00 ACST
      quiet: null,
      send: win(hm(2, 30), hm(10)),
      want: { action: "defer", untilMs: utc(2026, 10, 3, 16, 30), reason: "send_window" },
    },
    {
      label: "Lord Howe, DST starts by 30 min (02:00 → 02:30): a 02:15 window opens at 02:30",
      zone: "Australia/Lord_Howe",
      now: utc(2026, 10, 3, 14, 30), // 01:00 +10:30
      quiet: null,
      send: win(hm(2, 15), hm(12)),
      want: { action: "defer", untilMs: utc(2026, 10, 3, 15, 30), reason: "send_window" },
    },
    {
      label: "Lord Howe, DST ends by 30 min: the repeated 01:35 is quiet until the second 01:45",
      zone: "Australia/Lord_Howe",
      now: utc(2026, 4, 4, 15, 5), // 01:35 +10:30, the second time
      quiet: win(hm(22), hm(1, 45)),
      send: null,
      want: { action: "defer", untilMs: utc(2026, 4, 4, 15, 15), reason: "quiet_hours" },
    },
    {
      label: "Lord Howe, DST ends: the first 01:50 (+11) is outside quiet hours",
      zone: "Australia/Lord_Howe",
      now: utc(2026, 4, 4, 14, 50),
      quiet: win(hm(22), hm(1, 45)),
      send: null,
      want: { action: "send" },
    },
    {
      label: "Kolkata (+5:30, no DST): 01:30 IST waits for 08:00 IST",
      zone: "Asia/Kolkata",
      now: utc(2026, 12, 6, 20, 0),
      quiet: win(hm(22), hm(8)),
      send: null,
      want: { action: "defer", untilMs: utc(2026, 12, 7, 2, 30), reason: "quiet_hours" },
    },
    {
      label: "Kolkata: mid-minute, the wait ends exactly at 08:00:00 IST",
      zone: "Asia/Kolkata",
      now: utc(2026, 12, 7, 2, 29, 30),
      quiet: win(hm(22), hm(8)),
      send: null,
      want: { action: "defer", untilMs: utc(2026, 12, 7, 2, 30), reason: "quiet_hours" },
    },
    {
      label: "Kolkata: inside the window and outside quiet hours goes now",
      zone: "Asia/Kolkata",
      now: utc(2026, 12, 7, 5, 0),
      quiet: win(hm(22), hm(8)),
      send: win(hm(9), hm(21)),
      want: { action: "send" },
    },
    {
      label: "quiet hours covering the whole send window: never",
      zone: "Europe/London",
      now: utc(2026, 6, 1, 12, 0),
      quiet: win(hm(8), hm(22)),
      send: win(hm(9), hm(21)),
      want: { action: "skip", reason: "no_send_time" },
    },
  ])("$label", ({ zone, now, quiet, send, want }) => {
    expect(promo(zone, now, quiet, send)).toEqual(want);
  });
});

describe("categories", () => {
  const quietNow = utc(2026, 12, 7, 0, 0); // 05:30 IST, inside 22:00–08:00
  const p = prefs({ timeZone: "Asia/Kolkata", quietHours: win(hm(22), hm(8)) });
  const off = structuredClone(p);
  off.channels.critical.sms = false;
  off.channels.transactional.email = false;
  test.each([
    { label: "critical in quiet hours goes now", category: "critical", prefs: p, want: "send" },
    {
      label: "critical on a channel the user turned off is skipped",
      category: "critical",
      prefs: off,
      channel: "sms",
      want: "skip",
    },
    {
      label: "transactional in quiet hours is never deferred",
      category: "transactional",
      prefs: p,
      want: "send",
    },
    {
      label: "transactional on a channel turned off is skipped",
      category: "transactional",
      prefs: off,
      channel: "email",
      want: "skip",
    },
    {
      label: "promotional without the opt-in is skipped",
      category: "promotional",
      prefs: { ...p, promotionalOptIn: false },
      want: "skip",
    },
    {
      label: "promotional in quiet hours is deferred",
      category: "promotional",
      prefs: p,
      want: "defer",
    },
  ] as const)("$label", ({ category, prefs: given, want, ...rest }) => {
    const channel = ("channel" in rest ? rest.channel : undefined) ?? "push";
    const decision = decideDelivery({
      type:
        category === "critical"
          ? "step_up_code"
          : category === "promotional"
            ? "promotion"
            : "payout_paid",
      category,
      channel,
      nowMs: quietNow,
      prefs: given,
      sendWindow: win(hm(9), hm(21)),
    });
    expect(decision.action).toBe(want);
  });
});

describe("against a minute-by-minute oracle", () => {
  const zones = [
    "America/New_York",
    "Europe/London",
    "Australia/Adelaide",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
  ];
  // Nights around every 2026 change of these zones, plus an ordinary one.
  const days = [
    utc(2026, 3, 7, 12),
    utc(2026, 3, 28, 12),
    utc(2026, 4, 4, 0),
    utc(2026, 10, 3, 0),
    utc(2026, 10, 24, 12),
    utc(2026, 10, 31, 12),
    utc(2026, 7, 1, 0),
  ];
  const windows: Array<[LocalWindow | null, LocalWindow | null]> = [
    [win(hm(22), hm(8)), win(hm(9), hm(21))],
    [win(hm(1), hm(2, 15)), null],
    [null, win(hm(2, 10), hm(2, 50))],
    [win(hm(23, 30), hm(1, 45)), win(hm(1, 20), hm(3, 5))],
  ];
  test("the wait ends at the first allowed minute, never later, never at a forbidden one", () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    let checked = 0;
    for (const zone of zones) {
      for (const day of days) {
        for (const [quiet, send] of windows) {
          for (let i = 0; i < 12; i++) {
            const now = day + Math.floor(random() * 36 * 3_600_000);
            const allowed = (ms: number) => {
              const m = localParts(ms, zone).minuteOfDay;
              return (
                (quiet === null || !inWindow(quiet, m)) && (send === null || inWindow(send, m))
              );
            };
            let oracle = now;
            if (!allowed(oracle)) {
              oracle = Math.floor(now / 60_000) * 60_000;
              while (!allowed(oracle)) oracle += 60_000;
            }
            const got = promo(zone, now, quiet, send);
            const untilMs = got.action === "defer" ? got.untilMs : got.action === "send" ? now : -1;
            expect(untilMs, `${zone} ${new Date(now).toISOString()}`).toBe(oracle);
            checked++;
          }
        }
      }
    }
    expect(checked).toBe(zones.length * days.length * windows.length * 12);
  });
});
