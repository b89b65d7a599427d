import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, test } from "vitest";
import { FRAUD_GROUP, FRAUD_STARTER_RULES } from "#shared/fraud/starter-rules";
import { TEST_KEYS } from "./access-keys";
import { eventId, sendEvents } from "./events-client";
import {
  api,
  clickThrough,
  eventually,
  postbackBody,
  seedCatalog,
  sendPostback,
  uniqueUser,
  walletStub,
} from "./helpers";
import { seasonedDestination } from "./payout-helpers";
import { publishRuleSet } from "./referral-helpers";

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

async function observationsOfKind(userId: string, kind: string, count = 1) {
  return eventually(async () => {
    const found = (await observationsOf(userId)).filter((o) => o.kind === kind);
    return found.length >= count ? found : null;
  });
}

describe("the wallet's and the postback consumer's observations", () => {
  beforeAll(async () => {
    await seedCatalog({
      networkId: "risk-net",
      merchantId: "risk-shop",
      offerId: "risk-shop-offer",
    });
  });

  test("a destination change reaches the risk object once, and two members paid to one account are linked", async () => {
    const first = uniqueUser("risk-dest-a");
    const second = uniqueUser("risk-dest-b");
    const upi = { type: "upi", vpa: `shared.${first}@okaxis`, holderName: "Asha Rao" };
    await seasonedDestination(first, upi);
    await observationsOfKind(first, "destination_changed");
    await eventually(async () => (await identifierRows(first)).length === 1);
    const destinationId = await seasonedDestination(second, { ...upi, vpa: upi.vpa.toUpperCase() });
    const [seen] = await observationsOfKind(second, "destination_changed");
    await settle();
    expect(
      (await observationsOf(second)).filter((o) => o.kind === "destination_changed"),
    ).toHaveLength(1);
    expect(seen).toMatchObject({
      subject_ref: destinationId,
      facts: { "signal.destinationChange": "created", "signal.usersSharingPayment": 1 },
    });
    expect(JSON.stringify(seen)).not.toContain("okaxis");
    const [row] = await identifierRows(second);
    expect(row?.kind).toBe("payment_instrument");
  });

  test("a conversion and a claim reach the risk object once each", async () => {
    // A conversion reaches its object only when a rule could judge it (docs/fraud.md): the
    // stuffing rule can judge a sale seconds after its click.
    await publishRuleSet(
      {
        timeZone: "UTC",
        groups: [FRAUD_GROUP],
        rules: FRAUD_STARTER_RULES.filter((r) => r.id === "fraud-cookie-stuffing"),
      },
      "cookie stuffing only",
    );
    const userId = uniqueUser("risk-conv");
    const { subId } = await clickThrough(userId, "risk-shop-offer");
    const [click] = await observationsOfKind(userId, "click");
    const orderId = `ord-${userId}`;
    const body = postbackBody({ order_id: orderId, sub_id: subId });
    expect((await sendPostback("risk-net", body)).status).toBe(202);
    expect((await sendPostback("risk-net", body)).status).toBe(202);
    const [conversion] = await observationsOfKind(userId, "conversion");
    expect(conversion).toMatchObject({
      observation_id: `conversion:risk-net:${orderId}`,
      facts: { "signal.offerId": "risk-shop-offer", "signal.saleAmountMinor": 100_000 },
    });
    expect(conversion?.subject_ref).toBeTruthy();

    const filed = await walletStub(userId).fileClaim(userId, {
      claimId: `clm-${userId}`,
      clickId: click?.subject_ref as string,
      orderId: `ord-missing-${userId}`,
      amountMinor: 50_000,
      currency: "INR",
      purchasedAtMs: Date.now(),
    });
    expect(filed.status).toBe("created");
    const [claim] = await observationsOfKind(userId, "claim");
    expect(claim).toMatchObject({
      observation_id: `claim:clm-${userId}`,
      facts: { "signal.claimAmountMinor": 50_000 },
    });
    await settle();
    const kinds = (await observationsOf(userId)).map((o) => o.kind).sort();
    expect(kinds).toEqual(["claim", "click", "conversion"]);
  });
});

interface UserRisk {
  userId: string;
  risk: unknown;
  holds: Array<{ holdId: string; kind: string; status: string }>;
  linkedAccounts: {
    accounts: Array<{ userId: string; depth: number }>;
    edges: Array<{ fromUserId: string; toUserId: string; kind: string }>;
    truncated: boolean;
  };
}

async function readRisk(userId: string, key: string = TEST_KEYS.support): Promise<Response> {
  return api(`/admin/v1/risk/users/${userId}`, { headers: { authorization: `Bearer ${key}` } });
}

describe("GET /admin/v1/risk/users/{id}", () => {
  test("shows the linked accounts through shared identifiers, two steps deep, and the holds", async () => {
    const [a, b, c, d] = [1, 2, 3, 4].map(() => uniqueUser("risk-ring"));
    const device = `ring-device-${a}`;
    // a, b and c share a device (a self-referral ring); c and d share a payment instrument.
    await sendEvents({
      events: [
        login(a as string, eventId("ring"), { deviceId: device }),
        login(b as string, eventId("ring"), { deviceId: device }),
        login(c as string, eventId("ring"), { deviceId: device }),
        {
          id: eventId("ring"),
          type: "user.signed_up",
          userId: c,
          occurredAt: new Date().toISOString(),
          data: { paymentInstrumentHash: `ring-card-${a}` },
        },
        {
          id: eventId("ring"),
          type: "user.signed_up",
          userId: d,
          occurredAt: new Date().toISOString(),
          data: { paymentInstrumentHash: `ring-card-${a}` },
        },
      ],
    });
    await eventually(async () => (await identifierRows(d as string)).length === 1);
    await eventually(async () => (await identifierRows(c as string)).length === 2);
    await eventually(async () => (await identifierRows(b as string)).length === 1);

    const response = await readRisk(a as string);
    expect(response.status).toBe(200);
    const body = (await response.json()) as UserRisk;
    expect(body.userId).toBe(a);
    expect(body.holds).toEqual([]);
    const accounts = new Map(body.linkedAccounts.accounts.map((x) => [x.userId, x.depth]));
    expect(Object.fromEntries(accounts)).toEqual({
      [b as string]: 1,
      [c as string]: 1,
      [d as string]: 2,
    });
    expect(body.linkedAccounts.edges).toContainEqual({
      fromUserId: c,
      toUserId: d,
      kind: "payment_instrument",
    });
    expect(body.linkedAccounts.truncated).toBe(false);
    // No identifier, hashed or raw, leaves the API.
    expect(JSON.stringify(body)).not.toContain("v1.");
    expect(JSON.stringify(body)).not.toContain("ring-device");
  });

  test("the graph is bounded: 25 accounts at most, and it says when it stopped", async () => {
    const users = Array.from({ length: 30 }, () => uniqueUser("risk-crowd"));
    const device = `crowd-device-${users[0]}`;
    await sendEvents({
      events: users.map((u) => login(u, eventId("crowd"), { deviceId: device })),
    });
    await eventually(async () => {
      const { results } = await env.DB.prepare(
        `SELECT COUNT(*) AS n FROM risk_identifiers WHERE user_id IN (${users.map(() => "?").join(",")})`,
      )
        .bind(...users)
        .all<{ n: number }>();
      return results[0]?.n === 30;
    });
    const body = (await (await readRisk(users[0] as string)).json()) as UserRisk;
    expect(body.linkedAccounts.accounts).toHaveLength(25);
    expect(body.linkedAccounts.truncated).toBe(true);
  });

  test("a user nobody has seen reads as empty, not as an error", async () => {
    const response = await readRisk(uniqueUser("risk-nobody"), TEST_KEYS.viewer);
    expect(response.status).toBe(200);
    const body = (await response.json()) as UserRisk;
    expect(body.risk).toMatchObject({ score: 0, reasons: [], history: [] });
    expect(body.holds).toEqual([]);
    expect(body.linkedAccounts).toEqual({ accounts: [], edges: [], truncated: false });
  });

  test("a malformed user id is a 400 problem", async () => {
    const response = await readRisk("not a user!");
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
  });
});
