import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, test } from "vitest";
import { eventId, sendEvents } from "./events-client";
import { clickThrough, eventually, seedCatalog, uniqueUser } from "./helpers";

/**
 * Observations in (docs/fraud.md "Signals"): what users do reaches their risk object through the
 * real `boomerang-risk` queue and its consumer, once each, and the identifiers it carries land
 * in D1 `risk_identifiers` as keyed hashes only.
 */

interface ObservationRow {
  observation_id: string;
  kind: string;
  subject_ref: string | null;
  identifiers: Record<string, string>;
  facts: Record<string, string | number | boolean>;
}

function riskObject(userId: string) {
  return env.RISK.get(env.RISK.idFromName(userId));
}

async function observationsOf(userId: string): Promise<ObservationRow[]> {
  return runInDurableObject(riskObject(userId), (_instance, state) =>
    state.storage.sql
      .exec<{
        observation_id: string;
        kind: string;
        subject_ref: string | null;
        identifiers_json: string;
        facts_json: string;
      }>(
        `SELECT observation_id, kind, subject_ref, identifiers_json, facts_json FROM observations
         ORDER BY at_ms`,
      )
      .toArray()
      .map((r) => ({
        observation_id: r.observation_id,
        kind: r.kind,
        subject_ref: r.subject_ref,
        identifiers: JSON.parse(r.identifiers_json),
        facts: JSON.parse(r.facts_json),
      })),
  );
}

async function identifierRows(userId: string) {
  const { results } = await env.DB.prepare(
    `SELECT kind, hash, user_id, first_seen_ms, last_seen_ms FROM risk_identifiers
     WHERE user_id = ? ORDER BY kind`,
  )
    .bind(userId)
    .all<{
      kind: string;
      hash: string;
      user_id: string;
      first_seen_ms: number;
      last_seen_ms: number;
    }>();
  return results;
}

function login(userId: string, id: string, data: Record<string, unknown>) {
  return { id, type: "user.logged_in", userId, occurredAt: new Date().toISOString(), data };
}

/** Gives the queues time to deliver a redelivery or a duplicate, had there been one. */
const settle = () => new Promise((r) => setTimeout(r, 1_500));

describe("observations through the risk queue", () => {
  beforeAll(async () => {
    await seedCatalog({
      networkId: "risk-net",
      merchantId: "risk-shop",
      offerId: "risk-shop-offer",
    });
  });

  test("a click reaches the user's risk object once, as a click observation", async () => {
    const userId = uniqueUser("risk-click");
    const { subId } = await clickThrough(userId, "risk-shop-offer");
    const rows = await eventually(async () => {
      const found = await observationsOf(userId);
      return found.length > 0 ? found : null;
    });
    await settle();
    expect(await observationsOf(userId)).toHaveLength(1);
    const [click] = rows;
    expect(click?.kind).toBe("click");
    expect(click?.observation_id).toMatch(/^click:/);
    expect(click?.facts["signal.offerId"]).toBe("risk-shop-offer");
    expect(subId.length).toBeGreaterThan(0);
  });

  test("a login reaches the risk object once with hashed identifiers and the request's country and ASN", async () => {
    const userId = uniqueUser("risk-login");
    const id = eventId("login");
    const event = login(userId, id, {
      deviceId: "device-7f3a",
      ipAddress: "203.0.113.77",
      platform: "ios",
      country: "IN",
      asn: 55836,
    });
    expect((await sendEvents(event)).status).toBe(202);
    // The same event again is a duplicate at intake: no second observation.
    expect((await sendEvents(event)).status).toBe(200);

    const [seen] = await eventually(async () => {
      const found = await observationsOf(userId);
      return found.length > 0 ? found : null;
    });
    await settle();
    expect(await observationsOf(userId)).toHaveLength(1);
    expect(seen).toMatchObject({
      observation_id: `event:${id}`,
      kind: "login",
      facts: { "signal.country": "IN", "signal.asn": 55836, "signal.platform": "ios" },
    });
    expect(Object.keys(seen?.identifiers ?? {}).sort()).toEqual(["device", "ip_prefix"]);
    const text = JSON.stringify(seen);
    expect(text).not.toContain("device-7f3a");
    expect(text).not.toContain("203.0.113");
  });

  test("identifiers in D1 are keyed hashes that do not reveal the value", async () => {
    const userId = uniqueUser("risk-hash");
    await sendEvents({
      id: eventId("signup"),
      type: "user.signed_up",
      userId,
      occurredAt: new Date().toISOString(),
      data: {
        email: "A.Sha+promo@GoogleMail.com",
        phone: "+919812345678",
        deviceId: "device-hash-test",
        ipAddress: "198.51.100.23",
        paymentInstrumentHash: "card-fingerprint-0042",
      },
    });
    const rows = await eventually(async () => {
      const found = await identifierRows(userId);
      return found.length === 5 ? found : null;
    });
    expect(rows.map((r) => r.kind)).toEqual([
      "device",
      "email",
      "ip_prefix",
      "payment_instrument",
      "phone",
    ]);
    for (const row of rows) {
      expect(row.hash).toMatch(/^v1\.[A-Za-z0-9_-]{43}$/);
      for (const raw of [
        "asha",
        "googlemail",
        "gmail",
        "9812345678",
        "device-hash-test",
        "198.51.100",
        "card-fingerprint",
      ]) {
        expect(row.hash.toLowerCase()).not.toContain(raw);
      }
    }
  });

  test("a user sharing a device with another learns it in the observation's facts", async () => {
    const first = uniqueUser("risk-share-a");
    const second = uniqueUser("risk-share-b");
    const device = `shared-device-${first}`;
    await sendEvents(login(first, eventId("login"), { deviceId: device }));
    await eventually(async () => (await identifierRows(first)).length === 1);
    await sendEvents(login(second, eventId("login"), { deviceId: device }));
    const [seen] = await eventually(async () => {
      const found = await observationsOf(second);
      return found.length > 0 ? found : null;
    });
    expect(seen?.facts["signal.usersSharingDevice"]).toBe(1);
  });
});
