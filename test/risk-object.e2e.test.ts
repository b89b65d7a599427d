import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, test } from "vitest";
import { uniqueUser } from "./helpers";

/** The user's risk object answers through its binding and keeps each observation once. */
test("an observation reported twice is recorded once and assessed", async () => {
  const userId = uniqueUser("risk");
  const risk = env.RISK.get(env.RISK.idFromName(userId));
  const observation = {
    observationId: `obs-${userId}`,
    userId,
    kind: "login" as const,
    atMs: Date.now(),
    identifiers: { device: "hash-1" },
  };
  const first = await risk.assess(observation);
  const again = await risk.assess(observation);
  expect(first).toMatchObject({ userId, score: 0, effects: [] });
  expect(again.score).toBe(first.score);
  const rows = await runInDurableObject(risk, (_instance, state) =>
    state.storage.sql.exec(`SELECT COUNT(*) AS n FROM observations`).one(),
  );
  expect(rows.n).toBe(1);
});
