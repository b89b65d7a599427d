import { describe, expect, test } from "vitest";
import {
  answer,
  type BudgetRequest,
  nextGrantStep,
  openRequests,
  owedRequests,
  retarget,
} from "./decide-grant";

const term = (key: string) => ({ key, unit: "points", limit: 500 });
const asked = (key: string, desired: number, granted: number | null, seq = 1): BudgetRequest => ({
  ...term(key),
  seq,
  desired,
  granted,
});

describe("retarget", () => {
  test("a new reward asks every budget for the target", () => {
    const requests = retarget(openRequests([term("a"), term("b")]), 80);
    expect(requests).toEqual([asked("a", 80, null), asked("b", 80, null)]);
    expect(owedRequests(requests)).toHaveLength(2);
  });
  test("a budget already answered for the target is not asked again", () => {
    expect(retarget([asked("a", 80, 80)], 80)).toEqual([asked("a", 80, 80)]);
  });
  test("a lower target is a new request", () => {
    expect(retarget([asked("a", 80, 80)], 30)).toEqual([asked("a", 30, null, 2)]);
  });
  test("an answer to an older request is dropped", () => {
    const requests = [asked("a", 30, null, 2)];
    expect(answer(requests, "a", 1, 80)).toEqual(requests);
    expect(answer(requests, "a", 2, 30)).toEqual([asked("a", 30, 30, 2)]);
  });
});

describe("nextGrantStep", () => {
  test.each([
    {
      label: "no budgets: the target",
      requests: [],
      target: 80,
      want: { action: "settled", granted: 80 },
    },
    {
      label: "an answer owed",
      requests: [asked("a", 80, 80), asked("b", 80, null)],
      target: 80,
      want: { action: "ask" },
    },
    {
      label: "all granted in full",
      requests: [asked("a", 80, 80), asked("b", 80, 80)],
      target: 80,
      want: { action: "settled", granted: 80 },
    },
    {
      label: "all granted nothing",
      requests: [asked("a", 80, 0), asked("b", 80, 0)],
      target: 80,
      want: { action: "settled", granted: 0 },
    },
    {
      label: "one grants less: the others are lowered to it",
      requests: [asked("a", 80, 80), asked("b", 80, 30)],
      target: 80,
      want: { action: "lower", requests: [asked("a", 30, null, 2), asked("b", 80, 30)] },
    },
    {
      label: "after lowering: settled on the smallest",
      requests: [asked("a", 30, 30, 2), asked("b", 80, 30)],
      target: 80,
      want: { action: "settled", granted: 30 },
    },
  ])("$label", ({ requests, target, want }) => {
    expect(nextGrantStep(requests, target)).toEqual(want);
  });
});
