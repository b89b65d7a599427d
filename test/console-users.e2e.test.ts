import { beforeAll, describe, expect, test } from "vitest";
import { signedIn } from "./console-client";
import {
  ADMIN_HEADERS,
  api,
  clickThrough,
  d1Transaction,
  eventually,
  mintUserJwt,
  postbackBody,
  seedCatalog,
  sendPostback,
  uniqueUser,
} from "./helpers";

/**
 * The console's Users page through the real worker: a user with real activity (a click, two
 * postbacks, a payout destination) shows their wallet, ledger with balance-after, transactions,
 * clicks and masked destination, formatted from minor units; KYC changes are the API's, so a
 * role that may not write users is refused and nothing changes.
 */

const NETWORK = "cu-net";
const OFFER = "cu-offer";
const ACCOUNT_NUMBER = "123456789012";
let user = "";

async function kycOf(userId: string): Promise<string> {
  const response = await api(`/admin/v1/users/${userId}/kyc`, { headers: ADMIN_HEADERS });
  return ((await response.json()) as { status: string }).status;
}

beforeAll(async () => {
  await seedCatalog({ networkId: NETWORK, merchantId: "cu-shop", offerId: OFFER });
  user = uniqueUser("console-users");
  const { subId } = await clickThrough(user, OFFER);
  // 5% of ₹1,000.00 and of ₹400.00: ₹50.00 then ₹20.00 pending, balance after ₹50.00 then ₹70.00.
  for (const [orderId, sale] of [
    ["CU-1", 100_000],
    ["CU-2", 40_000],
  ] as const) {
    const sent = await sendPostback(
      NETWORK,
      postbackBody({ order_id: orderId, sub_id: subId, sale_amount_minor: sale }),
    );
    expect(sent.status).toBeLessThan(300);
    await eventually(() => d1Transaction(NETWORK, orderId));
  }
  const destination = await api("/v1/me/payout-destinations", {
    method: "POST",
    headers: {
      authorization: `Bearer ${await mintUserJwt(user)}`,
      "content-type": "application/json",
      "idempotency-key": "console-users-bank",
    },
    body: JSON.stringify({
      type: "bank",
      accountNumber: ACCOUNT_NUMBER,
      ifsc: "HDFC0001234",
      holderName: "Asha Rao",
      label: "Salary account",
    }),
  });
  expect(destination.status).toBe(201);
  await eventually(async () => {
    const r = await api(`/admin/v1/users/${user}`, { headers: ADMIN_HEADERS });
    return r.status === 200;
  });
});

describe("the users page", () => {
  test("find by id goes to the user's page", async () => {
    const { client } = await signedIn("viewer");
    const found = await client.get(`/console/users?id=${encodeURIComponent(user)}`);
    expect(found.status).toBe(303);
    expect(found.headers.get("location")).toBe(`/console/users/${user}`);
    const empty = await client.get("/console/users");
    expect(empty.status).toBe(200);
    const html = await empty.text();
    expect(html).toContain('<label for="f-user-id">User id</label>');
    expect(html).toContain("revealed only with a recorded reason");
  });

  test("a user's wallet and ledger show formatted amounts with the balance after each entry", async () => {
    const { client } = await signedIn("support");
    const response = await client.get(`/console/users/${user}`);
    expect(response.status).toBe(200);
    const html = await response.text();
    // Wallet: the pending bucket holds ₹70.00.
    expect(html).toMatch(/pending \(INR\)<\/div><div class="value"><span class="money">₹70\.00</);
    // Ledger: newest first, ₹20.00 with ₹70.00 after it, then ₹50.00 with ₹50.00 after it.
    const ledger = html.slice(
      html.indexOf("<h2>Ledger</h2>"),
      html.indexOf("<h2>Transactions</h2>"),
    );
    expect(ledger).toContain("Balance after");
    const newest = ledger.indexOf("₹20.00");
    const older = ledger.indexOf("₹50.00");
    expect(newest).toBeGreaterThan(0);
    expect(older).toBeGreaterThan(newest);
    expect(ledger.slice(newest, older)).toContain("₹70.00");
    // Transactions, each linking to its history; the click.
    expect(html).toContain("CU-1");
    expect(html).toContain("CU-2");
    expect(html).toMatch(/href="\/console\/transactions\/[^"]+">CU-1</);
    expect(html).toContain(OFFER);
  });

  test("destinations are shown masked, never in full", async () => {
    const { client } = await signedIn("admin");
    const html = await (await client.get(`/console/users/${user}`)).text();
    expect(html).toContain("Salary account");
    expect(html).toContain("9012");
    expect(html).not.toContain(ACCOUNT_NUMBER);
    expect(html).not.toContain("HDFC0001234");
    expect(html).not.toContain("Asha Rao");
    const api_ = await api(`/admin/v1/users/${user}/destinations`, { headers: ADMIN_HEADERS });
    expect(await api_.text()).not.toContain(ACCOUNT_NUMBER);
  });

  test("an unknown user is a readable 404", async () => {
    const { client } = await signedIn("viewer");
    const response = await client.get("/console/users/nobody-at-all");
    expect(response.status).toBe(404);
    expect(await response.text()).toContain("no such user");
  });

  test("the ledger and transactions page by cursor through the admin API", async () => {
    const first = await api(`/admin/v1/users/${user}/ledger?limit=1`, { headers: ADMIN_HEADERS });
    const page1 = (await first.json()) as {
      items: { balanceAfterMinor: number }[];
      nextCursor: string;
    };
    expect(page1.items.map((e) => e.balanceAfterMinor)).toEqual([7_000]);
    const second = await api(
      `/admin/v1/users/${user}/ledger?limit=1&cursor=${encodeURIComponent(page1.nextCursor)}`,
      { headers: ADMIN_HEADERS },
    );
    const page2 = (await second.json()) as {
      items: { balanceAfterMinor: number }[];
      nextCursor: string | null;
    };
    expect(page2.items.map((e) => e.balanceAfterMinor)).toEqual([5_000]);
    expect(page2.nextCursor).toBeNull();
    const txns = await api(`/admin/v1/users/${user}/transactions?limit=1`, {
      headers: ADMIN_HEADERS,
    });
    expect(((await txns.json()) as { nextCursor: string | null }).nextCursor).not.toBeNull();
    const { client } = await signedIn("viewer");
    const full = await client.get(`/console/users/${user}/ledger`);
    expect(full.status).toBe(200);
    expect(await full.text()).toContain("₹70.00");
  });
});

describe("KYC from the user's page", () => {
  test("support sets it; the change is in the audit log with who made it", async () => {
    const { client, operator } = await signedIn("support");
    const page = await (await client.get(`/console/users/${user}`)).text();
    expect(page).toContain("Set KYC status");
    const response = await client.post(
      `/console/users/${user}/kyc`,
      { status: "verified" },
      { fromPage: `/console/users/${user}` },
    );
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toContain(`/console/users/${user}?notice=`);
    expect(await kycOf(user)).toBe("verified");
    const audit = await api(`/admin/v1/audit-log?limit=50`, { headers: ADMIN_HEADERS });
    const entries = ((await audit.json()) as { items: { actor: string; path: string }[] }).items;
    expect(entries.some((e) => e.path === `/admin/v1/users/${user}/kyc`)).toBe(true);
    expect(
      entries.some(
        (e) => e.path === `/admin/v1/users/${user}/kyc` && e.actor.includes(operator.email),
      ),
    ).toBe(true);
  });

  test.each(["viewer", "catalog"] as const)(
    "%s does not see the form and is refused the change (403, nothing changed)",
    async (role) => {
      const before = await kycOf(user);
      const { client } = await signedIn(role);
      const page = await (await client.get(`/console/users/${user}`)).text();
      expect(page).not.toContain("Set KYC status");
      const response = await client.post(
        `/console/users/${user}/kyc`,
        { status: before === "rejected" ? "pending" : "rejected" },
        { fromPage: `/console/users/${user}` },
      );
      expect(response.status).toBe(403);
      expect(await response.text()).toContain('role="alert"');
      expect(await kycOf(user)).toBe(before);
    },
  );

  test("support records a login; a viewer is refused it", async () => {
    const { client } = await signedIn("support");
    const done = await client.post(
      `/console/users/${user}/logins`,
      { deviceId: "device-console-1" },
      { fromPage: `/console/users/${user}` },
    );
    expect(done.status).toBe(303);
    const viewer = (await signedIn("viewer")).client;
    expect(await (await viewer.get(`/console/users/${user}`)).text()).not.toContain("Report login");
    const refused = await viewer.post(
      `/console/users/${user}/logins`,
      { deviceId: "device-console-2" },
      { fromPage: `/console/users/${user}` },
    );
    expect(refused.status).toBe(403);
    const audit = await api(`/admin/v1/audit-log?limit=100`, { headers: ADMIN_HEADERS });
    const entries = ((await audit.json()) as { items: { path: string; status: number }[] }).items;
    const logins = entries.filter((e) => e.path === `/admin/v1/users/${user}/logins`);
    expect(logins.map((e) => e.status).sort()).toEqual([204, 403]);
  });

  test("a bad status comes back as a readable message", async () => {
    const before = await kycOf(user);
    const { client } = await signedIn("finance");
    const response = await client.post(
      `/console/users/${user}/kyc`,
      { status: "bogus" },
      { fromPage: `/console/users/${user}` },
    );
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain('role="alert"');
    expect(html).toContain("<code>status</code>");
    expect(await kycOf(user)).toBe(before);
  });
});

describe("segments and tier history on the user's page", () => {
  test("catalog saves a member's segments; a viewer sees them without the form and is refused", async () => {
    const { client } = await signedIn("catalog");
    const page = await (await client.get(`/console/users/${user}`)).text();
    expect(page).toContain("Tier history");
    expect(page).toContain("Save segments");
    const saved = await client.post(
      `/console/users/${user}/segments`,
      { segments: "vip, students vip" },
      { fromPage: `/console/users/${user}` },
    );
    expect(saved.status).toBe(303);
    const stored = await api(`/admin/v1/users/${user}/segments`, { headers: ADMIN_HEADERS });
    expect(await stored.json()).toEqual({ segments: ["students", "vip"] });

    const bad = await client.post(
      `/console/users/${user}/segments`,
      { segments: "Not A Slug!" },
      { fromPage: `/console/users/${user}` },
    );
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('role="alert"');

    const viewer = (await signedIn("viewer")).client;
    const seen = await (await viewer.get(`/console/users/${user}`)).text();
    expect(seen).toContain("<code>vip </code>");
    expect(seen).not.toContain("Save segments");
    const refused = await viewer.post(
      `/console/users/${user}/segments`,
      { segments: "" },
      { fromPage: `/console/users/${user}` },
    );
    expect(refused.status).toBe(403);
    const after = await api(`/admin/v1/users/${user}/segments`, { headers: ADMIN_HEADERS });
    expect(await after.json()).toEqual({ segments: ["students", "vip"] });
  });
});
