import { describe, expect, test } from "vitest";
import type { StoredChallenge } from "./challenge-store";
import { checkStepUp } from "./decide-step-up";

const NOW_MS = 1_760_000_000_000;
const CHALLENGE: StoredChallenge = {
  challengeId: "stp_1",
  purpose: "redemption",
  salt: "s",
  codeHash: "abc",
  expiresAtMs: NOW_MS + 60_000,
  attempts: 0,
  consumedBy: null,
};

describe("checkStepUp", () => {
  test.each<{
    label: string;
    challenge: StoredChallenge | null;
    presented: string | null;
    want: string;
  }>([
    { label: "the right code", challenge: CHALLENGE, presented: "abc", want: "ok" },
    { label: "a wrong code", challenge: CHALLENGE, presented: "abd", want: "wrong_code" },
    { label: "an unknown challenge", challenge: null, presented: null, want: "refused" },
    {
      label: "a used code",
      challenge: { ...CHALLENGE, consumedBy: "pay_1" },
      presented: "abc",
      want: "refused",
    },
    {
      label: "an expired code",
      challenge: { ...CHALLENGE, expiresAtMs: NOW_MS },
      presented: "abc",
      want: "refused",
    },
    {
      label: "too many wrong codes, even with the right one",
      challenge: { ...CHALLENGE, attempts: 5 },
      presented: "abc",
      want: "refused",
    },
    {
      label: "one attempt left",
      challenge: { ...CHALLENGE, attempts: 4 },
      presented: "abc",
      want: "ok",
    },
  ])("$label → $want", ({ challenge, presented, want }) => {
    expect(checkStepUp(challenge, presented, NOW_MS, 5).status).toBe(want);
  });
});
