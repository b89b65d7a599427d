import { describe, expect, it } from "vitest";
import type { ContractValidator } from "../contract-validator";
import type { ApiFuzzPlanner, FuzzContext, PlannedRequest } from "./api-fuzz";
import { FuzzRunner, type Sent } from "./fuzz-runner";

/**
 * The fuzz loop's block ledger check (fuzz-runner.ts), on a fake api: whatever block size, a
 * refused request that writes is named by its index, an accepted request's write is not a
 * finding, and a write that does not repeat on replay is reported as its block.
 */

const request = (index: number): PlannedRequest => ({
  operationId: `op${index}`,
  mode: "value",
  mutation: "value:x",
  method: "POST",
  url: `/r/${index}`,
  headers: {},
  body: "{}",
  jsonBody: {},
  hostileCredentials: false,
  crossUser: false,
});
const planner = {
  plan: async (_seed: number, index: number) => request(index),
} as unknown as ApiFuzzPlanner;
const validator = {
  verdict: () => ({ operation: "op", requestErrors: [], responseErrors: [] }),
} as unknown as ContractValidator;

/** A fake api: `answer(index, sendsSoFar)` says the status and whether the request writes. */
function fakeApi(answer: (index: number, times: number) => { status: number; writes: boolean }) {
  let ledger = 0;
  let reads = 0;
  const times = new Map<number, number>();
  const send = async (r: PlannedRequest): Promise<Sent> => {
    const index = Number(r.url.split("/").at(-1));
    const n = (times.get(index) ?? 0) + 1;
    times.set(index, n);
    const { status, writes } = answer(index, n);
    if (writes) ledger++;
    return {
      status,
      contentType: status >= 400 ? "application/problem+json" : "application/json",
      text: "{}",
    };
  };
  const ledgers = async () => {
    reads++;
    return `entries=${ledger}`;
  };
  return { send, ledgers, reads: () => reads };
}

const run = (api: ReturnType<typeof fakeApi>, blockSize: number, count = 200) =>
  new FuzzRunner({
    planner,
    validator,
    ctx: {} as FuzzContext,
    send: api.send,
    ledgers: api.ledgers,
    blockSize,
  }).run(5, 0, count);

describe("FuzzRunner: the ledger read in blocks of refused requests", () => {
  it.each([1, 16, 64, 500])("block %i: a refused request that writes is named", async (block) => {
    const api = fakeApi((i) => ({ status: 400, writes: i === 137 }));
    const report = await run(api, block);
    expect(report.findings.map((f) => f.index)).toEqual([137]);
    expect(report.findings[0]?.problem).toMatch(/refused, but a ledger changed/);
  });

  it("reads the ledger once per block, not around every request", async () => {
    const api = fakeApi(() => ({ status: 400, writes: false }));
    const report = await run(api, 64, 640);
    expect(report.findings).toEqual([]);
    expect(api.reads()).toBe(11);
    expect(report.ledgerReads).toBe(11);
  });

  it("an accepted request's own write is no finding; a refused one beside it still is", async () => {
    const api = fakeApi((i) => ({
      status: i % 10 === 0 ? 200 : 400,
      writes: i % 10 === 0 || i === 53,
    }));
    const report = await run(api, 64);
    expect(report.findings.map((f) => f.index)).toEqual([53]);
  });

  it("a refused write that does not repeat on replay is reported as its block", async () => {
    const api = fakeApi((i, times) => ({ status: 400, writes: i === 70 && times === 1 }));
    const report = await run(api, 32);
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]).toMatchObject({
      index: 64,
      request: "requests 64…95 (all refused)",
    });
  });

  it("still checks every answer: a 5xx is a finding, named by its index", async () => {
    const api = fakeApi((i) => ({ status: i === 3 ? 503 : 400, writes: false }));
    const report = await run(api, 64, 10);
    expect(report.findings.map((f) => [f.index, f.problem.slice(0, 4)])).toEqual([[3, "5xx:"]]);
  });
});
