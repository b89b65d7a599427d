import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, test } from "vitest";
import { WalletTx } from "../core/wallet-tx";
import { type EventData, findEvent, insertEvent, setEventStatus } from "../events/event-store";
import { readOutbox } from "../outbox/outbox-store";
import {
  type AttributionEvidence,
  AttributionEvidenceMissing,
  attributeSignup,
  maskName,
} from "./attribution";
import { readAttributionEvidence } from "./attribution-lookups";
import { findReferral, readReferralHistory } from "./referral-store";

/**
 * Attribution inside a real wallet object's storage: the in-transaction checks (first signup,
 * already referred, evidence read for this very signup), the record, its history and the
 * projection queued in the same transaction; and which signup the reads before it look at.
 */

const NOW_MS = 1_796_000_000_000;
const USER = "bea-attr";

function inFreshWallet<R>(fn: (storage: DurableObjectStorage) => R | Promise<R>): Promise<R> {
  const stub = env.WALLET.get(env.WALLET.newUniqueId());
  return runInDurableObject(stub, (_instance, state) => fn(state.storage));
}

function addSignup(sql: SqlStorage, id: string, occurredAtMs: number, data: EventData) {
  insertEvent(
    sql,
    { id, type: "user.signed_up", userId: USER, occurredAtMs, data },
    { digest: id, keyName: "test", data, receivedAtMs: NOW_MS },
  );
  const stored = findEvent(sql, id);
  if (!stored) throw new Error("not stored");
  return stored;
}

const evidenceFor = (eventId: string, referrerId = "ana"): AttributionEvidence => ({
  eventId,
  program: { programId: "default", touch: "first", windowDays: 30, probabilisticWindowHours: 2 },
  typedCode: { code: "ANACODE", owner: { userId: referrerId, programId: "default" } },
  token: null,
  clicks: [],
});

/** Runs the hook the way processing does: inside one storage transaction. */
function attribute(
  storage: DurableObjectStorage,
  eventId: string,
  evidence: AttributionEvidence | null,
) {
  return storage.transactionSync(() => {
    const tx = new WalletTx(storage.sql);
    tx.bindUser(USER);
    const stored = findEvent(storage.sql, eventId);
    if (!stored) throw new Error("no event");
    const decision = attributeSignup(tx, stored, evidence, NOW_MS);
    setEventStatus(storage.sql, eventId, "processed", { result: "processed" }, NOW_MS);
    tx.close();
    return decision;
  });
}

describe("attributeSignup", () => {
  test("records the referral, its history and its projection in one transaction", async () => {
    await inFreshWallet((storage) => {
      addSignup(storage.sql, "su-1", NOW_MS - 1000, { displayName: "bea", referralCode: "x" });
      expect(attribute(storage, "su-1", evidenceFor("su-1"))).toMatchObject({
        referrerId: "ana",
        method: "code",
      });
      expect(findReferral(storage.sql)).toMatchObject({
        referralId: `ref_${USER}`,
        state: "signed_up",
        refereeNameMasked: "B***",
        attributedAtMs: NOW_MS - 1000,
        version: 1,
      });
      expect(readReferralHistory(storage.sql, `ref_${USER}`)).toEqual([
        {
          fromState: null,
          state: "signed_up",
          reason: "code_at_signup",
          eventId: "su-1",
          atMs: NOW_MS,
        },
      ]);
      const outbox = readOutbox(storage.sql, 10).map((r) => JSON.parse(r.body));
      // The referrer is told (a notification event), the referral is projected, and the
      // referee's risk object hears of it, about this referral (docs/fraud.md "Signals").
      expect(outbox.map((m) => m.kind)).toEqual(["notification", "referral", "risk_observation"]);
      expect(outbox[0]).toMatchObject({ type: "referral_signed_up", userId: "ana" });
      expect(outbox[2].observation).toEqual({
        observationId: `referral:ref_${USER}:attributed`,
        userId: USER,
        kind: "referral",
        atMs: NOW_MS - 1000,
        subjectRef: `ref_${USER}`,
        facts: {
          "signal.referralStage": "attributed",
          "signal.referralMethod": "code",
          "signal.referralProgramScore": 0,
          "signal.referralProgramSignals": 0,
          "signal.referralProgramHold": false,
        },
      });
    });
  });

  test("evidence read for another signup aborts the transaction, writing nothing", async () => {
    await inFreshWallet((storage) => {
      addSignup(storage.sql, "su-later", NOW_MS, { referralCode: "x" });
      addSignup(storage.sql, "su-earlier", NOW_MS - 60_000, { referralCode: "y" });
      expect(() => attribute(storage, "su-earlier", evidenceFor("su-later"))).toThrow(
        AttributionEvidenceMissing,
      );
      expect(findReferral(storage.sql)).toBeNull();
      expect(findEvent(storage.sql, "su-earlier")?.status).toBe("received");
      expect(readOutbox(storage.sql, 10)).toEqual([]);
    });
  });

  test("a later signup needs no evidence: it is not the first", async () => {
    await inFreshWallet((storage) => {
      addSignup(storage.sql, "su-1", NOW_MS - 60_000, { displayName: "Bea" });
      addSignup(storage.sql, "su-2", NOW_MS, { referralCode: "x" });
      expect(attribute(storage, "su-1", null)).toBeNull();
      expect(attribute(storage, "su-2", null)).toEqual({ none: "not_first_signup" });
      expect(findReferral(storage.sql)).toBeNull();
    });
  });
});

describe("readAttributionEvidence", () => {
  test("reads for the earliest unprocessed signup, and nothing once one was processed", async () => {
    await inFreshWallet(async (storage) => {
      addSignup(storage.sql, "su-later", NOW_MS, { referralCode: "NOSUCH01" });
      addSignup(storage.sql, "su-earlier", NOW_MS - 60_000, { referralCode: "NOSUCH02" });
      const evidence = await readAttributionEvidence(storage.sql, env, NOW_MS, () => {});
      expect(evidence).toMatchObject({
        eventId: "su-earlier",
        typedCode: { code: "NOSUCH02", owner: null },
        token: null,
        clicks: [],
      });
      setEventStatus(storage.sql, "su-earlier", "processed", { result: "processed" }, NOW_MS);
      expect(await readAttributionEvidence(storage.sql, env, NOW_MS, () => {})).toBeNull();
    });
  });

  test("reads nothing for a signup without referral data", async () => {
    await inFreshWallet(async (storage) => {
      addSignup(storage.sql, "su-1", NOW_MS, { displayName: "Bea" });
      expect(await readAttributionEvidence(storage.sql, env, NOW_MS, () => {})).toBeNull();
    });
  });
});

describe("maskName", () => {
  test.each([
    { name: "Asha Rao", want: "A***" },
    { name: "  émile", want: "É***" },
    { name: "😀 smile", want: "😀***" },
    { name: "   ", want: null },
    { name: undefined, want: null },
  ])("$name → $want", ({ name, want }) => {
    expect(maskName(name)).toBe(want);
  });
});
