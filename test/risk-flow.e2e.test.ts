import { env } from "cloudflare:workers";
import { beforeAll, expect, test } from "vitest";
import { TEST_KEYS, withKey } from "./access-keys";
import { eventId, sendEvents } from "./events-client";
import { api, eventually, uniqueUser, walletStub } from "./helpers";
import { publishDeviceRingRule } from "./risk-helpers";

/**
 * One fraud rule end to end (docs/fraud.md): an operator publishes it through the rules API;
 * sign-ins sent to the events worker become observations on the real `boomerang-risk` queue;
 * its consumer links the device in D1 and tells the third account it shares the device with
 * two others; the account's risk object scores it under the rule and the wallet holds its
 * payouts; the admin read shows the score, the hold and the linked accounts; support may not
 * decide, finance releases it with a reason and a label, once.
 */

beforeAll(async () => {
  await publishDeviceRingRule("fraud-device-ring", "fraud flow test");
});

const login = (userId: string, deviceId: string) => ({
  id: eventId("login"),
  type: "user.logged_in",
  userId,
  occurredAt: new Date().toISOString(),
  data: { deviceId, ipAddress: "198.51.100.23" },
});

interface UserRisk {
  risk: { score: number; reasons: Array<{ code: string }> } | null;
  holds: Array<{ holdId: string; kind: string; status: string; reasons: Array<{ code: string }> }>;
  linkedAccounts: { accounts: Array<{ userId: string; depth: number }> };
}

async function userRisk(userId: string, key = TEST_KEYS.support): Promise<UserRisk> {
  const response = await api(`/admin/v1/risk/users/${userId}`, withKey(key));
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as UserRisk;
}

test("a device ring's third account has its payouts held, shown, and released by finance once", async () => {
  const device = `ring-device-${uniqueUser("d")}`;
  const ring = [uniqueUser("ring-a"), uniqueUser("ring-b"), uniqueUser("ring-c")];
  // One at a time: each sign-in is linked in D1 before the next is counted against it.
  for (const userId of ring) {
    expect((await sendEvents(login(userId, device))).status).toBe(202);
    await eventually(async () =>
      env.DB.prepare(
        `SELECT 1 AS linked FROM risk_identifiers WHERE user_id = ? AND kind = 'device'`,
      )
        .bind(userId)
        .first(),
    );
  }
  const third = ring[2] as string;

  const held = await eventually(async () => {
    const view = await userRisk(third);
    return view.holds.find((h) => h.kind === "payouts" && h.status === "active") ? view : null;
  });
  const hold = held.holds.find((h) => h.kind === "payouts") as UserRisk["holds"][number];
  expect(hold.reasons.map((r) => r.code)).toEqual(["shared_device"]);
  expect(held.risk?.score).toBe(60);
  expect(held.risk?.reasons.map((r) => r.code)).toEqual(["shared_device"]);
  expect(held.linkedAccounts.accounts.map((a) => a.userId).sort()).toEqual(
    [ring[0], ring[1]].sort(),
  );
  // The first account shared its device with nobody when it signed in: nothing held.
  expect((await walletStub(ring[0] as string).getRiskHolds()).length).toBe(0);

  const decide = (key: string, body: unknown) =>
    api(
      `/admin/v1/risk/holds/${third}/${encodeURIComponent(hold.holdId)}/decision`,
      withKey(key, { method: "POST", body: JSON.stringify(body) }),
    );
  const release = { decision: "release", reason: "one family's tablet", label: "not_fraud" };
  expect((await decide(TEST_KEYS.support, release)).status).toBe(403);
  expect((await decide(TEST_KEYS.finance, { decision: "release" })).status).toBe(400);
  expect((await decide(TEST_KEYS.finance, release)).status).toBe(200);
  expect((await decide(TEST_KEYS.finance, release)).status).toBe(200);

  const [after] = await walletStub(third).getRiskHolds();
  expect(after).toMatchObject({
    holdId: hold.holdId,
    status: "released",
    endedHow: "operator",
    decidedBy: "test-finance",
    decisionNote: "one family's tablet",
    label: "not_fraud",
  });
});
