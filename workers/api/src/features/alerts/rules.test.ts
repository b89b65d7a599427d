import { describe, expect, it } from "vitest";
import { type AlertRule, evaluateRules, type SignalSnapshot, trailingAverage } from "./rules";
import { DEFAULT_THRESHOLDS } from "./settings";

const NOW = Date.parse("2026-12-06T12:00:00Z");
const MIN = 60_000;

/** A platform with nothing wrong: no rule may fire on it. */
const steady = {
  networkId: "net-a",
  postbacksLastHour: 40,
  postbacksPriorDays: [40, 42, 38, 40, 41, 39, 40],
  conversionsLastHour: 30,
  conversionsPriorDays: [30, 30, 30, 30, 30, 30, 30],
};
const quiet: SignalSnapshot = {
  nowMs: NOW,
  reconciliationDifferences: [],
  payoutDiscrepancies: 0,
  stuckPayouts: { count: 0, oldestAtMs: null },
  attentionPayouts: 0,
  openBreakers: [],
  deadLetters: [
    { source: "risk_observation_outbox", count: 0, oldestAtMs: null, previousCount: 0 },
    { source: "notification_dead_letters", count: 0, oldestAtMs: null, previousCount: 0 },
    { source: "payout_dead_letters", count: 0, oldestAtMs: null, previousCount: 0 },
  ],
  walletAuditDifferences: 0,
  networks: [steady],
};

const DEAD_LETTER_STORES = [
  "risk_observation_outbox",
  "notification_dead_letters",
  "payout_dead_letters",
] as const;

/** The quiet snapshot with one dead-letter store's backlog replaced. */
const backlog = (
  source: (typeof DEAD_LETTER_STORES)[number],
  over: { count: number; oldestAtMs: number | null; previousCount?: number | null },
): Partial<SignalSnapshot> => ({
  deadLetters: quiet.deadLetters.map((d) =>
    // Unless given, the previous run counted as many (no growth).
    d.source === source
      ? {
          ...d,
          ...over,
          previousCount: over.previousCount === undefined ? over.count : over.previousCount,
        }
      : d,
  ),
});

const net = (over: Partial<SignalSnapshot["networks"][number]>) => ({
  ...steady,
  ...over,
});

/** Each rule: a snapshot where it fires (with its subject) and a control where it must not. */
const cases: Array<{
  rule: AlertRule;
  subject: string;
  fires: Partial<SignalSnapshot>;
  control: Partial<SignalSnapshot>;
}> = [
  {
    rule: "reconciliation_differences",
    subject: "net-a",
    fires: { reconciliationDifferences: [{ networkId: "net-a", items: 1 }] },
    control: { reconciliationDifferences: [{ networkId: "net-a", items: 0 }] },
  },
  {
    rule: "payout_discrepancies",
    subject: "processor",
    fires: { payoutDiscrepancies: 2 },
    control: { payoutDiscrepancies: 0 },
  },
  {
    rule: "payouts_stuck",
    subject: "payouts",
    fires: { stuckPayouts: { count: 1, oldestAtMs: NOW - 5 * MIN } },
    control: { stuckPayouts: { count: 0, oldestAtMs: null } },
  },
  {
    rule: "payouts_attention",
    subject: "payouts",
    fires: { attentionPayouts: 3 },
    control: { attentionPayouts: 0 },
  },
  {
    rule: "circuit_breaker_open",
    subject: "net-b",
    fires: {
      openBreakers: [{ networkId: "net-b", openedAtMs: NOW - MIN, consecutiveFailures: 3 }],
    },
    control: { openBreakers: [] },
  },
  ...DEAD_LETTER_STORES.flatMap((source) => [
    {
      rule: "dead_letter_backlog" as const,
      subject: source,
      fires: backlog(source, { count: 2, oldestAtMs: NOW - 61 * MIN }),
      // Young and few: the sweep (or an operator's replay) will catch up.
      control: backlog(source, { count: 2, oldestAtMs: NOW - 59 * MIN }),
    },
    {
      rule: "dead_letter_backlog" as const,
      subject: source,
      fires: backlog(source, { count: 100, oldestAtMs: NOW - MIN }),
      control: backlog(source, { count: 99, oldestAtMs: NOW - MIN }),
    },
    {
      // Growing between runs: 10 more than the previous evaluation counted.
      rule: "dead_letter_backlog" as const,
      subject: source,
      fires: backlog(source, { count: 15, oldestAtMs: NOW - MIN, previousCount: 5 }),
      control: backlog(source, { count: 14, oldestAtMs: NOW - MIN, previousCount: 5 }),
    },
    {
      // The first run that sees a store has nothing to compare with: no growth.
      rule: "dead_letter_backlog" as const,
      subject: source,
      fires: backlog(source, { count: 50, oldestAtMs: NOW - MIN, previousCount: 0 }),
      control: backlog(source, { count: 50, oldestAtMs: NOW - MIN, previousCount: null }),
    },
    {
      // A shrinking backlog is not growing.
      rule: "dead_letter_backlog" as const,
      subject: source,
      fires: backlog(source, { count: 40, oldestAtMs: NOW - MIN, previousCount: 30 }),
      control: backlog(source, { count: 40, oldestAtMs: NOW - MIN, previousCount: 60 }),
    },
  ]),
  {
    rule: "wallet_audit_difference",
    subject: "wallets",
    fires: { walletAuditDifferences: 1 },
    control: { walletAuditDifferences: 0 },
  },
  {
    rule: "network_postbacks_drop",
    subject: "net-a",
    fires: { networks: [net({ postbacksLastHour: 19 })] },
    control: { networks: [net({ postbacksLastHour: 20 })] },
  },
  {
    rule: "network_postbacks_drop",
    subject: "net-q",
    fires: {
      networks: [
        net({
          networkId: "net-q",
          postbacksLastHour: 0,
          postbacksPriorDays: [20, 20, 20, 20, 20, 20, 20],
        }),
      ],
    },
    // A quiet network (average 19/h, under the minimum volume of 20) never pages, even at 0.
    control: {
      networks: [
        net({
          networkId: "net-q",
          postbacksLastHour: 0,
          postbacksPriorDays: [19, 19, 19, 19, 19, 19, 19],
        }),
      ],
    },
  },
  {
    rule: "network_conversions_drop",
    subject: "net-a",
    fires: { networks: [net({ conversionsLastHour: 14 })] },
    control: { networks: [net({ conversionsLastHour: 15 })] },
  },
];

const firingsOf = (over: Partial<SignalSnapshot>) =>
  evaluateRules({ ...quiet, ...over }, DEFAULT_THRESHOLDS).map((f) => `${f.rule}:${f.subject}`);

describe("alert rules", () => {
  it("a quiet platform raises nothing", () => {
    expect(evaluateRules(quiet, DEFAULT_THRESHOLDS)).toEqual([]);
  });

  it.each(cases)("$rule fires on its condition ($subject)", ({ rule, subject, fires }) => {
    expect(firingsOf(fires)).toEqual([`${rule}:${subject}`]);
  });

  it.each(cases)("$rule does not fire on its control ($subject)", ({ control }) => {
    expect(firingsOf(control)).toEqual([]);
  });

  it("thresholds are the operator's: a higher one silences, a lower one fires", () => {
    const snapshot = { ...quiet, reconciliationDifferences: [{ networkId: "net-a", items: 3 }] };
    expect(
      evaluateRules(snapshot, { ...DEFAULT_THRESHOLDS, reconciliationDifferences: 3 }),
    ).toEqual([]);
    expect(
      evaluateRules(
        { ...quiet, attentionPayouts: 1 },
        { ...DEFAULT_THRESHOLDS, attentionPayouts: 2 },
      ),
    ).toEqual([]);
    expect(
      evaluateRules(
        { ...quiet, networks: [net({ postbacksLastHour: 30 })] },
        { ...DEFAULT_THRESHOLDS, networkDropRatio: 0.8 },
      ).map((f) => f.rule),
    ).toEqual(["network_postbacks_drop"]);
  });

  it("the trailing average counts a missing day as zero", () => {
    expect(trailingAverage([70])).toBe(10);
    expect(trailingAverage([7, 7, 7, 7, 7, 7, 7])).toBe(7);
  });
});
