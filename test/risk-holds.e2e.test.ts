import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, test } from "vitest";
import { eventually, uniqueUser, walletStub } from "./helpers";

/**
 * The wallet's risk holds (docs/fraud.md "Holds"): a hold ends once, by an operator's decision
 * with a reason and label, or by itself when its auto-release time comes on the schedule.
 */

async function seedHold(userId: string, holdId: string, autoReleaseAtMs: number | null) {
  const wallet = walletStub(userId);
  await wallet.getRiskHolds(); // wakes the object: its schema is applied
  await runInDurableObject(wallet, (_instance, state) => {
    // A wallet holding anything is bound to its user (each hold is projected under it).
    state.storage.sql.exec(`INSERT INTO meta (key, value) VALUES ('user_id', ?)`, userId);
    state.storage.sql.exec(
      `INSERT INTO risk_holds (hold_id, kind, subject_ref, reasons_json, source, rule_id,
         rule_version, auto_release_at_ms, status, placed_at_ms)
       VALUES (?, 'payouts', NULL, ?, 'rule', 'velocity-clicks', 1, ?, 'active', ?)`,
      holdId,
      JSON.stringify([{ code: "click_velocity", score: 40, detail: "60 clicks in an hour" }]),
      autoReleaseAtMs,
      Date.now(),
    );
    if (autoReleaseAtMs !== null) {
      state.storage.sql.exec(
        `INSERT INTO schedule (kind, ref, due_at_ms) VALUES ('risk_hold_release', ?, ?)`,
        holdId,
        autoReleaseAtMs,
      );
    }
  });
  return wallet;
}

test("an operator releases a hold once, with who, why and the label", async () => {
  const userId = uniqueUser("hold-op");
  const wallet = await seedHold(userId, "hold-1", null);
  const decision = {
    decision: "release" as const,
    actor: "ops@example.com",
    note: "known household",
    label: "not_fraud" as const,
  };
  const first = await wallet.decideRiskHold(userId, "hold-1", decision);
  expect(first.status).toBe("decided");
  expect(first.hold).toMatchObject({
    status: "released",
    endedHow: "operator",
    decidedBy: "ops@example.com",
    decisionNote: "known household",
    label: "not_fraud",
  });
  const again = await wallet.decideRiskHold(userId, "hold-1", { ...decision, decision: "uphold" });
  expect(again.status).toBe("exists");
  expect(again.hold?.status).toBe("released");
  expect((await wallet.decideRiskHold(userId, "no-such-hold", decision)).status).toBe("not_found");
});

test("a hold whose condition clears releases itself on the schedule", async () => {
  const userId = uniqueUser("hold-auto");
  const dueAtMs = Date.now() - 1_000;
  const wallet = await seedHold(userId, "hold-2", dueAtMs);
  await wallet.runDue(Date.now());
  const [hold] = await wallet.getRiskHolds();
  expect(hold).toMatchObject({ holdId: "hold-2", status: "released", endedHow: "auto" });
  // Its end is projected to the review queue's index (docs/fraud.md "Review").
  const row = await eventually(() =>
    env.DB.prepare(`SELECT status, ended_how, decided_by, version FROM risk_holds
       WHERE user_id = ? AND hold_id = 'hold-2'`)
      .bind(userId)
      .first<{ status: string; ended_how: string; decided_by: string; version: number }>(),
  );
  expect(row).toEqual({ status: "released", ended_how: "auto", decided_by: "system", version: 2 });
  // Ended once: a later run changes nothing, and an operator finds it decided.
  await wallet.runDue(Date.now() + 60_000);
  const decided = await wallet.decideRiskHold(userId, "hold-2", {
    decision: "uphold",
    actor: "ops@example.com",
    note: "late",
    label: null,
  });
  expect(decided.status).toBe("exists");
});
