import { describe, expect, test } from "vitest";
import { ACTORS, type ActorKind, judgeActor, type UserOutcome } from "./fraud-actors";

const spec = (kind: ActorKind) => {
  const found = ACTORS.find((a) => a.kind === kind);
  if (!found) throw new Error(kind);
  return found;
};

const outcome = (over: Partial<UserOutcome>): UserOutcome => ({
  userId: "u",
  actor: "clean",
  noise: [],
  score: 0,
  heldCodes: [],
  holdKinds: [],
  scoreCodes: [],
  referralHeldCodes: [],
  ...over,
});

describe("judgeActor", () => {
  test.each<{
    label: string;
    kind: ActorKind;
    outcomes: Array<Partial<UserOutcome>>;
    held: number;
    met: boolean;
  }>([
    {
      label: "a takeover held with its reason",
      kind: "account_takeover",
      outcomes: [{ heldCodes: ["account_takeover"] }],
      held: 1,
      met: true,
    },
    {
      label: "a takeover held for another reason is not caught for what it did",
      kind: "account_takeover",
      outcomes: [{ heldCodes: ["redemption_velocity"] }],
      held: 0,
      met: false,
    },
    {
      label: "a reason only in the score is not a hold",
      kind: "return_abuser",
      outcomes: [{ scoreCodes: ["return_abuse"] }],
      held: 0,
      met: false,
    },
    {
      label: "every stuffer account must be held",
      kind: "cookie_stuffer",
      outcomes: [{ heldCodes: ["click_iframe"] }, { heldCodes: [] }],
      held: 1,
      met: false,
    },
    {
      label: "the ring is caught when both referees' referrals are held",
      kind: "referral_ring",
      outcomes: [
        { heldCodes: [] },
        { referralHeldCodes: ["shared_device", "shared_payment_instrument"] },
        { referralHeldCodes: ["shared_device"] },
      ],
      held: 2,
      met: true,
    },
    {
      label: "a reason in the score alone does not catch: the account must be held",
      kind: "click_flood",
      outcomes: [{ scoreCodes: ["click_flood"] }],
      held: 0,
      met: false,
    },
    {
      label: "the flood is caught when its payouts are held",
      kind: "click_flood",
      outcomes: [{ heldCodes: ["click_flood"], scoreCodes: ["click_flood"] }],
      held: 1,
      met: true,
    },
    {
      label: "an actor with no accounts is not met",
      kind: "click_flood",
      outcomes: [],
      held: 0,
      met: false,
    },
  ])("$label", ({ kind, outcomes, held, met }) => {
    const verdict = judgeActor(spec(kind), outcomes.map(outcome));
    expect(verdict.held).toBe(held);
    expect(verdict.met).toBe(met);
  });

  test("what was seen lists hold reasons, referral reasons marked", () => {
    const verdict = judgeActor(spec("referral_ring"), [
      outcome({ heldCodes: ["shared_payment_instrument"] }),
      outcome({ referralHeldCodes: ["shared_device"] }),
    ]);
    expect(verdict.seen).toEqual(["shared_device (referral)", "shared_payment_instrument"]);
  });
});
