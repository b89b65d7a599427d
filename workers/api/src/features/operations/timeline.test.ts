import { describe, expect, test } from "vitest";
import { buildTimeline, type TimelineInput } from "./timeline";

const empty: TimelineInput = { postbacks: [], reportRows: [], events: [], entries: [] };
const postback = (id: string, atMs: number, verdict = "accepted") => ({
  id,
  receivedAtMs: atMs,
  verdict,
  rejectReason: verdict === "rejected" ? "bad_signature" : null,
});
const event = (name: string, atMs: number) => ({
  event: name,
  source: "postback",
  detail: null,
  atMs,
});
const entry = (seq: number, atMs: number, amountMinor: number) => ({
  seq,
  bucket: "pending",
  currency: "INR",
  amountMinor,
  balanceAfterMinor: amountMinor,
  kind: "cashback_pending",
  createdAtMs: atMs,
});
const report = (runId: string, atMs: number) => ({
  runId,
  outcome: "updated",
  detail: "status",
  atMs,
});

describe("a transaction's timeline", () => {
  test.each([
    { label: "nothing", input: empty, order: [] },
    {
      label: "time order across sources",
      input: {
        ...empty,
        postbacks: [postback("pb2", 30), postback("pb1", 10)],
        events: [event("created", 11), event("updated", 31)],
        entries: [entry(1, 11, 500), entry(2, 31, -500)],
      },
      order: ["pb1", "created", "1", "pb2", "updated", "2"],
    },
    {
      label: "same millisecond: cause before effect",
      input: {
        ...empty,
        entries: [entry(7, 5, 100)],
        events: [event("created", 5)],
        reportRows: [report("run1", 5)],
        postbacks: [postback("pb", 5)],
      },
      order: ["pb", "run1", "created", "7"],
    },
    {
      label: "same source and time keeps its own order",
      input: { ...empty, entries: [entry(3, 1, 10), entry(4, 1, 20)] },
      order: ["3", "4"],
    },
  ])("$label", ({ input, order }) => {
    expect(buildTimeline(input).map((i) => i.ref ?? i.title)).toEqual(order);
  });

  test.each([
    {
      label: "a rejected postback names its reason",
      input: { ...empty, postbacks: [postback("pb", 1, "rejected")] },
      title: "postback rejected",
      detail: "bad_signature",
    },
    {
      label: "a report row names its outcome",
      input: { ...empty, reportRows: [report("r", 1)] },
      title: "report: updated",
      detail: "status",
    },
    {
      label: "a wallet event names its source",
      input: { ...empty, events: [event("created", 1)] },
      title: "created",
      detail: "from postback",
    },
  ])("$label", ({ input, title, detail }) => {
    const [item] = buildTimeline(input);
    expect(item?.title).toBe(title);
    expect(item?.detail).toBe(detail);
  });

  test("a ledger entry carries its money with the balance after", () => {
    const [item] = buildTimeline({ ...empty, entries: [entry(1, 1, 1234)] });
    expect(item?.money).toEqual({
      bucket: "pending",
      currency: "INR",
      amountMinor: 1234,
      balanceAfterMinor: 1234,
    });
  });
});
