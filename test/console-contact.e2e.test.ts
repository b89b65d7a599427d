import { beforeAll, describe, expect, test } from "vitest";
import { signedIn } from "./console-client";
import { eventId, sendEvents } from "./events-client";
import { ADMIN_HEADERS, api, eventually, uniqueUser } from "./helpers";

/**
 * The console's user page and a user's contact details through the real workers: a sign-up
 * event carries an e-mail and phone; the page shows them masked, with the user's events; a
 * support operator reveals them with a reason, shown once on that answer; the reveal shows in
 * the audit log with its reason and without the details; a viewer or finance operator has no
 * reveal form and is refused the post.
 */

let user = "";
const EMAIL = "ravi.kumar@example.com";
const PHONE = "+919876543210";

beforeAll(async () => {
  user = uniqueUser("console-contact");
  const sent = await sendEvents({
    id: eventId("signup"),
    type: "user.signed_up",
    userId: user,
    occurredAt: "2026-10-15T08:30:00Z",
    data: { displayName: "Ravi Kumar", email: EMAIL, phone: PHONE },
  });
  expect(sent.status).toBe(202);
  await eventually(
    async () => (await api(`/admin/v1/users/${user}`, { headers: ADMIN_HEADERS })).ok,
  );
});

describe("contact details on the user's page", () => {
  test("masked by default, with the user's events; no reveal form for a viewer", async () => {
    const { client } = await signedIn("viewer");
    const html = await (await client.get(`/console/users/${user}`)).text();
    expect(html).toContain("Contact details (masked)");
    expect(html).toContain("r•••••••••@example.com");
    expect(html).toContain("•••••••••3210");
    expect(html).not.toContain(EMAIL);
    expect(html).not.toContain(PHONE);
    expect(html).toContain("user.signed_up");
    expect(html).not.toContain(`action="/console/users/${user}/contact/reveal"`);
  });

  test("support reveals with a reason; the audit log keeps the reason, not the details", async () => {
    const { client, operator } = await signedIn("support");
    const page = `/console/users/${user}`;
    expect(await (await client.get(page)).text()).toContain(
      `action="/console/users/${user}/contact/reveal"`,
    );
    const revealed = await client.post(
      `${page}/contact/reveal`,
      { reason: "ticket 5120: cashback query" },
      { fromPage: page },
    );
    expect(revealed.status).toBe(200);
    expect(revealed.headers.get("cache-control")).toContain("no-store");
    const html = await revealed.text();
    expect(html).toContain("Contact details (revealed)");
    expect(html).toContain(EMAIL);
    expect(html).toContain(PHONE);
    expect(html).toContain("ticket 5120: cashback query");

    // The next visit is masked again.
    const after = await (await client.get(page)).text();
    expect(after).not.toContain(EMAIL);
    expect(after).toContain("ticket 5120: cashback query");

    const audit = await (
      await client.get(`/console/audit?actor=${encodeURIComponent(operator.email)}`)
    ).text();
    expect(audit).toContain(`/admin/v1/users/${user}/contact/reveal`);
    const entries = (await (
      await api(`/admin/v1/audit-log?actor=${encodeURIComponent(operator.email)}`, {
        headers: ADMIN_HEADERS,
      })
    ).json()) as { items: unknown[] };
    const text = JSON.stringify(entries.items);
    expect(text).toContain("ticket 5120: cashback query");
    expect(text).not.toContain(EMAIL);
    expect(text).not.toContain(PHONE);
  });

  test("a reveal without a reason comes back as a readable message, nothing revealed", async () => {
    const { client } = await signedIn("support");
    const page = `/console/users/${user}`;
    const refused = await client.post(`${page}/contact/reveal`, { reason: "" }, { fromPage: page });
    expect(refused.status).toBe(400);
    const html = await refused.text();
    expect(html).toContain("reason");
    expect(html).not.toContain(EMAIL);
  });

  test("finance may not reveal: 403 and nothing revealed", async () => {
    const { client } = await signedIn("finance");
    const page = `/console/users/${user}`;
    const refused = await client.post(
      `${page}/contact/reveal`,
      { reason: "just looking" },
      { fromPage: page },
    );
    expect(refused.status).toBe(403);
    expect(await refused.text()).not.toContain(EMAIL);
  });
});
