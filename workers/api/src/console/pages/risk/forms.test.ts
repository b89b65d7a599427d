import { describe, expect, it } from "vitest";
import { decisionFormOf, queueFiltersOf, queueQuery, selectedHolds } from "./forms";

describe("selectedHolds", () => {
  it.each([
    ["one box", "u-1/rule:r:o:payouts", [{ userId: "u-1", holdId: "rule:r:o:payouts" }]],
    [
      "several, each once, in order",
      ["u-2/h2", "u-1/h1", "u-2/h2"],
      [
        { userId: "u-2", holdId: "h2" },
        { userId: "u-1", holdId: "h1" },
      ],
    ],
    ["none ticked", undefined, []],
    ["no user or no hold", ["/h1", "u-1/", "nothing"], []],
    ["not text", [{ name: "file" }], []],
  ])("%s", (_name, values, expected) => {
    expect(selectedHolds(values)).toEqual(expected);
  });
});

describe("queue filters", () => {
  it("defaults to the active queue and drops choices no list has", () => {
    expect(queueFiltersOf({ status: "deleted", kind: "everything", userId: " u-1 " })).toEqual({
      status: "active",
      kind: undefined,
      source: undefined,
      reason: undefined,
      userId: "u-1",
      label: undefined,
      from: undefined,
      to: undefined,
    });
  });

  it.each([
    ["UTC", "2026-12-01", "2026-12-01", "2026-12-01T00:00:00.000Z", "2026-12-02T00:00:00.000Z"],
    [
      "Asia/Kolkata",
      "2026-12-01",
      "2026-12-03",
      "2026-11-30T18:30:00.000Z",
      "2026-12-03T18:30:00.000Z",
    ],
  ])("days in %s become [fromMs, toMs) with the to day included", (zone, from, to, f, t) => {
    const q = queueQuery({ status: "active", from, to }, zone);
    expect(q.fromMs).toBe(Date.parse(f));
    expect(q.toMs).toBe(Date.parse(t));
  });

  it("leaves out a day that is not a date", () => {
    const q = queueQuery({ status: "upheld", from: "yesterday" }, "UTC");
    expect(q).toMatchObject({ status: "upheld", fromMs: undefined, toMs: undefined });
  });
});

describe("decisionFormOf", () => {
  it.each([
    [
      { decision: "release", reason: "  ok  ", label: "not_fraud" },
      { decision: "release", reason: "ok", label: "not_fraud" },
    ],
    [
      { decision: "uphold", reason: "x", label: "" },
      { decision: "uphold", reason: "x", label: null },
    ],
    [
      { decision: "delete", label: "maybe" },
      { decision: undefined, reason: "", label: null },
    ],
  ])("%o", (form, expected) => {
    expect(decisionFormOf(form)).toEqual(expected);
  });
});
