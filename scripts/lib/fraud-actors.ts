/**
 * The fraud actors of `npm run scenario:fraud` (scripts/scenario-fraud.ts) and how each is
 * judged from what the admin API shows: pure, table-tested in fraud-actors.test.ts.
 */

export type ActorKind =
  | "referral_ring"
  | "return_abuser"
  | "cookie_stuffer"
  | "account_takeover"
  | "click_flood";

export interface ActorSpec {
  kind: ActorKind;
  label: string;
  /** Reason codes that count as this actor caught for what it did (any one of them). */
  expected: readonly string[];
  /** How many of its accounts must be caught: a number, or every account. */
  mustCatch: number | "all";
}

export const ACTORS: readonly ActorSpec[] = [
  {
    kind: "referral_ring",
    label: "self-referral ring",
    // The referral program's hold (docs/referrals.md "Fraud holds") or the risk rules'.
    expected: ["shared_device", "shared_payment_instrument", "referral_ring"],
    // The two referees' referrals: the ring's first account referred nobody it could be paid for.
    mustCatch: 2,
  },
  { kind: "return_abuser", label: "return abuser", expected: ["return_abuse"], mustCatch: "all" },
  {
    kind: "cookie_stuffer",
    label: "cookie stuffer",
    // `click_iframe`/`click_bot`: the bot-click hold on the conversion (click quality).
    expected: ["cookie_stuffing", "shared_ip_prefix", "click_iframe", "click_bot"],
    mustCatch: "all",
  },
  {
    kind: "account_takeover",
    label: "account takeover",
    expected: ["account_takeover", "impossible_travel"],
    mustCatch: "all",
  },
  {
    kind: "click_flood",
    label: "click flood",
    expected: ["click_flood"],
    mustCatch: "all",
  },
];

/** What the scenario read of one account. */
export interface UserOutcome {
  userId: string;
  actor: ActorKind | "clean";
  noise: string[];
  score: number | null;
  /** Reason codes of the account's active holds (risk rules, bot clicks, fail-safe). */
  heldCodes: string[];
  /** `kind/source` of each active hold. */
  holdKinds: string[];
  /** Reason codes in force in the account's score. */
  scoreCodes: string[];
  /** The referral program's hold reasons, when the account's referral is held. */
  referralHeldCodes: string[];
}

export interface ActorVerdict {
  kind: ActorKind;
  label: string;
  accounts: number;
  /** Accounts caught with an expected reason (held, or flagged for a flag-only kind). */
  held: number;
  /** Every reason code seen on its accounts' holds (and referral holds), sorted. */
  seen: string[];
  expected: readonly string[];
  met: boolean;
}

/**
 * Pure: the actor's verdict from its accounts' outcomes.
 *
 * @example
 * judgeActor(ACTORS[3], [{ ..., heldCodes: ["account_takeover"] }]) // { held: 1, met: true, … }
 */
export function judgeActor(spec: ActorSpec, outcomes: readonly UserOutcome[]): ActorVerdict {
  const expected = new Set(spec.expected);
  const caught = outcomes.filter((o) => {
    const codes = [...o.heldCodes, ...o.referralHeldCodes];
    return codes.some((c) => expected.has(c));
  });
  const seen = [
    ...new Set(
      outcomes.flatMap((o) => [
        ...o.heldCodes,
        ...o.referralHeldCodes.map((c) => `${c} (referral)`),
      ]),
    ),
  ].sort();
  const needed = spec.mustCatch === "all" ? outcomes.length : spec.mustCatch;
  const met = outcomes.length > 0 && caught.length >= needed;
  return {
    kind: spec.kind,
    label: spec.label,
    accounts: outcomes.length,
    held: caught.length,
    seen,
    expected: spec.expected,
    met,
  };
}
