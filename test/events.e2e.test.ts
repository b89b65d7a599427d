import { describe, expect, test } from "vitest";
import { EVENT_KEYS, eventId, purchase, sendEvents, sendEventsRaw } from "./events-client";
import { walletStub } from "./helpers";

/** POST /v1/events through the real events worker and the users' wallet objects. */

async function problemOf(response: Response) {
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  return (await response.json()) as { code: string; detail: string; errors?: { path: string }[] };
}

const userId = (label: string) => `ev-${label}-${Date.now().toString(36)}`;

describe("one event", () => {
  test("is recorded before the 202 and processed by the wallet", async () => {
    const user = userId("one");
    const id = eventId();
    const response = await sendEvents(purchase(user, id));
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ status: "accepted", event_id: id });
    const stored = await walletStub(user).getEvent(id);
    expect(stored).toMatchObject({
      eventId: id,
      type: "purchase.completed",
      keyName: "test-backend",
      occurredAtMs: Date.parse("2026-11-20T10:00:00Z"),
      data: { amountMinor: 120_000, currency: "INR", orderId: `ord-${id}` },
      status: "processed",
      outcome: { result: "processed" },
    });
  });

  test("the same event again is a duplicate, however its JSON is spelled", async () => {
    const user = userId("dup");
    const id = eventId();
    expect((await sendEvents(purchase(user, id))).status).toBe(202);
    const respelled = `{"userId":"${user}","data":{"orderId":"ord-${id}","currency":"INR","amountMinor":120000},"type":"purchase.completed","occurredAt":"2026-11-20T10:00:00+00:00","id":"${id}"}`;
    const again = await sendEventsRaw(respelled);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ status: "duplicate", event_id: id });
    expect(await walletStub(user).getEvents(null, 50)).toHaveLength(1);
  });

  test("the same id with a different body is a 409 and changes nothing", async () => {
    const user = userId("conflict");
    const id = eventId();
    await sendEvents(purchase(user, id, 120_000));
    const response = await sendEvents(purchase(user, id, 99_000));
    expect(response.status).toBe(409);
    const problem = await problemOf(response);
    expect(problem.code).toBe("idempotency_conflict");
    expect(problem.detail).toContain(id);
    const stored = await walletStub(user).getEvent(id);
    expect(stored?.data.amountMinor).toBe(120_000);
  });

  test("sent 20 times at once, it is recorded once", async () => {
    const user = userId("burst");
    const id = eventId();
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => sendEvents(purchase(user, id))),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(19);
    expect(await walletStub(user).getEvents(null, 50)).toHaveLength(1);
  });
});

describe("authentication", () => {
  const body = () => purchase(userId("auth"), eventId());

  test.each([
    { label: "no signature", options: { signature: null }, code: "invalid_signature" },
    { label: "a wrong signature", options: { signature: "t=1,v1=00" }, code: "invalid_signature" },
    {
      label: "a signature ten minutes old",
      options: { timestampSec: Math.floor(Date.now() / 1000) - 600 },
      code: "invalid_signature",
    },
    {
      label: "the right body signed with another key's secret",
      options: { key: { name: "test-backend", secret: EVENT_KEYS.shop.secret } },
      code: "invalid_signature",
    },
    {
      label: "an unknown key name",
      options: { key: { name: "nobody", secret: "x".repeat(40) } },
      code: "unauthorized",
    },
  ])("$label: 401 and nothing recorded", async ({ options, code }) => {
    const event = body();
    const response = await sendEvents(event, options);
    expect(response.status).toBe(401);
    expect((await problemOf(response)).code).toBe(code);
    expect(await walletStub(event.userId).getEvents(null, 10)).toEqual([]);
  });

  test("a key whose secret is rotating accepts the new secret", async () => {
    const response = await sendEvents(body(), { key: EVENT_KEYS.rotatingNew });
    expect(response.status).toBe(202);
  });

  test("a key scoped to purchases may not send a deposit (403, nothing recorded)", async () => {
    const user = userId("scoped");
    const deposit = {
      id: eventId(),
      type: "deposit.completed",
      userId: user,
      occurredAt: "2026-11-20T10:00:00Z",
      data: { amountMinor: 1_000, currency: "INR" },
    };
    const response = await sendEvents(deposit, { key: EVENT_KEYS.shop });
    expect(response.status).toBe(403);
    expect((await problemOf(response)).detail).toContain("deposit.completed");
    expect(await walletStub(user).getEvents(null, 10)).toEqual([]);
    expect((await sendEvents(purchase(user, eventId()), { key: EVENT_KEYS.shop })).status).toBe(
      202,
    );
  });
});

describe("bad input is a 4xx problem and records nothing", () => {
  test.each([
    {
      label: "a negative amount",
      event: { data: { amountMinor: -5, currency: "INR", orderId: "o" } },
      path: "data.amountMinor",
    },
    {
      label: "a fractional amount",
      event: { data: { amountMinor: 10.5, currency: "INR", orderId: "o" } },
      path: "data.amountMinor",
    },
    {
      label: "an unknown field in data",
      event: { data: { amountMinor: 5, currency: "INR", orderId: "o", coupon: "X" } },
      path: "data",
    },
    {
      label: "a time without a zone",
      event: { occurredAt: "2026-11-20T10:00:00" },
      path: "occurredAt",
    },
    { label: "an unknown type", event: { type: "purchase.done" }, path: "type" },
    { label: "an unregistered custom type", event: { type: "custom.quiz_won" }, path: "type" },
    { label: "a user id with a space", event: { userId: "a b" }, path: "userId" },
    { label: "an event id with a slash", event: { id: "a/b" }, path: "id" },
  ])("$label → 400 naming $path", async ({ event, path }) => {
    const base = purchase(userId("bad"), eventId());
    const response = await sendEvents({ ...base, ...event });
    expect(response.status).toBe(400);
    const problem = await problemOf(response);
    expect(problem.code).toBe("validation_failed");
    expect(problem.errors?.map((e) => e.path)).toContain(path);
    expect(await walletStub(base.userId).getEvents(null, 10)).toEqual([]);
  });

  test.each([
    { label: "not JSON", body: "{nope", status: 400 },
    { label: "a JSON array", body: "[1,2]", status: 400 },
    { label: "an empty batch", body: '{"events":[]}', status: 400 },
    {
      label: "101 events",
      body: JSON.stringify({ events: Array.from({ length: 101 }, () => ({})) }),
      status: 400,
    },
    { label: "a body over 256 KiB", body: `{"pad":"${"x".repeat(300_000)}"}`, status: 413 },
  ])("$label → $status", async ({ body, status }) => {
    const response = await sendEventsRaw(body);
    expect(response.status).toBe(status);
    await problemOf(response);
  });

  test("a form-encoded body → 415", async () => {
    const response = await sendEventsRaw("a=1", {
      contentType: "application/x-www-form-urlencoded",
    });
    expect(response.status).toBe(415);
    await problemOf(response);
  });
});

describe("the batch form", () => {
  test("events of several users, answered in the order sent", async () => {
    const [a, b] = [userId("batch-a"), userId("batch-b")];
    const ids = [eventId(), eventId(), eventId()];
    const response = await sendEvents({
      events: [
        purchase(a, ids[0] as string),
        purchase(b, ids[1] as string),
        purchase(a, ids[2] as string),
      ],
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({
      results: ids.map((id) => ({ eventId: id, status: "accepted" })),
    });
    expect(await walletStub(a).getEvents(null, 10)).toHaveLength(2);
    expect(await walletStub(b).getEvents(null, 10)).toHaveLength(1);
  });

  test("one bad event refuses the whole batch, naming it", async () => {
    const user = userId("batch-bad");
    const response = await sendEvents({
      events: [purchase(user, eventId()), { ...purchase(user, eventId()), userId: "" }],
    });
    expect(response.status).toBe(400);
    expect((await problemOf(response)).errors?.map((e) => e.path)).toContain("events.1.userId");
    expect(await walletStub(user).getEvents(null, 10)).toEqual([]);
  });

  test("a conflict inside a batch is reported for that event only (207)", async () => {
    const user = userId("batch-conflict");
    const [used, fresh] = [eventId(), eventId()];
    await sendEvents(purchase(user, used, 500));
    const response = await sendEvents({
      events: [purchase(user, used, 700), purchase(user, fresh), purchase(user, fresh)],
    });
    expect(response.status).toBe(207);
    const { results } = (await response.json()) as {
      results: { eventId: string; status: string; problem?: { code: string } }[];
    };
    expect(results.map((r) => [r.eventId, r.status])).toEqual([
      [used, "conflict"],
      [fresh, "accepted"],
      [fresh, "duplicate"],
    ]);
    expect(results[0]?.problem?.code).toBe("idempotency_conflict");
  });
});

describe("out of order", () => {
  test("a refund that arrives before its purchase waits for it, then both are processed", async () => {
    const user = userId("order");
    const [purchaseId, refundId] = [eventId("p"), eventId("r")];
    const refund = {
      id: refundId,
      type: "refund.completed",
      userId: user,
      occurredAt: "2026-11-25T10:00:00Z",
      data: { originalEventId: purchaseId, amountMinor: 20_000, currency: "INR" },
    };
    expect((await sendEvents(refund)).status).toBe(202);
    expect(await walletStub(user).getEvent(refundId)).toMatchObject({ status: "waiting" });
    expect((await sendEvents(purchase(user, purchaseId))).status).toBe(202);
    expect(await walletStub(user).getEvent(purchaseId)).toMatchObject({ status: "processed" });
    expect(await walletStub(user).getEvent(refundId)).toMatchObject({
      status: "processed",
      outcome: { result: "processed" },
    });
  });
});

describe("personal data from user.signed_up", () => {
  test("e-mail and phone are sealed, shown masked, revealed only on request", async () => {
    const user = userId("contact");
    const id = eventId();
    const response = await sendEvents({
      id,
      type: "user.signed_up",
      userId: user,
      occurredAt: "2026-11-01T08:00:00Z",
      data: { displayName: "Asha", email: "asha.rao@example.com", phone: "+919812345678" },
    });
    expect(response.status).toBe(202);
    const wallet = walletStub(user);
    const stored = await wallet.getEvent(id);
    expect(stored?.data).toEqual({ displayName: "Asha" });
    expect(JSON.stringify(stored)).not.toContain("asha.rao");
    expect((await wallet.getMaskedContact())?.masked).toEqual({
      email: "a•••••••@example.com",
      phone: "•••••••••5678",
    });
    expect(await wallet.revealContact({ revealedBy: "ops", reason: "ticket 42" })).toEqual({
      email: "asha.rao@example.com",
      phone: "+919812345678",
    });
    expect((await wallet.getMaskedContact())?.reveals).toEqual([
      { revealedBy: "ops", reason: "ticket 42", atMs: expect.any(Number) },
    ]);
  });
});
