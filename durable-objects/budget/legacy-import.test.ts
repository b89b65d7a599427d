import { describe, expect, test } from "vitest";
import type { HandOverReservation } from "../campaign-budget/hand-over";
import { planLegacyImport } from "./legacy-import";

const header = (grantedTotalMinor: number, releasedTotalMinor: number, budgetMinor = 1_000) => ({
  campaignId: "c1",
  currency: "INR",
  budgetMinor,
  grantedTotalMinor,
  releasedTotalMinor,
  handedOverAtMs: 50,
});
const row = (
  userId: string,
  txnId: string,
  desiredMinor: number,
  grantedMinor: number,
  seq = 1,
): HandOverReservation => ({
  userId,
  txnId,
  desiredMinor,
  grantedMinor,
  seq,
  createdAtMs: 10,
  updatedAtMs: 20,
});

describe("planLegacyImport", () => {
  test.each([
    {
      label: "nothing reserved: the terms only",
      header: header(0, 0),
      rows: [],
      want: { askedTotal: 0, grantedTotal: 0, releasedTotal: 0, overLimit: 0 },
    },
    {
      label: "totals that agree with the rows are kept (a release's history included)",
      header: header(1_300, 300),
      rows: [row("u1", "t1", 600, 600), row("u1", "t2", 800, 400), row("u2", "t1", 0, 0, 2)],
      want: { askedTotal: 1_400, grantedTotal: 1_300, releasedTotal: 300, overLimit: 0 },
    },
    {
      label: "totals that disagree: granted re-derived from the rows and the released total",
      header: header(5_000, 300),
      rows: [row("u1", "t1", 600, 600), row("u1", "t2", 800, 400)],
      want: { askedTotal: 1_400, grantedTotal: 1_300, releasedTotal: 300, overLimit: 0 },
    },
    {
      label: "rows above the budget (never written by the legacy object): recorded as overLimit",
      header: header(1_200, 0, 1_000),
      rows: [row("u1", "t1", 1_200, 1_200)],
      want: { askedTotal: 1_200, grantedTotal: 1_200, releasedTotal: 0, overLimit: 200 },
    },
  ])("$label", ({ header, rows, want }) => {
    const plan = planLegacyImport(header, rows);
    expect(plan).toMatchObject({
      unit: "INR",
      terms: { limit: header.budgetMinor, limitVersion: 0, overLimit: want.overLimit },
      askedTotal: want.askedTotal,
      grantedTotal: want.grantedTotal,
      releasedTotal: want.releasedTotal,
    });
    expect(plan.grantedTotal - plan.releasedTotal).toBe(
      rows.reduce((sum, r) => sum + r.grantedMinor, 0),
    );
  });

  test("each reservation keeps its key, values, seq and times", () => {
    const plan = planLegacyImport(header(400, 0), [row("u:1", "t-9", 500, 400, 3)]);
    expect(plan.reservations).toEqual([
      {
        holder: "u:1",
        reference: "t-9",
        desired: 500,
        granted: 400,
        seq: 3,
        createdAtMs: 10,
        updatedAtMs: 20,
      },
    ]);
  });
});
