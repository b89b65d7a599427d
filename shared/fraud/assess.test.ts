import { describe, expect, test } from "vitest";
import type { RuleInput } from "../rules/index";
import { compiled, rule } from "../rules/testing/fixtures";
import { assessObservation } from "./assess";
import type { Observation } from "./risk-contract";
import type { ReasonInForce } from "./risk-score";
import { emptyVelocity, type Velocity } from "./velocity";

const NOW = Date.UTC(2026, 11, 6, 12);
const H = 3_600_000;

const rules: RuleInput[] = [
  rule({
    id: "flood",
    name: "Click flood",
    eventTypes: ["risk.click"],
    conditions: { all: [{ attr: "signal.clicks1h", op: "gte", value: 60 }] },
    effects: [{ kind: "flag", score: 20, reasonCode: "click_flood", releaseAfterHours: 24 }],
  }),
  rule({
    id: "iframe",
    name: "Click in an iframe",
    eventTypes: ["risk.click"],
    conditions: { all: [{ attr: "signal.clickIframe", op: "eq", value: true }] },
    effects: [{ kind: "ignore_click", score: 15, reasonCode: "click_iframe" }],
  }),
  rule({
    id: "ring",
    name: "Shared device",
    eventTypes: ["risk.redemption", "risk.referral"],
    conditions: { all: [{ attr: "signal.usersSharingDevice", op: "gte", value: 2 }] },
    effects: [
      { kind: "hold_payouts", score: 60, reasonCode: "shared_device" },
      { kind: "hold_referral", score: 60, reasonCode: "shared_device" },
    ],
  }),
  rule({
    id: "threshold",
    name: "Score over 70",
    eventTypes: ["risk.redemption"],
    conditions: { all: [{ attr: "signal.score", op: "gte", value: 70 }] },
    effects: [{ kind: "hold_payouts", score: 0, reasonCode: "score_threshold" }],
  }),
  rule({
    id: "new-device",
    name: "New device",
    eventTypes: ["risk.login"],
    conditions: { all: [{ attr: "signal.newDevice", op: "eq", value: true }] },
    effects: [{ kind: "flag", score: 5, reasonCode: "new_device", releaseAfterHours: 1 }],
  }),
];
const set = compiled(rules, { version: 7 });

const observation = (o: Partial<Observation> & Pick<Observation, "kind">): Observation => ({
  observationId: "obs-1",
  userId: "u1",
  atMs: NOW,
  ...o,
});
const clicks = (lastHour: number): Velocity => {
  const v = emptyVelocity();
  v.click = { "1h": lastHour, "24h": lastHour, "7d": lastHour };
  return v;
};
const known = (code: string, score: number): ReasonInForce => ({
  code,
  score,
  detail: code,
  ruleId: code,
  ruleVersion: 6,
  sinceMs: NOW - H,
  untilMs: NOW + 10 * H,
});

describe("assessObservation: the published fraud rules on an observation", () => {
  test.each([
    {
      label: "a clean click: nothing",
      input: { observation: observation({ kind: "click" }), velocity: clicks(3) },
      score: 0,
      effects: [],
    },
    {
      label: "a click flood is flagged, with its window",
      input: { observation: observation({ kind: "click" }), velocity: clicks(60) },
      score: 20,
      effects: [{ kind: "flag", ruleId: "flood", code: "click_flood", releaseAfterHours: 24 }],
    },
    {
      label: "an iframe click (a producer's fact) is ignored, with no window",
      input: {
        observation: observation({ kind: "click", facts: { "signal.clickIframe": true } }),
      },
      score: 15,
      effects: [{ kind: "ignore_click", ruleId: "iframe", code: "click_iframe" }],
    },
    {
      label: "a producer cannot override counted velocity",
      input: {
        observation: observation({ kind: "click", facts: { "signal.clicks1h": 500 } }),
        velocity: clicks(1),
      },
      score: 0,
      effects: [],
    },
    {
      label: "a producer's fact of the wrong type is left out",
      input: {
        observation: observation({ kind: "click", facts: { "signal.clickIframe": "yes" } }),
      },
      score: 0,
      effects: [],
    },
    {
      label: "a shared device holds a redemption; one reason counts once",
      input: {
        observation: observation({ kind: "redemption", facts: { "signal.usersSharingDevice": 2 } }),
      },
      score: 60,
      effects: [
        { kind: "hold_payouts", ruleId: "ring", code: "shared_device" },
        { kind: "hold_referral", ruleId: "ring", code: "shared_device" },
      ],
    },
    {
      label: "the score before the observation crosses the threshold",
      input: {
        observation: observation({ kind: "redemption" }),
        reasonsBefore: [known("a", 40), known("b", 35)],
      },
      score: 75,
      effects: [{ kind: "hold_payouts", ruleId: "threshold", code: "score_threshold" }],
    },
    {
      label: "a login from a new device",
      input: { observation: observation({ kind: "login" }), newDevice: true },
      score: 5,
      effects: [{ kind: "flag", ruleId: "new-device", code: "new_device", releaseAfterHours: 1 }],
    },
    {
      label: "a login from a known device",
      input: { observation: observation({ kind: "login" }), newDevice: false },
      score: 0,
      effects: [],
    },
    {
      label: "earlier reasons stay in the score",
      input: {
        observation: observation({ kind: "click" }),
        velocity: clicks(60),
        reasonsBefore: [known("shared_device", 60)],
      },
      score: 80,
      effects: [{ kind: "flag", ruleId: "flood", code: "click_flood", releaseAfterHours: 24 }],
    },
  ])("$label → score $score", ({ input, score, effects }) => {
    const { assessment } = assessObservation({
      compiled: set,
      velocity: emptyVelocity(),
      newDevice: undefined,
      reasonsBefore: [],
      nowMs: NOW,
      ...input,
    });
    expect(assessment.score).toBe(score);
    expect(assessment.ruleVersion).toBe(7);
    expect(
      assessment.effects.map((e) => ({
        kind: e.kind,
        ruleId: e.ruleId,
        code: e.reason.code,
        ...(e.releaseAfterHours === undefined ? {} : { releaseAfterHours: e.releaseAfterHours }),
      })),
    ).toEqual(effects);
    expect(assessment.reasons.reduce((sum, r) => sum + r.score, 0)).toBeGreaterThanOrEqual(score);
  });

  test("with nothing published: no effects, the score from the reasons in force", () => {
    const { assessment } = assessObservation({
      observation: observation({ kind: "redemption" }),
      compiled: null,
      velocity: emptyVelocity(),
      newDevice: undefined,
      reasonsBefore: [known("shared_device", 60), { ...known("gone", 30), untilMs: NOW }],
      nowMs: NOW,
    });
    expect(assessment).toMatchObject({ score: 60, effects: [], ruleVersion: null });
    expect(assessment.reasons).toEqual([
      { code: "shared_device", score: 60, detail: "shared_device" },
    ]);
  });

  test("an observation dated in the future is judged now; its facts carry the event", () => {
    const { facts, reasons } = assessObservation({
      observation: observation({ kind: "click", atMs: NOW + 5 * H }),
      compiled: set,
      velocity: clicks(60),
      newDevice: undefined,
      reasonsBefore: [],
      nowMs: NOW,
    });
    expect(facts).toMatchObject({
      "event.type": "risk.click",
      "event.id": "obs-1",
      "user.id": "u1",
      "signal.clicks1h": 60,
      "signal.score": 0,
    });
    expect(reasons[0]).toMatchObject({ code: "click_flood", sinceMs: NOW, untilMs: NOW + 24 * H });
  });
});
