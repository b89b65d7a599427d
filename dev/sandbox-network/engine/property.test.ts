import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { SandboxNetwork } from "./sandbox-network";
import { SANDBOX_SUB_ID as SUB, SANDBOX_T0 as T0, testSandbox } from "./testing";
import { type GenericWireBody, SandboxError, type SandboxStatus } from "./types";

/**
 * Random operation sequences against a model written independently of the sandbox:
 * - the sandbox accepts exactly the operations the model accepts, and a refused one changes nothing;
 * - the report's final state of each order is the result of the last operation applied to it;
 * - a receiver that applies delivered postbacks newest-wins on updated_at ends at the same
 *   state, whatever the duplicates, delays and shuffling, for every order whose last postback
 *   was not lost.
 */

const ORDER_IDS = ["A", "B", "C", "D"] as const;

type Op =
  | { kind: "place"; id: string; sale: number; commission: number; approved: boolean }
  | { kind: "approve"; id: string }
  | { kind: "cancel"; id: string }
  | { kind: "refund"; id: string; sale: number | "all"; commission: number | "all" }
  | { kind: "correct"; id: string; status?: SandboxStatus; commission?: number };

interface ModelOrder {
  status: SandboxStatus;
  sale: number;
  commission: number;
}

const id = fc.constantFrom(...ORDER_IDS);
// Small constants make collisions (refund to exactly zero, equal amounts) likely.
const amount = fc.oneof(fc.integer({ min: 0, max: 50_000 }), fc.constantFrom(0, 1, 100));
const refundAmount = fc.oneof(amount, fc.constant("all" as const));
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant("place" as const),
    id,
    sale: amount,
    commission: amount,
    approved: fc.boolean(),
  }),
  fc.record({ kind: fc.constant("approve" as const), id }),
  fc.record({ kind: fc.constant("cancel" as const), id }),
  fc.record({
    kind: fc.constant("refund" as const),
    id,
    sale: refundAmount,
    commission: refundAmount,
  }),
  fc.record(
    {
      kind: fc.constant("correct" as const),
      id,
      status: fc.constantFrom<SandboxStatus>("pending", "approved", "cancelled"),
      commission: amount,
    },
    { requiredKeys: ["kind", "id"] },
  ),
);

const faultsArb = fc.record({
  duplicates: fc.integer({ min: 1, max: 3 }),
  loseRate: fc.constantFrom(0, 0.25),
  delayJitterMs: fc.constantFrom(0, 120_000),
  shuffle: fc.boolean(),
});

/** "all" refunds everything that is left (as the model knows it), so full refunds happen often. */
function resolve(op: Op, current: ModelOrder | undefined): Op {
  if (op.kind !== "refund") return op;
  return {
    ...op,
    sale: op.sale === "all" ? (current?.sale ?? 1) : op.sale,
    commission: op.commission === "all" ? (current?.commission ?? 1) : op.commission,
  };
}

/** The model's answer: the order after the operation, or null when the network refuses it. */
function modelApply(current: ModelOrder | undefined, op: Op): ModelOrder | null {
  if (op.kind === "place") {
    if (current !== undefined) return null;
    return {
      status: op.approved ? "approved" : "pending",
      sale: op.sale,
      commission: op.commission,
    };
  }
  if (current === undefined) return null;
  switch (op.kind) {
    case "approve":
      return current.status === "pending" ? { ...current, status: "approved" } : null;
    case "cancel":
      return current.status === "cancelled" ? null : { ...current, status: "cancelled" };
    case "refund": {
      if (op.sale === "all" || op.commission === "all") throw new Error("resolve the op first");
      const valid =
        current.status !== "cancelled" &&
        (op.sale > 0 || op.commission > 0) &&
        op.sale <= current.sale &&
        op.commission <= current.commission;
      if (!valid) return null;
      const sale = current.sale - op.sale;
      return {
        status: sale === 0 ? "cancelled" : current.status,
        sale,
        commission: current.commission - op.commission,
      };
    }
    case "correct":
      if (op.status === undefined && op.commission === undefined) return null;
      return {
        ...current,
        status: op.status ?? current.status,
        commission: op.commission ?? current.commission,
      };
  }
}

function sandboxApply(net: SandboxNetwork, op: Op, atMs: number): void {
  switch (op.kind) {
    case "place":
      net.placeOrder({
        orderId: op.id,
        subId: SUB,
        currency: "INR",
        saleAmountMinor: op.sale,
        commissionMinor: op.commission,
        status: op.approved ? "approved" : "pending",
        atMs,
      });
      return;
    case "approve":
      net.approve(op.id, atMs);
      return;
    case "cancel":
      net.cancel(op.id, atMs);
      return;
    case "refund":
      if (op.sale === "all" || op.commission === "all") throw new Error("resolve the op first");
      net.refund(op.id, { saleAmountMinor: op.sale, commissionMinor: op.commission }, atMs);
      return;
    case "correct":
      net.correct(
        op.id,
        {
          ...(op.status !== undefined ? { status: op.status } : {}),
          ...(op.commission !== undefined ? { commissionMinor: op.commission } : {}),
        },
        atMs,
      );
      return;
  }
}

function asModel(body: GenericWireBody): ModelOrder {
  return { status: body.status, sale: body.sale_amount_minor, commission: body.commission_minor };
}

describe("random operation sequences", () => {
  test("report = last operation applied; newest-wins receiver converges; refusals change nothing", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(opArb, fc.integer({ min: 1, max: 600_000 })), {
          minLength: 1,
          maxLength: 40,
        }),
        faultsArb,
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 5 }),
        async (steps, faults, seed, pageSize) => {
          const net = testSandbox({ seed, faults, reportPageSize: pageSize });
          const model = new Map<string, ModelOrder>();
          const received = new Map<string, { updatedAt: string; state: ModelOrder }>();
          const receive = async (nowMs: number) => {
            for (const delivery of await net.drainPostbacks(nowMs)) {
              const body = JSON.parse(delivery.body) as GenericWireBody;
              const seen = received.get(body.order_id);
              // ISO strings of one format compare like times only with equal precision: compare ms.
              if (
                seen === undefined ||
                Date.parse(body.updated_at ?? "") >= Date.parse(seen.updatedAt)
              ) {
                received.set(body.order_id, {
                  updatedAt: body.updated_at ?? "",
                  state: asModel(body),
                });
              }
            }
          };

          let now = T0;
          for (const [generated, stepMs] of steps) {
            now += stepMs;
            const op = resolve(generated, model.get(generated.id));
            const expected = modelApply(model.get(op.id), op);
            const before = net.toState();
            let refused = false;
            try {
              sandboxApply(net, op, now);
            } catch (error) {
              if (!(error instanceof SandboxError)) throw error;
              refused = true;
            }
            expect(refused).toBe(expected === null);
            if (expected === null) expect(net.toState()).toEqual(before);
            else model.set(op.id, expected);
            // Deliver part of the way through, so shuffling mixes only what is due together.
            if (stepMs % 3 === 0) await receive(now);
          }
          await receive(now + 86_400_000);
          expect(net.pendingPostbacks()).toEqual([]);

          const reported = new Map<string, ModelOrder>();
          let cursor: string | null = null;
          for (let i = 0; i < 100; i++) {
            const page = net.reportPage({ fromMs: T0, toMs: now + 1, cursor }, now);
            expect(page.conversions.length).toBeLessThanOrEqual(pageSize);
            for (const row of page.conversions) {
              expect(reported.has(row.order_id)).toBe(false);
              reported.set(row.order_id, asModel(row));
            }
            cursor = page.next_cursor;
            if (cursor === null) break;
          }
          expect(cursor).toBeNull();
          expect(reported).toEqual(model);

          const lastFate = new Map(net.postbackLog().map((entry) => [entry.orderId, entry.fate]));
          for (const [orderId, state] of model) {
            if (lastFate.get(orderId) === "queued")
              expect(received.get(orderId)?.state).toEqual(state);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
