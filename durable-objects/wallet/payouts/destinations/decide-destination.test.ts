import { describe, expect, test } from "vitest";
import type { NewDestination } from "../types";
import {
  decideErasure,
  decideSave,
  detailsOf,
  MAX_DESTINATIONS,
  maskedOf,
  sameRequest,
  sealContext,
  usableFromMs,
} from "./decide-destination";

const BANK: NewDestination = {
  type: "bank",
  accountNumber: "123456789012",
  ifsc: "HDFC0001234",
  holderName: "Alice Demo",
  label: "Salary",
};
const UPI: NewDestination = {
  type: "upi",
  vpa: "alice.demo@okbank",
  holderName: null,
  label: null,
};

describe("maskedOf", () => {
  test.each([
    { label: "bank: bank code and last four", input: BANK, want: "HDFC ••••••••9012" },
    { label: "upi: last two of the handle", input: UPI, want: "••••••••mo@okbank" },
    {
      label: "upi: a short handle shows one",
      input: { ...UPI, vpa: "abc@ok" } as NewDestination,
      want: "••c@ok",
    },
  ])("$label", ({ input, want }) => {
    expect(maskedOf(input)).toBe(want);
  });
});

describe("decideSave", () => {
  test.each([
    {
      label: "a new add",
      mode: "add" as const,
      existing: null,
      same: true,
      live: 0,
      want: "created",
    },
    {
      label: "a repeated add, same details",
      mode: "add" as const,
      existing: { status: "active" as const },
      same: true,
      live: 1,
      want: "exists",
    },
    {
      label: "a repeated add, other details",
      mode: "add" as const,
      existing: { status: "active" as const },
      same: false,
      live: 1,
      want: "idempotency_conflict",
    },
    {
      label: "an add over the limit",
      mode: "add" as const,
      existing: null,
      same: true,
      live: MAX_DESTINATIONS,
      want: "too_many",
    },
    {
      label: "an update of a live one",
      mode: "update" as const,
      existing: { status: "needs_attention" as const },
      same: true,
      live: 0,
      want: "updated",
    },
    {
      label: "an update of a removed one",
      mode: "update" as const,
      existing: { status: "removed" as const },
      same: true,
      live: 0,
      want: "not_found",
    },
    {
      label: "an update of none",
      mode: "update" as const,
      existing: null,
      same: true,
      live: 0,
      want: "not_found",
    },
  ])("$label → $want", ({ mode, existing, same, live, want }) => {
    expect(decideSave(mode, existing, same, live).status).toBe(want);
  });
});

test("details never carry the label; the context names user and destination", () => {
  expect(detailsOf(BANK)).toEqual({
    type: "bank",
    accountNumber: "123456789012",
    ifsc: "HDFC0001234",
    holderName: "Alice Demo",
  });
  expect(detailsOf(UPI)).toEqual({ type: "upi", vpa: "alice.demo@okbank", holderName: null });
  expect(sealContext("u1", "dst_1")).toBe("dest:u1:dst_1");
  expect(usableFromMs(1_000, 24)).toBe(1_000 + 24 * 3_600_000);
});

describe("sameRequest", () => {
  const row = { sealedDetails: "v2.sealed-a", requestDigest: "v2.digest-a" };
  test.each([
    {
      label: "same digest: a replay",
      existing: row,
      digest: "v2.digest-a",
      earlier: null,
      want: true,
    },
    {
      label: "other digest, row written by a concurrent add: a conflict",
      existing: row,
      digest: "v2.digest-b",
      earlier: null,
      want: false,
    },
    {
      label: "older-key digest that matched before the transaction, row unchanged",
      existing: { sealedDetails: "v1.sealed", requestDigest: "v1.digest" },
      digest: "v2.digest-a",
      earlier: { sealedDetails: "v1.sealed", requestDigest: "v1.digest", same: true },
      want: true,
    },
    {
      label: "a match before the transaction, but the row changed since",
      existing: row,
      digest: "v2.digest-b",
      earlier: { sealedDetails: "v1.sealed", requestDigest: "v1.digest", same: true },
      want: false,
    },
    {
      label: "erased details match nothing",
      existing: { sealedDetails: "", requestDigest: null },
      digest: "v2.digest-a",
      earlier: { sealedDetails: "", requestDigest: null, same: false },
      want: false,
    },
  ])("$label", ({ existing, digest, earlier, want }) => {
    expect(sameRequest(existing, digest, earlier)).toBe(want);
  });
});

describe("decideErasure", () => {
  test.each([
    { label: "no destination", destination: null, unfinished: 0, want: "nothing_to_erase" },
    {
      label: "active destination",
      destination: { status: "active" as const, erasedAtMs: null },
      unfinished: 0,
      want: "nothing_to_erase",
    },
    {
      label: "removed, a payout in flight",
      destination: { status: "removed" as const, erasedAtMs: null },
      unfinished: 1,
      want: "keep_until_payouts_final",
    },
    {
      label: "removed, every payout final",
      destination: { status: "removed" as const, erasedAtMs: null },
      unfinished: 0,
      want: "erase",
    },
    {
      label: "already erased",
      destination: { status: "removed" as const, erasedAtMs: 1 },
      unfinished: 0,
      want: "nothing_to_erase",
    },
  ])("$label", ({ destination, unfinished, want }) => {
    expect(decideErasure(destination, unfinished)).toBe(want);
  });
});
