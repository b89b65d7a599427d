import { describe, expect, test } from "vitest";
import type { SandboxNetwork } from "./sandbox-network";
import { SANDBOX_SUB_ID as SUB, SANDBOX_T0 as T0, testSandbox } from "./testing";
import { type ReportQuery, SandboxError } from "./types";
import { decodeCursor, encodeCursor } from "./wire";

const MIN = 60_000;
const HOUR = 60 * MIN;

function place(net: SandboxNetwork, orderId: string, atMs: number) {
  net.placeOrder({
    orderId,
    subId: SUB,
    currency: "INR",
    saleAmountMinor: 10_000,
    commissionMinor: 800,
    atMs,
  });
}

/** Every page of a query, with the cursors it followed. */
function allPages(net: SandboxNetwork, query: ReportQuery, nowMs: number) {
  const pages = [];
  let cursor: string | null = null;
  for (let i = 0; i < 1_000; i++) {
    const page = net.reportPage({ ...query, cursor }, nowMs);
    pages.push(page);
    cursor = page.next_cursor;
    if (cursor === null) break;
  }
  return pages;
}

describe("time filtering", () => {
  const net = testSandbox();
  place(net, "AT-FROM", T0);
  place(net, "INSIDE", T0 + 30 * MIN);
  place(net, "AT-TO", T0 + HOUR);
  place(net, "BEFORE", T0 - 1);
  place(net, "MOVED", T0 + 10 * MIN);
  net.approve("MOVED", T0 + 2 * HOUR);
  place(net, "FUTURE", T0 + 20 * MIN);
  net.cancel("FUTURE", T0 + 3 * HOUR);

  test.each<{ label: string; fromMs: number; toMs: number; nowMs: number; ids: string[] }>([
    {
      label: "[from, to): from included, to excluded",
      fromMs: T0,
      toMs: T0 + HOUR,
      nowMs: T0 + HOUR,
      ids: ["AT-FROM", "MOVED", "FUTURE", "INSIDE"],
    },
    {
      label: "an order changed later shows at its last change, not its first",
      fromMs: T0,
      toMs: T0 + HOUR,
      nowMs: T0 + 4 * HOUR,
      ids: ["AT-FROM", "INSIDE"],
    },
    {
      label: "the later window holds the changed orders",
      fromMs: T0 + HOUR,
      toMs: T0 + 4 * HOUR,
      nowMs: T0 + 4 * HOUR,
      ids: ["AT-TO", "MOVED", "FUTURE"],
    },
    {
      label: "changes after now are not reported yet",
      fromMs: T0 + HOUR,
      toMs: T0 + 4 * HOUR,
      nowMs: T0 + 2 * HOUR,
      ids: ["AT-TO", "MOVED"],
    },
    {
      label: "orders placed after now do not exist yet",
      fromMs: T0 - HOUR,
      toMs: T0 + 4 * HOUR,
      nowMs: T0,
      ids: ["BEFORE", "AT-FROM"],
    },
  ])("$label", ({ fromMs, toMs, nowMs, ids }) => {
    const page = net.reportPage({ fromMs, toMs }, nowMs);
    expect(page.conversions.map((c) => c.order_id)).toEqual(ids);
    expect(page.next_cursor).toBeNull();
  });

  test("the report shows the state as of now", () => {
    const before = net.reportPage({ fromMs: T0, toMs: T0 + 4 * HOUR }, T0 + 2 * HOUR);
    expect(before.conversions.find((c) => c.order_id === "FUTURE")?.status).toBe("pending");
    const after = net.reportPage({ fromMs: T0, toMs: T0 + 4 * HOUR }, T0 + 3 * HOUR);
    expect(after.conversions.find((c) => c.order_id === "FUTURE")).toMatchObject({
      status: "cancelled",
      updated_at: "2026-11-21T11:00:00Z",
      occurred_at: "2026-11-21T08:20:00Z",
    });
  });

  test("reportLagMs hides a change until the lag has passed", () => {
    const lagged = testSandbox({ reportLagMs: 15 * MIN });
    place(lagged, "ORD-1", T0);
    lagged.approve("ORD-1", T0 + MIN);
    const range = { fromMs: T0 - HOUR, toMs: T0 + HOUR };
    expect(lagged.reportPage(range, T0 + 14 * MIN).conversions).toEqual([]);
    expect(lagged.reportPage(range, T0 + 15 * MIN).conversions[0]?.status).toBe("pending");
    expect(lagged.reportPage(range, T0 + 16 * MIN).conversions[0]?.status).toBe("approved");
  });
});

describe("pagination", () => {
  test("250 orders at page size 100: 100, 100, 50, in (updated_at, order_id) order", () => {
    const net = testSandbox();
    for (let i = 0; i < 250; i++)
      place(net, `ORD-${String(i).padStart(3, "0")}`, T0 + (i % 50) * 1_000);
    const pages = allPages(net, { fromMs: T0, toMs: T0 + HOUR }, T0 + HOUR);
    expect(pages.map((p) => p.conversions.length)).toEqual([100, 100, 50]);
    const rows = pages.flatMap((p) => p.conversions);
    const keys = rows.map((c) => `${c.updated_at}|${c.order_id}`);
    expect(new Set(keys).size).toBe(250);
    expect([...keys].sort()).toEqual(keys);
    expect(pages.at(-1)?.next_cursor).toBeNull();
  });

  test("the page size option and a per-query page size", () => {
    const net = testSandbox({ reportPageSize: 7 });
    for (let i = 0; i < 20; i++) place(net, `ORD-${i}`, T0 + i);
    expect(
      allPages(net, { fromMs: T0, toMs: T0 + HOUR }, T0 + HOUR).map((p) => p.conversions.length),
    ).toEqual([7, 7, 6]);
    expect(
      allPages(net, { fromMs: T0, toMs: T0 + HOUR, pageSize: 10 }, T0 + HOUR).map(
        (p) => p.conversions.length,
      ),
    ).toEqual([10, 10]);
  });

  test("a page that ends exactly at the last row still says there is no more", () => {
    const net = testSandbox({ reportPageSize: 5 });
    for (let i = 0; i < 5; i++) place(net, `ORD-${i}`, T0 + i);
    const page = net.reportPage({ fromMs: T0, toMs: T0 + HOUR }, T0 + HOUR);
    expect(page.conversions).toHaveLength(5);
    expect(page.next_cursor).toBeNull();
  });

  test("ties on updated_at are split by order id, one per page", () => {
    const net = testSandbox({ reportPageSize: 1 });
    for (const id of ["C", "A", "B"]) place(net, id, T0);
    const pages = allPages(net, { fromMs: T0, toMs: T0 + 1 }, T0);
    expect(pages.map((p) => p.conversions.map((c) => c.order_id))).toEqual([["A"], ["B"], ["C"]]);
  });

  test("paging is stable while orders change: a row updated behind the cursor shows again, once, newer", () => {
    const net = testSandbox({ reportPageSize: 2 });
    for (let i = 0; i < 4; i++) place(net, `ORD-${i}`, T0 + i * MIN);
    const first = net.reportPage({ fromMs: T0, toMs: T0 + HOUR }, T0 + 10 * MIN);
    expect(first.conversions.map((c) => c.order_id)).toEqual(["ORD-0", "ORD-1"]);
    net.approve("ORD-0", T0 + 20 * MIN);
    net.approve("ORD-3", T0 + 21 * MIN);
    const rest = [];
    let cursor = first.next_cursor;
    while (cursor !== null) {
      const page = net.reportPage({ fromMs: T0, toMs: T0 + HOUR, cursor }, T0 + 30 * MIN);
      rest.push(...page.conversions.map((c) => `${c.order_id}:${c.status}`));
      cursor = page.next_cursor;
    }
    expect(rest).toEqual(["ORD-2:pending", "ORD-0:approved", "ORD-3:approved"]);
  });

  test.each([
    { label: "garbage", cursor: "not a cursor!" },
    { label: "base64 of something else", cursor: "aGVsbG8" },
    { label: "empty", cursor: "" },
  ])("a bad cursor ($label) is refused", ({ cursor }) => {
    const net = testSandbox();
    expect(() => net.reportPage({ fromMs: T0, toMs: T0 + 1, cursor }, T0)).toThrow(
      expect.objectContaining({ code: "bad_cursor" }),
    );
  });

  test.each([
    { label: "from after to", query: { fromMs: T0 + 1, toMs: T0 } },
    { label: "from equal to", query: { fromMs: T0, toMs: T0 } },
    { label: "page size 0", query: { fromMs: T0, toMs: T0 + 1, pageSize: 0 } },
    { label: "page size 1001", query: { fromMs: T0, toMs: T0 + 1, pageSize: 1_001 } },
  ])("refuses $label", ({ query }) => {
    expect(() => testSandbox().reportPage(query, T0)).toThrow(SandboxError);
  });

  test("cursors round-trip and are URL-safe", () => {
    const key = { updatedAtMs: T0 + 123, orderId: "ORD:with/odd=chars" };
    const cursor = encodeCursor(key);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual(key);
  });
});
