import { describe, expect, test } from "vitest";
import { TEST_KEYS, withKey } from "./access-keys";
import { eventId, purchase, sendEvents } from "./events-client";
import { ADMIN_HEADERS, api, eventually, uniqueUser } from "./helpers";

/**
 * What an operator sees of a user's events and contact details through the admin API: the
 * sign-up registers the user with their name (through the projection queue), events page by
 * cursor, contact details are masked, and a reveal needs support or admin and a reason, which
 * the audit log shows without the details themselves.
 */

async function signUp(user: string) {
  const response = await sendEvents({
    id: eventId("signup"),
    type: "user.signed_up",
    userId: user,
    occurredAt: "2026-10-01T09:00:00Z",
    data: { displayName: "Meera Iyer", email: "meera.iyer@example.com", phone: "+447700900123" },
  });
  expect(response.status).toBe(202);
  // The users table learns of the user from the wallet's projection (a queue).
  await eventually(
    async () => (await api(`/admin/v1/users/${user}`, { headers: ADMIN_HEADERS })).ok,
  );
}

describe("a user's events and contact details, for operators", () => {
  test("the sign-up names the user; events page newest first", async () => {
    const user = uniqueUser("ev-admin");
    await signUp(user);
    const profile = (await (
      await api(`/admin/v1/users/${user}`, { headers: ADMIN_HEADERS })
    ).json()) as {
      displayName: string;
    };
    expect(profile.displayName).toBe("Meera Iyer");
    const ids = [eventId("p"), eventId("p")];
    await sendEvents({
      events: [
        { ...purchase(user, ids[0] as string), occurredAt: "2026-11-01T10:00:00Z" },
        { ...purchase(user, ids[1] as string), occurredAt: "2026-11-02T10:00:00Z" },
      ],
    });
    const first = (await (
      await api(`/admin/v1/users/${user}/events?limit=2`, { headers: ADMIN_HEADERS })
    ).json()) as { items: { eventId: string; status: string; data: object }[]; nextCursor: string };
    expect(first.items.map((e) => e.eventId)).toEqual([ids[1], ids[0]]);
    expect(first.items.every((e) => e.status === "processed")).toBe(true);
    const second = (await (
      await api(`/admin/v1/users/${user}/events?limit=2&cursor=${first.nextCursor}`, {
        headers: ADMIN_HEADERS,
      })
    ).json()) as { items: { type: string; data: object }[]; nextCursor: string | null };
    expect(second.items.map((e) => e.type)).toEqual(["user.signed_up"]);
    expect(second.items[0]?.data).toEqual({ displayName: "Meera Iyer" });
    expect(second.nextCursor).toBeNull();
  });

  test("contact details are masked; a reveal needs a reason and support, and is audited", async () => {
    const user = uniqueUser("ev-reveal");
    await signUp(user);
    const masked = await api(`/admin/v1/users/${user}/contact`, withKey(TEST_KEYS.viewer));
    expect(masked.status).toBe(200);
    const maskedBody = await masked.text();
    expect(maskedBody).not.toContain("meera.iyer");
    expect(JSON.parse(maskedBody)).toMatchObject({
      masked: { email: "m•••••••••@example.com", phone: "•••••••••0123" },
      reveals: [],
    });

    const path = `/admin/v1/users/${user}/contact/reveal`;
    const reveal = (key: string, body: unknown) =>
      api(path, withKey(key, { method: "POST", body: JSON.stringify(body) }));
    for (const key of [TEST_KEYS.viewer, TEST_KEYS.finance, TEST_KEYS.catalog]) {
      expect((await reveal(key, { reason: "curious" })).status).toBe(403);
    }
    const noReason = await reveal(TEST_KEYS.support, { reason: " " });
    expect(noReason.status).toBe(400);
    expect(noReason.headers.get("content-type")).toBe("application/problem+json");

    const revealed = await reveal(TEST_KEYS.support, { reason: "ticket 7781: payout query" });
    expect(revealed.status).toBe(200);
    expect(revealed.headers.get("cache-control")).toBe("no-store");
    expect(await revealed.json()).toEqual({
      email: "meera.iyer@example.com",
      phone: "+447700900123",
    });

    const audit = (await (
      await api(`/admin/v1/audit-log?pathPrefix=${encodeURIComponent(path)}`, {
        headers: ADMIN_HEADERS,
      })
    ).json()) as { items: { actor: string; status: number; after: unknown }[] };
    const allowed = audit.items.filter((e) => e.status === 200);
    expect(allowed).toHaveLength(1);
    expect(JSON.stringify(allowed[0])).toContain("ticket 7781: payout query");
    expect(JSON.stringify(audit)).not.toContain("meera.iyer");
    expect(JSON.stringify(audit)).not.toContain("+447700900123");
  });

  test("a user whose backend sent no contact details: 404 on both", async () => {
    const user = uniqueUser("ev-nocontact");
    await sendEvents({
      id: eventId("signup"),
      type: "user.signed_up",
      userId: user,
      occurredAt: "2026-10-01T09:00:00Z",
      data: {},
    });
    await eventually(
      async () => (await api(`/admin/v1/users/${user}`, { headers: ADMIN_HEADERS })).ok,
    );
    expect((await api(`/admin/v1/users/${user}/contact`, { headers: ADMIN_HEADERS })).status).toBe(
      404,
    );
    const reveal = await api(
      `/admin/v1/users/${user}/contact/reveal`,
      withKey(TEST_KEYS.support, { method: "POST", body: JSON.stringify({ reason: "check" }) }),
    );
    expect(reveal.status).toBe(404);
  });
});
