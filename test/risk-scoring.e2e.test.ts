import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, test } from "vitest";
import type { Observation } from "#shared/fraud/risk-contract";
import { FRAUD_STARTER_RULES } from "#shared/fraud/starter-rules";
import { ADMIN_HEADERS, api, uniqueUser } from "./helpers";
import { publishRuleSet } from "./referral-helpers";

/**
 * Scoring through the real objects (docs/fraud.md "Scoring"): an operator publishes fraud
 * rules through the admin API, observations reach the user's risk object, and the score and
 * the effects follow the live version; a new version changes scoring without a deploy; an
 * observation reported twice counts once. The tests run in order and share one D1.
 */

const FLOOD = {
  id: "fraud-click-flood",
  name: "Click flood",
  eventTypes: ["risk.click"],
  conditions: { all: [{ attr: "signal.clicks1h", op: "gte", value: 3 }] },
  effects: [{ kind: "flag", score: 20, reasonCode: "click_flood", releaseAfterHours: 24 }],
  priority: 0,
  group: "fraud",
  active: true,
};
const RING = {
  id: "fraud-shared-device",
  name: "Device shared with other accounts",
  eventTypes: ["risk.redemption"],
  conditions: { all: [{ attr: "signal.usersSharingDevice", op: "gte", value: 2 }] },
  effects: [{ kind: "hold_payouts", score: 50, reasonCode: "shared_device" }],
  priority: 0,
  group: "fraud",
  active: true,
};

/** Publishes the fraud rules as the whole live rule set (group `fraud`, UTC). */
const publish = (rules: unknown[]): Promise<number> =>
  publishRuleSet(
    { timeZone: "UTC", groups: [{ name: "fraud", mode: "stackable" }], rules },
    "fraud rules",
  );

const riskOf = (userId: string) => env.RISK.get(env.RISK.idFromName(userId));

let seq = 0;
function observe(userId: string, o: Partial<Observation> & Pick<Observation, "kind">) {
  seq += 1;
  return riskOf(userId).assess({
    observationId: `obs-${userId}-${seq}`,
    userId,
    atMs: Date.now(),
    ...o,
  });
}

describe("fraud rules score observations in the user's risk object", () => {
  test("a money effect on a risk rule is refused at its path, nothing saved", async () => {
    const response = await api("/admin/v1/rules/draft", {
      method: "PUT",
      headers: ADMIN_HEADERS,
      body: JSON.stringify({
        timeZone: "UTC",
        groups: [{ name: "fraud", mode: "stackable" }],
        rules: [{ ...FLOOD, effects: [{ kind: "points_fixed", points: 10 }] }],
      }),
    });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: Array<{ path: string }> };
    expect(problem.errors.map((f) => f.path)).toContain("rules[0].effects[0].kind");
  });

  test("the published rules score: velocity flags a flood, a shared device holds payouts", async () => {
    const version = await publish([FLOOD, RING]);
    const userId = uniqueUser("risk-score");
    const first = await observe(userId, { kind: "click" });
    await observe(userId, { kind: "click" });
    expect(first).toMatchObject({ userId, score: 0, effects: [], ruleVersion: version });
    const third = await observe(userId, { kind: "click" });
    expect(third.score).toBe(20);
    expect(third.effects).toEqual([
      {
        kind: "flag",
        ruleId: "fraud-click-flood",
        reason: { code: "click_flood", score: 20, detail: "Click flood" },
        releaseAfterHours: 24,
      },
    ]);

    const redemption = await observe(userId, {
      kind: "redemption",
      subjectRef: "payout-1",
      facts: { "signal.usersSharingDevice": 2 },
    });
    expect(redemption.score).toBe(70);
    expect(redemption.effects.map((e) => [e.kind, e.reason.code])).toEqual([
      ["hold_payouts", "shared_device"],
    ]);
    expect(redemption.reasons.map((r) => r.code)).toEqual(["shared_device", "click_flood"]);

    const profile = await riskOf(userId).riskOf();
    expect(profile.score).toBe(70);
    expect(profile.velocity.click["1h"]).toBe(3);
    expect(profile.velocity.redemption["24h"]).toBe(1);
    expect(profile.history.map((h) => h.score)).toEqual([70, 20]);
    expect(profile.history[0]).toMatchObject({ ruleVersion: version });
  });

  test("a repeat observation is answered the same and counts once", async () => {
    const userId = uniqueUser("risk-repeat");
    const click = {
      observationId: `c-${userId}`,
      userId,
      kind: "click" as const,
      atMs: Date.now(),
    };
    const risk = riskOf(userId);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await risk.assess(click));
    expect(answers.every((a) => a.score === 0 && a.effects.length === 0)).toBe(true);
    expect((await risk.riskOf()).velocity.click["1h"]).toBe(1);
    const rows = await runInDurableObject(risk, (_instance, state) =>
      state.storage.sql.exec(`SELECT COUNT(*) AS n FROM observations`).one(),
    );
    expect(rows.n).toBe(1);
  });

  test("a new published version changes scoring without a deploy", async () => {
    const userId = uniqueUser("risk-version");
    const facts = { "signal.usersSharingDevice": 2 };
    const before = await observe(userId, { kind: "redemption", facts });
    expect(before.score).toBe(50);
    const version = await publish([
      FLOOD,
      { ...RING, effects: [{ ...RING.effects[0], score: 80 }] },
    ]);
    const after = await observe(userId, { kind: "redemption", facts });
    expect(after).toMatchObject({ score: 80, ruleVersion: version });
    expect(after.effects[0]?.reason).toMatchObject({ code: "shared_device", score: 80 });

    const off = await publish([FLOOD, { ...RING, active: false }]);
    const other = uniqueUser("risk-version-off");
    expect(await observe(other, { kind: "redemption", facts })).toMatchObject({
      score: 0,
      effects: [],
      ruleVersion: off,
    });
  });

  test("a login from a second device is a new-device login; the first device is not", async () => {
    await publish([
      FLOOD,
      {
        ...FLOOD,
        id: "fraud-new-device",
        name: "New device",
        eventTypes: ["risk.login"],
        conditions: { all: [{ attr: "signal.newDevice", op: "eq", value: true }] },
        effects: [{ kind: "require_step_up", score: 10, reasonCode: "new_device" }],
      },
    ]);
    const userId = uniqueUser("risk-device");
    const first = await observe(userId, { kind: "login", identifiers: { device: "d-1" } });
    const again = await observe(userId, { kind: "login", identifiers: { device: "d-1" } });
    const second = await observe(userId, { kind: "login", identifiers: { device: "d-2" } });
    expect([first.effects.length, again.effects.length]).toEqual([0, 0]);
    expect(second.effects.map((e) => e.kind)).toEqual(["require_step_up"]);
    expect((await riskOf(userId).riskOf()).velocity.new_device_login["24h"]).toBe(1);
  });

  test("the simulator traces a risk event against the live fraud rules", async () => {
    const response = await api("/admin/v1/rules/simulate", {
      method: "POST",
      headers: ADMIN_HEADERS,
      body: JSON.stringify({
        against: "live",
        event: {
          id: "sim-1",
          type: "risk.click",
          userId: "u-sim",
          occurredAt: new Date().toISOString(),
        },
        signals: { "signal.clicks1h": 5 },
      }),
    });
    expect(response.status, await response.clone().text()).toBe(200);
    const body = (await response.json()) as {
      applied: Array<{ ruleId: string; effect: { kind: string } }>;
      facts: Record<string, unknown>;
      trace: { rules: Array<{ ruleId: string; outcome: string }> };
    };
    expect(body.applied.map((a) => [a.ruleId, a.effect.kind])).toEqual([
      ["fraud-click-flood", "flag"],
    ]);
    expect(body.facts["signal.clicks1h"]).toBe(5);
    expect(body.trace.rules.map((r) => r.outcome)).toEqual(["applied"]);
  });

  test("the starter set joins the draft once, and scores once published", async () => {
    const add = () =>
      api("/admin/v1/rules/draft/fraud-starter", { method: "POST", headers: ADMIN_HEADERS });
    const first = await add();
    expect(first.status, await first.clone().text()).toBe(200);
    const body = (await first.json()) as {
      added: string[];
      ruleSet: { groups: Array<{ name: string; mode: string }>; rules: Array<{ id: string }> };
    };
    // The live set already has a rule with the starter flood rule's id: the operator's stays.
    expect(body.added).toHaveLength(FRAUD_STARTER_RULES.length - 1);
    expect(body.added).not.toContain("fraud-click-flood");
    expect(body.ruleSet.groups).toContainEqual({ name: "fraud", mode: "stackable" });
    const again = (await (await add()).json()) as { added: string[] };
    expect(again.added).toEqual([]);

    const published = await api("/admin/v1/rules/publish", {
      method: "POST",
      headers: ADMIN_HEADERS,
      body: JSON.stringify({ note: "starter fraud rules" }),
    });
    expect(published.status).toBe(201);
    const userId = uniqueUser("risk-starter");
    const assessment = await observe(userId, {
      kind: "redemption",
      facts: { "signal.usersSharingPayment": 1 },
    });
    expect(assessment.effects.map((e) => [e.kind, e.reason.code, e.ruleId])).toEqual([
      ["hold_payouts", "shared_payment_instrument", "fraud-shared-payment-redemption"],
    ]);
  });
});
