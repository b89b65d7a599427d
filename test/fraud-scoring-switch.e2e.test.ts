import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it, test } from "vitest";
import { sendOutbox } from "#durable-objects/wallet/outbox/outbox-flush";
import { insertOutbox, readOutbox } from "#durable-objects/wallet/outbox/outbox-store";
import { observationMessage } from "#shared/fraud/observation-message";
import type { Assessment, Observation } from "#shared/fraud/risk-contract";
import { createLogger } from "#shared/observability/logger";
import {
  keepObservations,
  sweepObservationOutbox,
} from "#workers/api/src/features/fraud/observation-outbox";
import { reportObservations } from "#workers/api/src/features/fraud/observations";
import { seedCatalog, walletStub } from "./helpers";
import { payoutOf, redeemTo, sandbox, userWithDestination, waitForPayout } from "./payout-helpers";

/**
 * The operator's scoring switch (`FRAUD_SCORING`, docs/fraud.md "Turning scoring off"): "off"
 * sends no observation to the risk queue (the consumers' one sender and the wallet's outbox)
 * and redeems without asking the risk object, so a redemption goes through unchecked even
 * while scoring is down; absent is "on", where the same outage holds it `risk_unavailable`.
 */

beforeAll(async () => {
  await seedCatalog();
});

beforeEach(async () => {
  await sandbox().reset();
});

const observation = (userId: string): Observation => ({
  observationId: `login-${userId}-${crypto.randomUUID()}`,
  userId,
  kind: "login",
  atMs: Date.now(),
});

/** A queue binding that records what it was given. */
function recordingQueue() {
  const sent: unknown[] = [];
  const queue = {
    send: async (body: unknown) => {
      sent.push(body);
    },
    sendBatch: async (batch: Iterable<{ body: unknown }>) => {
      for (const m of batch) sent.push(m.body);
    },
  } as unknown as Queue<never>;
  return { sent, queue };
}

describe("the consumers' sender (reportObservations)", () => {
  test.each<{ scoring: string | undefined; sent: number }>([
    { scoring: undefined, sent: 2 },
    { scoring: "on", sent: 2 },
    { scoring: "off", sent: 0 },
  ])("FRAUD_SCORING=$scoring → $sent sent", async ({ scoring, sent }) => {
    const risk = recordingQueue();
    await reportObservations(
      {
        RISK_OBSERVATIONS: risk.queue,
        ...(scoring === undefined ? {} : { FRAUD_SCORING: scoring }),
      },
      [observation("u-switch"), observation("u-switch")],
    );
    expect(risk.sent).toHaveLength(sent);
  });
});

describe("the cron's re-send of kept observations (D1 risk_observation_outbox)", () => {
  it("off: sends nothing and keeps the rows; absent: sends them", async () => {
    const kept = observation("u-switch-kept");
    await keepObservations(env.DB, [kept], Date.now());
    const offQueue = recordingQueue();
    const off = await sweepObservationOutbox({
      DB: env.DB,
      RISK_OBSERVATIONS: offQueue.queue,
      FRAUD_SCORING: "off",
    });
    expect(off.sent).toBe(0);
    expect(offQueue.sent).toHaveLength(0);
    const onQueue = recordingQueue();
    const on = await sweepObservationOutbox({ DB: env.DB, RISK_OBSERVATIONS: onQueue.queue });
    expect(on.sent).toBeGreaterThanOrEqual(1);
    expect(
      onQueue.sent.some(
        (m) => (m as { observation: Observation }).observation.observationId === kept.observationId,
      ),
    ).toBe(true);
  });
});

describe("the wallet's outbox", () => {
  test.each<{ scoring: string | undefined; sent: number }>([
    { scoring: undefined, sent: 1 },
    { scoring: "off", sent: 0 },
  ])(
    "FRAUD_SCORING=$scoring: $sent risk row sent, the outbox emptied",
    async ({ scoring, sent }) => {
      const user = `switch-outbox-${crypto.randomUUID()}`;
      const risk = recordingQueue();
      const events = recordingQueue();
      const other = recordingQueue();
      await runInDurableObject(walletStub(user), async (_instance, state) => {
        const sql = state.storage.sql;
        // Whatever an earlier write left, then one risk observation.
        await sendOutbox(
          sql,
          {
            RISK_OBSERVATIONS: other.queue,
            LEDGER_EVENTS: other.queue,
            PAYOUTS: other.queue,
            NOTICES: other.queue,
            NOTIFY_TRANSACTIONAL: other.queue,
          },
          createLogger({ worker: "wallet" }),
        );
        insertOutbox(sql, observationMessage(observation(user)));
        await sendOutbox(
          sql,
          {
            RISK_OBSERVATIONS: risk.queue,
            LEDGER_EVENTS: events.queue,
            PAYOUTS: events.queue,
            NOTICES: events.queue,
            NOTIFY_TRANSACTIONAL: events.queue,
            ...(scoring === undefined ? {} : { FRAUD_SCORING: scoring }),
          },
          createLogger({ worker: "wallet" }),
        );
        expect(readOutbox(sql, 10)).toEqual([]);
      });
      expect(risk.sent).toHaveLength(sent);
      expect(events.sent).toHaveLength(0);
    },
  );
});

type Assess = (observation: Observation) => Promise<Assessment>;

/**
 * Scoring down for one user (their risk object's `assess` throws; redemption checks counted), and the wallet's
 * FRAUD_SCORING set for the test. Returns the calls seen and the restore.
 */
async function outageWithScoring(userId: string, scoring: string | undefined) {
  const calls = { assess: 0 };
  const risk = env.RISK.get(env.RISK.idFromName(userId));
  const proto = await runInDurableObject(
    risk,
    (instance) => Object.getPrototypeOf(instance) as { assess: Assess },
  );
  const original = proto.assess;
  proto.assess = function (this: unknown, o: Observation) {
    if (o.userId !== userId) return original.call(this, o);
    // The redemption's own check (the user's earlier observations may still be in the queue).
    if (o.kind === "redemption") calls.assess++;
    return Promise.reject(new Error("scoring is down"));
  };
  const before = await runInDurableObject(walletStub(userId), (instance) => {
    const walletEnv = (instance as unknown as { env: { FRAUD_SCORING?: string } }).env;
    const was = walletEnv.FRAUD_SCORING;
    if (scoring === undefined) delete walletEnv.FRAUD_SCORING;
    else walletEnv.FRAUD_SCORING = scoring;
    return was;
  });
  const restore = async () => {
    proto.assess = original;
    await runInDurableObject(walletStub(userId), (instance) => {
      const walletEnv = (instance as unknown as { env: { FRAUD_SCORING?: string } }).env;
      if (before === undefined) delete walletEnv.FRAUD_SCORING;
      else walletEnv.FRAUD_SCORING = before;
    });
  };
  return { calls, restore };
}

describe("a redemption while scoring is down", () => {
  it("FRAUD_SCORING=off: not scored, not held, dispatched and paid", async () => {
    const { user, destinationId } = await userWithDestination("switch-off", 40_000);
    const { calls, restore } = await outageWithScoring(user, "off");
    try {
      const payoutId = await redeemTo(user, destinationId, 20_000);
      const payout = await payoutOf(user, payoutId);
      expect(payout.status).not.toBe("held");
      expect(payout.holdReason).toBeNull();
      await waitForPayout(user, payoutId, "paid");
      expect(calls.assess).toBe(0);
      // No hold of scoring's, the fail-safe's included.
      expect(await walletStub(user).getRiskHolds()).toEqual([]);
    } finally {
      await restore();
    }
  });

  it("FRAUD_SCORING absent (= on): asked, held risk_unavailable, nothing dispatched", async () => {
    const { user, destinationId } = await userWithDestination("switch-absent", 40_000);
    const { calls, restore } = await outageWithScoring(user, undefined);
    try {
      const payoutId = await redeemTo(user, destinationId, 20_000);
      expect(await payoutOf(user, payoutId)).toMatchObject({
        status: "held",
        holdReason: "risk_unavailable",
      });
      expect(calls.assess).toBeGreaterThan(0);
      expect(await sandbox().payout(payoutId)).toBeNull();
    } finally {
      await restore();
    }
  });
});
