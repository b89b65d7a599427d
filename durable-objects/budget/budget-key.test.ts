import { describe, expect, test } from "vitest";
import { budgetKey } from "#shared/rules/index";
import { campaignOfBudgetKey, parseBudgetKey } from "./budget-key";

describe("parseBudgetKey", () => {
  test.each([
    {
      label: "user, month",
      key: "rule:r1:user:u9:month:2026-03",
      want: {
        ruleId: "r1",
        entity: "user",
        entityId: "u9",
        period: "month",
        periodKey: "month:2026-03",
      },
    },
    {
      label: "campaign, day",
      key: "rule:boost.x:campaign:diwali-2026:day:2026-11-01",
      want: {
        ruleId: "boost.x",
        entity: "campaign",
        entityId: "diwali-2026",
        period: "day",
        periodKey: "day:2026-11-01",
      },
    },
    {
      label: "global, ISO week",
      key: "rule:r1:global:week:2026-W53",
      want: {
        ruleId: "r1",
        entity: "global",
        entityId: null,
        period: "week",
        periodKey: "week:2026-W53",
      },
    },
    {
      label: "global, lifetime",
      key: "rule:r1:global:lifetime",
      want: {
        ruleId: "r1",
        entity: "global",
        entityId: null,
        period: "lifetime",
        periodKey: "lifetime",
      },
    },
    {
      label: "a user id with : and % is decoded",
      key: "rule:r1:user:a%3Ab%25c:lifetime",
      want: {
        ruleId: "r1",
        entity: "user",
        entityId: "a:b%c",
        period: "lifetime",
        periodKey: "lifetime",
      },
    },
  ])("$label", ({ key, want }) => {
    expect(parseBudgetKey(key)).toEqual(want);
  });

  test.each([
    { label: "empty", key: "" },
    { label: "not a rule key", key: "campaign:c1" },
    { label: "unknown entity", key: "rule:r1:team:t1:lifetime" },
    { label: "user without id", key: "rule:r1:user::lifetime" },
    { label: "global with an id", key: "rule:r1:global:g1:lifetime" },
    { label: "unknown period", key: "rule:r1:global:year:2026" },
    { label: "month 13", key: "rule:r1:global:month:2026-13" },
    { label: "week 54", key: "rule:r1:global:week:2026-W54" },
    { label: "lifetime with a value", key: "rule:r1:global:lifetime:2026" },
    { label: "an id encoded another way", key: "rule:r1:user:a%62:lifetime" },
    { label: "bad percent-encoding", key: "rule:r1:user:a%zz:lifetime" },
    { label: "a rule id with a space", key: "rule:r 1:global:lifetime" },
    { label: "too long", key: `rule:r1:user:${"u".repeat(600)}:lifetime` },
  ])("refuses $label", ({ key }) => {
    expect(parseBudgetKey(key)).toBeNull();
  });

  test("reads back what budgetKey writes", () => {
    const key = budgetKey({
      ruleId: "r1",
      entity: "user",
      entityId: "x:y",
      period: "month",
      atMs: Date.UTC(2026, 2, 31, 20),
      timeZone: "Asia/Kolkata",
    });
    expect(parseBudgetKey(key)).toMatchObject({ entityId: "x:y", periodKey: "month:2026-04" });
  });
});

describe("campaignOfBudgetKey", () => {
  test.each([
    {
      label: "a campaign's rule budget",
      key: "rule:campaign.diwali:campaign:diwali:lifetime",
      want: "diwali",
    },
    {
      label: "another rule on the campaign",
      key: "rule:boost.x:campaign:diwali:lifetime",
      want: null,
    },
    {
      label: "another campaign's id",
      key: "rule:campaign.diwali:campaign:holi:lifetime",
      want: null,
    },
    {
      label: "a period other than lifetime",
      key: "rule:campaign.diwali:campaign:diwali:month:2026-11",
      want: null,
    },
    { label: "a user budget", key: "rule:campaign.u9:user:u9:lifetime", want: null },
    { label: "a global budget", key: "rule:campaign.x:global:lifetime", want: null },
  ])("$label", ({ key, want }) => {
    const parsed = parseBudgetKey(key);
    expect(parsed).not.toBeNull();
    expect(campaignOfBudgetKey(parsed as NonNullable<typeof parsed>)).toBe(want);
  });
});
