import { describe, expect, test } from "vitest";
import type { PayoutStatus } from "#shared/payouts/types";
import type { AdminPayoutAction } from "../types";
import { refuseAdminAction } from "./decide-admin";

describe("refuseAdminAction", () => {
  test.each<{
    action: AdminPayoutAction;
    status: PayoutStatus;
    expected: number | null;
    allowed: boolean;
  }>([
    { action: "approve", status: "held", expected: null, allowed: true },
    { action: "approve", status: "queued", expected: null, allowed: false },
    { action: "retry", status: "stuck", expected: null, allowed: true },
    { action: "retry", status: "submitting", expected: null, allowed: true },
    { action: "retry", status: "paid", expected: null, allowed: false },
    { action: "cancel", status: "stuck", expected: 2, allowed: true },
    { action: "cancel", status: "stuck", expected: 1, allowed: false },
    { action: "cancel", status: "submitting", expected: 2, allowed: false },
    { action: "cancel", status: "paid", expected: 2, allowed: false },
  ])(
    "$action a $status payout (saw $expected attempts) → allowed $allowed",
    ({ action, status, expected, allowed }) => {
      expect(refuseAdminAction(action, { status, attempts: 2 }, expected) === null).toBe(allowed);
    },
  );
});

describe("refuseAdminAction under risk holds", () => {
  test.each<{ action: AdminPayoutAction; holds: number; allowed: boolean }>([
    { action: "approve", holds: 1, allowed: false },
    { action: "approve", holds: 0, allowed: true },
    // Cancelling credits the money back: nothing leaves, so a risk hold does not stop it.
    { action: "cancel", holds: 1, allowed: true },
  ])(
    "$action a held payout under $holds risk holds → allowed $allowed",
    ({ action, holds, allowed }) => {
      expect(refuseAdminAction(action, { status: "held", attempts: 0 }, 0, holds) === null).toBe(
        allowed,
      );
    },
  );
});
