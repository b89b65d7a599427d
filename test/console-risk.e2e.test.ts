import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { Observation } from "#shared/fraud/risk-contract";
import { TEST_KEYS, withKey } from "./access-keys";
import { type ConsoleClient, signedIn } from "./console-client";
import { ADMIN_HEADERS, api, eventually, seedCatalog, walletStub } from "./helpers";
import { payoutOf, redeemTo, sandbox, userWithDestination, waitForPayout } from "./payout-helpers";
import { publishDeviceRingRule } from "./risk-helpers";

/**
 * The console's risk pages through the real worker: a published fraud rule scores a sign-in
 * on the user's risk object and the wallet holds their payouts (as the risk consumer does);
 * the user's risk page shows the score, reasons, history, the hold and the linked accounts;
 * support reads without deciding; a decision needs a reason (the API's message beside the
 * field) and the CSRF token; finance releases it and the held payout is dispatched.
 */

const RULE_ID = "console-risk-device-ring";

beforeAll(async () => {
  await seedCatalog();
  await sandbox().reset();
  await publishDeviceRingRule(RULE_ID, "console risk test");
});

/**
 * A user with ₹500.00 confirmed whose sign-in from a shared device was scored under the rule
 * and held their payouts (the risk consumer's two calls, made here directly), and a redemption
 * of ₹200.00 waiting on the hold; `linkedTo` users share the device in D1.
 */
async function heldUser(label: string, linkedTo: string[] = []) {
  const { user, destinationId } = await userWithDestination(label, 50_000);
  const observation: Observation = {
    observationId: `login-${user}`,
    userId: user,
    kind: "login",
    atMs: Date.now(),
    facts: { "signal.usersSharingDevice": 2 },
  };
  const risk = env.RISK.get(env.RISK.idFromName(user));
  const assessment = await risk.assess(observation);
  expect(assessment.effects.map((e) => e.kind)).toEqual(["hold_payouts"]);
  const applied = await walletStub(user).applyAssessment(user, observation, assessment);
  const holdId = applied.holds[0]?.holdId as string;
  expect(holdId).toBe(`rule:${RULE_ID}:login-${user}:payouts`);
  const now = Date.now();
  for (const other of [user, ...linkedTo]) {
    await env.DB.prepare(
      `INSERT OR IGNORE INTO risk_identifiers (kind, hash, user_id, first_seen_ms, last_seen_ms)
       VALUES ('device', ?, ?, ?, ?)`,
    )
      .bind(`v1.device-of-${user}`, other, now, now)
      .run();
  }
  const payoutId = await redeemTo(user, destinationId, 20_000);
  expect(await payoutOf(user, payoutId)).toMatchObject({ status: "held", holdReason: "risk" });
  return { user, holdId, payoutId };
}

async function holdOf(user: string, holdId: string) {
  return (await walletStub(user).getRiskHolds()).find((h) => h.holdId === holdId);
}

const riskPage = (user: string) => `/console/risk/users/${encodeURIComponent(user)}`;
const decisionAction = (user: string) => `${riskPage(user)}/holds/decision`;

describe("a user's risk page", () => {
  let finance: ConsoleClient;
  let support: ConsoleClient;
  beforeAll(async () => {
    finance = (await signedIn("finance")).client;
    support = (await signedIn("support")).client;
  });

  it("shows the score, its reasons and history, the hold with a decide form, and the linked accounts", async () => {
    const { user, holdId, payoutId } = await heldUser("risk-page", ["ring-x", "ring-y"]);
    const profile = await api(`/admin/v1/users/${user}`, {
      method: "PUT",
      headers: ADMIN_HEADERS,
      body: JSON.stringify({ displayName: "Risky Rao" }),
    });
    expect(profile.status).toBeLessThan(300);
    const response = await finance.get(riskPage(user));
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain(`Risk of ${user}`);
    expect(html).toMatch(/Score \(0–100\)<\/div><div class="value">60</);
    expect(html).toContain("<code>shared_device</code>");
    expect(html).toContain("A device three accounts sign in from");
    expect(html).toContain("Score history");
    // The hold, the payouts it holds, and a decision form for it.
    expect(html).toContain(`<code>${holdId}</code>`);
    expect(html).toContain("all payouts");
    expect(html).toContain(`action="${decisionAction(user)}"`);
    expect(html).toContain(`name="holdId" value="${holdId}"`);
    expect(html).toContain('name="reason" required');
    // The linked accounts, each a link to its own risk page, and what they share.
    expect(html).toContain(`href="/console/risk/users/ring-x"`);
    expect(html).toContain(`href="/console/risk/users/ring-y"`);
    expect(html).toContain("<td>device</td>");
    // Back to the member page; and the member page links here.
    expect(html).toContain(`href="/console/users/${user}"`);
    const member = await finance.get(`/console/users/${user}`);
    expect(await member.text()).toContain(`href="${riskPage(user)}"`);
    // Nothing was dispatched while held.
    expect(await sandbox().payout(payoutId)).toBeNull();
  });

  it("support reads the page and the nav's Risk entry but sees no decision form, and is refused one", async () => {
    const { user, holdId } = await heldUser("risk-support");
    const page = await support.get(riskPage(user));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`<code>${holdId}</code>`);
    expect(html).toContain('href="/console/risk/holds"');
    expect(html).not.toContain(`action="${decisionAction(user)}"`);
    expect(html).toContain("deciding needs the finance or admin role");

    const refused = await support.post(
      decisionAction(user),
      { holdId, decision: "release", reason: "looks fine" },
      { fromPage: riskPage(user) },
    );
    expect(refused.status).toBe(403);
    expect((await holdOf(user, holdId))?.status).toBe("active");
  });

  it("a decision without its CSRF token is refused and changes nothing", async () => {
    const { user, holdId } = await heldUser("risk-csrf");
    const response = await finance.post(
      decisionAction(user),
      { holdId, decision: "release", reason: "no token" },
      { csrf: "" },
    );
    expect(response.status).toBe(403);
    expect((await holdOf(user, holdId))?.status).toBe("active");
  });

  it("a decision without a reason comes back with the API's message beside the reason field", async () => {
    const { user, holdId } = await heldUser("risk-noreason");
    const response = await finance.post(
      decisionAction(user),
      { holdId, decision: "uphold", reason: "   ", label: "fraud" },
      { fromPage: riskPage(user) },
    );
    expect(response.status).toBe(400);
    const html = await response.text();
    const field = /<textarea id="(decide-[^"]+-reason)"[^>]*aria-invalid="true"/.exec(html);
    expect(field, "the reason field is marked invalid").not.toBeNull();
    expect(html).toContain(`id="${field?.[1]}-error" role="alert"`);
    // The form keeps what was chosen.
    expect(html).toMatch(/<option value="uphold" selected="">Uphold/);
    expect(html).toMatch(/<option value="fraud" selected="">Fraud/);
    expect((await holdOf(user, holdId))?.status).toBe("active");
  });

  it("finance releases the hold with a reason and a label: the payout is dispatched and paid once, and the decision is audited", async () => {
    const { user, holdId, payoutId } = await heldUser("risk-release");
    const response = await finance.post(
      decisionAction(user),
      { holdId, decision: "release", reason: "a family's shared tablet", label: "not_fraud" },
      { fromPage: riskPage(user) },
    );
    expect(response.status).toBe(303);
    const back = response.headers.get("location") ?? "";
    expect(back).toContain(riskPage(user));
    const after = await finance.get(back);
    const html = await after.text();
    expect(html).toContain(`Hold ${holdId} released.`);
    expect(html).toContain("a family&#39;s shared tablet");
    expect(html).toContain("Not fraud");
    expect(html).not.toContain(`name="holdId" value="${holdId}"`);

    expect(await holdOf(user, holdId)).toMatchObject({
      status: "released",
      endedHow: "operator",
      decisionNote: "a family's shared tablet",
      label: "not_fraud",
    });
    const paid = await waitForPayout(user, payoutId, "paid");
    expect(paid.attempts).toBe(1);

    const audit = await api(
      `/admin/v1/audit-log?pathPrefix=/admin/v1/risk/holds/${user}`,
      withKey(TEST_KEYS.reader),
    );
    const { items } = (await audit.json()) as {
      items: Array<{ status: number; method: string; actor: string }>;
    };
    expect(items.some((i) => i.method === "POST" && i.status === 200)).toBe(true);
  });

  it("an unknown user's page shows no score change, no hold and no linked account", async () => {
    const response = await finance.get(riskPage("nobody-here"));
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("No risk hold was ever placed on this user.");
    expect(html).toContain("No other account shares an identifier with this user.");
  });
});

/** Waits until the queue (as the admin API lists it) has the user's hold in `status`. */
async function queued(user: string, holdId: string, status = "active") {
  await eventually(async () => {
    const response = await api(
      `/admin/v1/risk/holds?userId=${user}&status=${status}`,
      withKey(TEST_KEYS.support),
    );
    const { holds } = (await response.json()) as { holds: Array<{ holdId: string }> };
    return holds.some((h) => h.holdId === holdId);
  });
}

const QUEUE = "/console/risk/holds";
const BULK = `${QUEUE}/decisions`;

describe("the risk review queue", () => {
  let finance: ConsoleClient;
  let support: ConsoleClient;
  beforeAll(async () => {
    finance = (await signedIn("finance")).client;
    support = (await signedIn("support")).client;
  });

  it("lists real holds with their reasons and filters them; support sees no checkbox and no decision form", async () => {
    const { user, holdId } = await heldUser("queue-list");
    await queued(user, holdId);

    const page = await finance.get(`${QUEUE}?userId=${user}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`href="/console/risk/users/${user}"`);
    expect(html).toContain(`name="hold" value="${user}/${holdId}"`);
    expect(html).toContain("<code>shared_device</code>");
    expect(html).toContain("all payouts");
    expect(html).toContain("Decide the selected holds");

    // Each filter reaches the API: matching ones keep the row, others drop it.
    for (const query of ["kind=payouts", "source=rule", "reason=shared_device"]) {
      const kept = await (await finance.get(`${QUEUE}?userId=${user}&${query}`)).text();
      expect(kept, query).toContain(`<code>${holdId}</code>`);
    }
    const today = new Date().toISOString().slice(0, 10);
    const inRange = await (
      await finance.get(`${QUEUE}?userId=${user}&from=${today}&to=${today}`)
    ).text();
    expect(inRange).toContain(`<code>${holdId}</code>`);
    for (const query of [
      "kind=transaction",
      "source=bot_click",
      "reason=click_flood",
      "status=released",
      "from=2020-01-01&to=2020-01-02",
    ]) {
      const dropped = await (await finance.get(`${QUEUE}?userId=${user}&${query}`)).text();
      expect(dropped, query).not.toContain(`<code>${holdId}</code>`);
    }
    // A filter the API refuses is shown as its problem.
    const bad = await finance.get(`${QUEUE}?userId=${encodeURIComponent("not a user!")}`);
    expect(bad.status).toBe(400);

    const read = await (await support.get(`${QUEUE}?userId=${user}`)).text();
    expect(read).toContain(`<code>${holdId}</code>`);
    expect(read).not.toContain('name="hold"');
    expect(read).not.toContain("Decide the selected holds");
    expect(read).toContain("deciding needs the finance or admin role");
    const refused = await support.post(
      BULK,
      [
        ["hold", `${user}/${holdId}`],
        ["decision", "release"],
        ["reason", "support tries"],
      ],
      { fromPage: QUEUE },
    );
    expect(refused.status).toBe(403);
    expect((await holdOf(user, holdId))?.status).toBe("active");
  });

  it("a bulk decision without a reason comes back with the error beside the field and the holds still ticked; without CSRF it is refused", async () => {
    const { user, holdId } = await heldUser("queue-noreason");
    await queued(user, holdId);
    const fields: Array<[string, string]> = [
      ["hold", `${user}/${holdId}`],
      ["decision", "uphold"],
      ["label", "fraud"],
      ["reason", ""],
    ];
    const noCsrf = await finance.post(`${BULK}?userId=${user}`, fields, { csrf: "" });
    expect(noCsrf.status).toBe(403);

    const response = await finance.post(`${BULK}?userId=${user}`, fields, { fromPage: QUEUE });
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toMatch(/<textarea id="bulk-reason"[^>]*aria-invalid="true"/);
    expect(html).toContain('id="bulk-reason-error" role="alert"');
    expect(html).toMatch(new RegExp(`value="${user}/${holdId.replace(/[.]/g, "\\.")}" checked`));
    expect(html).toMatch(/<option value="uphold" selected="">Uphold/);
    expect((await holdOf(user, holdId))?.status).toBe("active");
  });

  it("finance releases ticked holds at once: each row's outcome is shown, a hold already decided says so, the payouts are paid once", async () => {
    const a = await heldUser("queue-bulk-a");
    const b = await heldUser("queue-bulk-b");
    await queued(a.user, a.holdId);
    await queued(b.user, b.holdId);
    // b was decided on its own page already, the same way.
    await finance.post(
      decisionAction(b.user),
      { holdId: b.holdId, decision: "release", reason: "seen on the user page" },
      { fromPage: riskPage(b.user) },
    );

    const response = await finance.post(
      `${BULK}?status=active`,
      [
        ["hold", `${a.user}/${a.holdId}`],
        ["hold", `${b.user}/${b.holdId}`],
        ["decision", "release"],
        ["label", "not_fraud"],
        ["reason", "two accounts of one family"],
      ],
      { fromPage: QUEUE },
    );
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("1 of 2 holds decided.");
    const outcomeOf = (holdId: string) =>
      new RegExp(
        `<code>${holdId.replace(/[.]/g, "\\.")}</code></td><td><span class="badge[^"]*">([^<]+)<`,
      ).exec(html)?.[1];
    expect(outcomeOf(a.holdId)).toBe("decided");
    expect(outcomeOf(b.holdId)).toBe("already decided this way");

    expect(await holdOf(a.user, a.holdId)).toMatchObject({
      status: "released",
      decisionNote: "two accounts of one family",
      label: "not_fraud",
    });
    for (const { user, payoutId } of [a, b]) {
      expect((await waitForPayout(user, payoutId, "paid")).attempts).toBe(1);
    }
    // The row follows in the queue: released, with who decided and why.
    await queued(a.user, a.holdId, "released");
    const ended = await (await finance.get(`${QUEUE}?status=released&userId=${a.user}`)).text();
    expect(ended).toContain("two accounts of one family");
    expect(ended).toContain("Not fraud");
  });
});
