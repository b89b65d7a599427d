import { beforeAll, describe, expect, test } from "vitest";
import { TEST_KEYS, withKey } from "./access-keys";
import { signedIn } from "./console-client";
import { eventId, sendEvents } from "./events-client";
import { ADMIN_HEADERS, api, eventually, mintUserJwt, uniqueUser, walletStub } from "./helpers";

/**
 * A member's points and tier through the real api worker: the member's own reads
 * (`/v1/me/points…`), the operator's (`/admin/v1/users/{id}/points…`, every role) and the
 * console's user page. Points are earned through the wallet's earn method here; events earn
 * them through rules in docs/rules.md.
 */

let user = "";
const DAY_MS = 86_400_000;
const earnedAtMs = Date.parse("2026-11-10T10:00:00Z");

beforeAll(async () => {
  user = uniqueUser("loyalty");
  await sendEvents({
    id: eventId("signup"),
    type: "user.signed_up",
    userId: user,
    occurredAt: "2026-11-01T09:00:00Z",
    data: { displayName: "Points Member" },
  });
  await eventually(
    async () => (await api(`/admin/v1/users/${user}`, { headers: ADMIN_HEADERS })).ok,
  );
  const wallet = walletStub(user);
  for (const [ruleId, points, pendingUntilMs] of [
    ["welcome", 500, null],
    ["purchase-points", 120, Date.now() + 30 * DAY_MS],
  ] as const) {
    const earned = await wallet.earnPoints(user, {
      key: `test:${ruleId}`,
      sourceType: "event",
      sourceId: `evt-${ruleId}`,
      ruleId,
      ruleVersion: 1,
      points,
      pendingUntilMs,
      validity: { period: "12M" },
      nowMs: earnedAtMs,
      earnedAtMs,
      timeZone: "Asia/Kolkata",
    });
    expect(earned.status).toBe("created");
  }
});

async function asMember<T>(path: string): Promise<T> {
  const response = await api(path, {
    headers: { authorization: `Bearer ${await mintUserJwt(user)}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

describe("a member's points", () => {
  test("the member sees active and pending points, the next expiry and their lots", async () => {
    const summary = await asMember<{
      balance: {
        activePoints: number;
        pendingPoints: number;
        nextExpiry: { at: string; points: number } | null;
      };
    }>("/v1/me/points");
    expect(summary.balance).toMatchObject({ activePoints: 500, pendingPoints: 120 });
    // 12 months from 10 Nov 2026 in Kolkata: spendable through 10 Nov 2027, gone at the next local midnight.
    expect(summary.balance.nextExpiry?.points).toBe(500);
    expect(summary.balance.nextExpiry?.at.slice(0, 10)).toBe("2027-11-10");

    const lots = await asMember<{
      items: { ruleId: string; status: string }[];
      nextCursor: string | null;
    }>("/v1/me/points/lots?limit=1");
    expect(lots.items).toHaveLength(1);
    expect(lots.nextCursor).not.toBeNull();
    const rest = await asMember<{ items: { ruleId: string; status: string }[] }>(
      `/v1/me/points/lots?limit=1&cursor=${lots.nextCursor}`,
    );
    expect([...lots.items, ...rest.items].map((l) => [l.ruleId, l.status]).sort()).toEqual([
      ["purchase-points", "pending"],
      ["welcome", "active"],
    ]);

    const history = await asMember<{ items: { bucket: string; points: number }[] }>(
      "/v1/me/points/history",
    );
    expect(history.items.map((h) => [h.bucket, h.points]).sort()).toEqual([
      ["points_active", 500],
      ["points_pending", 120],
    ]);
  });

  test("points never show in the money wallet", async () => {
    const wallet = await asMember<{ balances: unknown[] }>("/v1/me/wallet");
    expect(JSON.stringify(wallet)).not.toContain("points");
  });

  test("every role reads a member's points; an unknown user is a 404", async () => {
    const response = await api(`/admin/v1/users/${user}/points`, withKey(TEST_KEYS.viewer));
    expect(response.status).toBe(200);
    expect(
      ((await response.json()) as { balance: { activePoints: number } }).balance.activePoints,
    ).toBe(500);
    const lots = await api(`/admin/v1/users/${user}/points/lots`, withKey(TEST_KEYS.support));
    expect(((await lots.json()) as { items: unknown[] }).items).toHaveLength(2);
    const tiers = await api(`/admin/v1/users/${user}/tier-history`, withKey(TEST_KEYS.finance));
    expect(await tiers.json()).toEqual({ items: [] });
    const unknown = await api("/admin/v1/users/nobody-here/points", withKey(TEST_KEYS.viewer));
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toBe("application/problem+json");
  });

  test("the console's user page shows the points and the lots", async () => {
    const { client } = await signedIn("viewer");
    const html = await (await client.get(`/console/users/${user}`)).text();
    expect(html).toContain("<h2>Points</h2>");
    expect(html).toContain("Active points");
    expect(html).toContain("welcome v1");
    expect(html).toContain("purchase-points v1");
  });
});
