import {
  createExecutionContext,
  createScheduledController,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { toHex } from "#shared/crypto/encoding";
import { hmacSha256 } from "#shared/crypto/hmac";
import { runAlerts } from "#workers/api/src/features/alerts/index";
import apiWorker, { CRONS } from "#workers/api/src/index";
import { ADMIN_HEADERS, adminPut, api } from "./helpers";

/**
 * Operator alerts end to end: conditions seeded in D1 as the features that own those tables
 * would leave them, the ten-minute cron run through the api worker's scheduled handler (its
 * scheduled time standing in for the clock), and the alerts read back through the admin API.
 */

const T0 = Date.parse("2026-12-07T12:00:00Z");
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const PRIMARY = { name: "On call", email: "oncall@example.test", webhookUrl: null };
const SECONDARY = { name: "Head of ops", email: "head@example.test", webhookUrl: null };

const TABLES = [
  "operator_alerts",
  "operator_alert_deliveries",
  "operator_alert_settings",
  "notification_outbox",
  "payouts",
  "network_health",
  "risk_observation_outbox",
  "notification_dead_letters",
  "operator_alert_backlogs",
  "reconciliation_runs",
  "reconciliation_items",
  "payout_recon_runs",
  "payout_discrepancies",
  "received_postbacks",
  "transactions",
];

async function reset() {
  await env.DB.batch(TABLES.map((t) => env.DB.prepare(`DELETE FROM ${t}`)));
}

async function runCronAt(scheduledTime: number) {
  const ctx = createExecutionContext();
  await apiWorker.scheduled(
    createScheduledController({ cron: CRONS.confirmationBackstop, scheduledTime }),
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
}

interface AlertView {
  id: string;
  rule: string;
  subject: string;
  state: string;
  occurrences: number;
  resolvedBy: string | null;
  acknowledgedBy: string | null;
  deliveries: Array<{ stage: string; channel: string; status: string }>;
}

async function alerts(state?: string): Promise<AlertView[]> {
  const response = await api(`/admin/v1/alerts?limit=100${state ? `&state=${state}` : ""}`, {
    headers: ADMIN_HEADERS,
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: AlertView[] }).items;
}

const keysOf = (list: AlertView[]) => list.map((a) => `${a.rule}:${a.subject}`).sort();

async function outboxAlertMails(): Promise<Array<{ id: string; body: { to: string } }>> {
  const { results } = await env.DB.prepare(
    "SELECT id, body FROM notification_outbox WHERE kind = 'operator_alert' ORDER BY id",
  ).all<{ id: string; body: string }>();
  return results.map((r) => ({ id: r.id, body: JSON.parse(r.body) }));
}

async function configure(extra: Record<string, unknown> = {}) {
  const response = await adminPut("/admin/v1/alert-settings", {
    primary: PRIMARY,
    secondary: SECONDARY,
    escalateAfterMinutes: 30,
    ...extra,
  });
  expect(response.status, await response.clone().text()).toBe(200);
}

/** One seeded condition per rule, each as its owning feature leaves it in D1. */
async function seedEveryCondition(nowMs: number) {
  const s: D1PreparedStatement[] = [];
  const p = (sql: string, ...args: unknown[]) => s.push(env.DB.prepare(sql).bind(...args));
  // A payout whose retries are exhausted two hours ago; one a processor contradicted.
  p(
    "INSERT INTO payouts (id, user_id, status, created_at_ms, updated_at_ms) VALUES (?, ?, 'stuck', ?, ?)",
    "pay_stuck",
    "u1",
    nowMs - 3 * HOUR,
    nowMs - 2 * HOUR,
  );
  p(
    "INSERT INTO payouts (id, user_id, status, attention, created_at_ms, updated_at_ms) VALUES (?, ?, 'paid', 'processor says failed', ?, ?)",
    "pay_attention",
    "u2",
    nowMs - DAY,
    nowMs - HOUR,
  );
  // An open merchant-sync breaker.
  p(
    "INSERT INTO network_health (network_id, state, consecutive_failures, opened_at_ms, updated_at_ms) VALUES ('net-broken', 'open', 3, ?, ?)",
    nowMs - HOUR,
    nowMs - HOUR,
  );
  // A risk observation kept 90 minutes ago and never re-sent.
  p(
    "INSERT INTO risk_observation_outbox (observation_id, observation_json, kept_at_ms) VALUES ('obs-1', '{}', ?)",
    nowMs - 90 * MIN,
  );
  // The latest report reconciliation of net-recon left one unexplained item.
  p(
    "INSERT INTO reconciliation_runs (id, network_id, from_ms, to_ms, status, counts, started_at_ms, finished_at_ms) VALUES ('rr1', 'net-recon', ?, ?, 'completed', '{}', ?, ?)",
    nowMs - 2 * DAY,
    nowMs - DAY,
    nowMs - 5 * HOUR,
    nowMs - 5 * HOUR,
  );
  p(
    "INSERT INTO reconciliation_items (run_id, order_id, transaction_id, outcome) VALUES ('rr1', 'o1', 't1', 'unknown_to_network')",
  );
  // The latest payout reconciliation: a processor mismatch and a wallet audit difference.
  p(
    "INSERT INTO payout_recon_runs (id, processor_id, from_ms, to_ms, status, started_at_ms) VALUES ('pr1', 'sandbox', ?, ?, 'completed', ?)",
    nowMs - 2 * DAY,
    nowMs - DAY,
    nowMs - 6 * HOUR,
  );
  p(
    "INSERT INTO payout_discrepancies (run_id, kind, subject, detail, created_at_ms) VALUES ('pr1', 'status_mismatch', 'pay_x', '{}', ?)",
    nowMs - 6 * HOUR,
  );
  p(
    "INSERT INTO payout_discrepancies (run_id, kind, subject, detail, created_at_ms) VALUES ('pr1', 'wallet_buckets_mismatch', 'u9', '{}', ?)",
    nowMs - 6 * HOUR,
  );
  // net-drop: 25 postbacks and conversions in this hour on each of the last 7 days, none now.
  // net-steady (the control): the same history, and as many in the last hour.
  for (const network of ["net-drop", "net-steady"]) {
    for (let day = 0; day <= 7; day++) {
      if (day === 0 && network === "net-drop") continue;
      for (let i = 0; i < 25; i++) {
        const at = nowMs - day * DAY - 30 * MIN + i;
        // Conversions are read two hours back (postbacks report them late).
        const convertedAt = at - 2 * HOUR;
        const id = `${network}-${day}-${i}`;
        p(
          "INSERT INTO received_postbacks (id, network_id, received_at_ms, verdict, raw_body) VALUES (?, ?, ?, 'accepted', '')",
          id,
          network,
          at,
        );
        p(
          `INSERT INTO transactions (id, network_id, order_id, status, currency, sale_amount_minor,
             commission_minor, cashback_minor, rate_bps, converted_at_ms, version, updated_at_ms)
           VALUES (?, ?, ?, 'pending', 'EUR', 1000, 100, 50, 500, ?, 1, ?)`,
          id,
          network,
          id,
          convertedAt,
          at,
        );
      }
    }
  }
  await env.DB.batch(s);
}

/**
 * What the cron raises on seedEveryCondition. The risk observation outbox's row is not among
 * them: the same cron's sweep re-sends it before the alerts run (as it should); that rule is
 * driven directly below.
 */
const EVERY_RULE = [
  "circuit_breaker_open:net-broken",
  "dead_letter_backlog:payout_dead_letters",
  "network_conversions_drop:net-drop",
  "network_postbacks_drop:net-drop",
  "payout_discrepancies:processor",
  "payouts_attention:payouts",
  "payouts_stuck:payouts",
  "reconciliation_differences:net-recon",
  "wallet_audit_difference:wallets",
];

describe("operator alerts through the scheduled handler", () => {
  beforeEach(reset);

  it("a quiet platform raises nothing; every seeded condition raises its alert, once", async () => {
    await configure();
    await runCronAt(T0);
    expect(await alerts()).toEqual([]);

    await seedEveryCondition(T0);
    await runCronAt(T0);
    const raised = await alerts();
    // Every rule on its condition; net-steady (same history, same last hour) on none.
    expect(keysOf(raised)).toEqual(EVERY_RULE);
    expect(raised.every((a) => a.state === "open" && a.occurrences === 1)).toBe(true);
    // The primary contact got one message per alert.
    const mails = await outboxAlertMails();
    expect(mails).toHaveLength(EVERY_RULE.length);
    expect(new Set(mails.map((m) => m.body.to))).toEqual(new Set([PRIMARY.email]));

    // A rerun counts repeats on the same alerts and sends nothing again.
    await runCronAt(T0 + 10 * MIN);
    const again = await alerts();
    expect(keysOf(again)).toEqual(EVERY_RULE);
    expect(again.every((a) => a.occurrences === 2)).toBe(true);
    expect(await outboxAlertMails()).toHaveLength(EVERY_RULE.length);
  });

  it("escalates an unacknowledged alert once to the second contact; an acknowledged one never", async () => {
    await configure();
    await seedEveryCondition(T0);
    await runCronAt(T0);
    const [first, ...others] = await alerts();
    if (!first) throw new Error("no alert raised");
    const ack = await api(`/admin/v1/alerts/${first.id}/acknowledgement`, {
      method: "POST",
      headers: ADMIN_HEADERS,
      body: JSON.stringify({ note: "looking" }),
    });
    expect(ack.status).toBe(200);

    // Before the delay: nothing escalates.
    await runCronAt(T0 + 20 * MIN);
    expect((await outboxAlertMails()).filter((m) => m.body.to === SECONDARY.email)).toEqual([]);
    // Past it: each still-open alert escalates, once, however often the cron runs.
    await runCronAt(T0 + 30 * MIN);
    await runCronAt(T0 + 40 * MIN);
    await runCronAt(T0 + 50 * MIN);
    const escalated = (await outboxAlertMails()).filter((m) => m.body.to === SECONDARY.email);
    expect(escalated.map((m) => m.id).sort()).toEqual(
      others.map((a) => `alert:${a.id}:escalation:email`).sort(),
    );
    // One whose condition persists through the runs (the drop rules' hour windows move, and a
    // resolved alert gets its resolution message too).
    const persistent =
      others.find((a) => a.rule === "payouts_stuck") ??
      others.find((a) => a.rule === "circuit_breaker_open");
    const view = (await alerts()).find((a) => a.id === persistent?.id);
    expect(view?.deliveries.map((d) => `${d.stage}:${d.channel}:${d.status}`).sort()).toEqual([
      "escalation:email:sent",
      "primary:email:sent",
    ]);
  });

  it("resolves an alert by itself when its condition clears, and opens a new one if it returns", async () => {
    await configure();
    await seedEveryCondition(T0);
    await runCronAt(T0);
    await env.DB.prepare("DELETE FROM network_health").run();
    await runCronAt(T0 + 10 * MIN);
    const resolved = await alerts("resolved");
    expect(keysOf(resolved)).toEqual(["circuit_breaker_open:net-broken"]);
    expect(resolved[0]?.resolvedBy).toBe("auto");
    expect(keysOf(await alerts("open"))).toEqual(
      EVERY_RULE.filter((k) => k !== "circuit_breaker_open:net-broken"),
    );
    await env.DB.prepare(
      "INSERT INTO network_health (network_id, state, consecutive_failures, updated_at_ms) VALUES ('net-broken', 'open', 1, ?)",
    )
      .bind(T0)
      .run();
    await runCronAt(T0 + 20 * MIN);
    const open = (await alerts("open")).filter((a) => a.rule === "circuit_breaker_open");
    expect(open).toHaveLength(1);
    expect(open[0]?.id).not.toBe(resolved[0]?.id);
  });

  it("acknowledge and resolve are audited with the operator's name; a second resolve is refused", async () => {
    await configure();
    await seedEveryCondition(T0);
    await runCronAt(T0);
    const [alert] = await alerts();
    if (!alert) throw new Error("no alert raised");
    const post = (action: string, body?: unknown) =>
      api(`/admin/v1/alerts/${alert.id}/${action}`, {
        method: "POST",
        headers: ADMIN_HEADERS,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    expect((await post("acknowledgement", {})).status).toBe(200);
    expect((await post("acknowledgement", {})).status).toBe(409);
    const resolved = await post("resolution", { note: "fixed the feed" });
    expect(resolved.status).toBe(200);
    const body = (await resolved.json()) as AlertView & { note: string };
    expect(body.state).toBe("resolved");
    expect(body.acknowledgedBy).not.toBeNull();
    expect(body.note).toBe("fixed the feed");
    expect((await post("resolution", {})).status).toBe(409);

    const audit = await api(`/admin/v1/audit-log?pathPrefix=/admin/v1/alerts/${alert.id}`, {
      headers: ADMIN_HEADERS,
    });
    const entries = (
      (await audit.json()) as {
        items: Array<{
          operationId: string;
          status: number;
          before: { state: string } | null;
          after: { state: string } | null;
        }>;
      }
    ).items;
    const ok = entries
      .filter((e) => e.status === 200)
      .map((e) => e.operationId)
      .sort();
    expect(ok).toEqual(["createAlertAcknowledgement", "createAlertResolution"]);
    const resolution = entries.find(
      (e) => e.operationId === "createAlertResolution" && e.status === 200,
    );
    expect(resolution?.before?.state).toBe("acknowledged");
    expect(resolution?.after?.state).toBe("resolved");
  });

  it("thresholds are the operator's: raised ones silence the seeded conditions", async () => {
    await configure({
      thresholds: {
        stuckPayouts: 5,
        attentionPayouts: 5,
        reconciliationDifferences: 5,
        payoutDiscrepancies: 5,
        walletAuditDifferences: 5,
        deadLetterBacklog: 5,
        deadLetterMaxAgeMinutes: 600,
        networkMinHourlyVolume: 1000,
      },
    });
    await seedEveryCondition(T0);
    await runCronAt(T0);
    expect(keysOf(await alerts())).toEqual(["circuit_breaker_open:net-broken"]);
  });
});

describe("the dead-letter rule over the risk observation outbox", () => {
  beforeEach(reset);

  it("fires on an old kept observation and not on a young one", async () => {
    await env.DB.prepare(
      "INSERT INTO risk_observation_outbox (observation_id, observation_json, kept_at_ms) VALUES ('obs-young', '{}', ?)",
    )
      .bind(T0 - 59 * MIN)
      .run();
    expect(await runAlerts(env, T0)).toMatchObject({ firing: 0 });
    expect(await runAlerts(env, T0 + 2 * MIN)).toMatchObject({ firing: 1, opened: 1 });
    expect(keysOf(await alerts())).toEqual(["dead_letter_backlog:risk_observation_outbox"]);
  });
});

describe("the dead-letter rule over the notification pipeline's dead letters", () => {
  beforeEach(reset);

  const deadLetter = (id: string, createdAtMs: number, status = "open") =>
    env.DB.prepare(
      `INSERT INTO notification_dead_letters
         (id, delivery_id, event_id, user_id, type, channel, event, error, attempts, status, created_at_ms)
       VALUES (?, ?, ?, 'u1', 'payout_paid', 'email', '{}', 'provider down', 10, ?, ?)`,
    ).bind(id, `dlv_${id}`, `evt_${id}`, status, createdAtMs);

  it("fires on an old open dead letter, not on a young one nor on a replayed old one", async () => {
    await env.DB.batch([
      deadLetter("young", T0 - 59 * MIN),
      deadLetter("replayed", T0 - 5 * HOUR, "replayed"),
    ]);
    expect(await runAlerts(env, T0)).toMatchObject({ firing: 0 });
    expect(await runAlerts(env, T0 + 2 * MIN)).toMatchObject({ firing: 1, opened: 1 });
    expect(keysOf(await alerts())).toEqual(["dead_letter_backlog:notification_dead_letters"]);
  });

  it("fires when the backlog grew by the growth threshold since the previous run, not below it", async () => {
    await configure({ thresholds: { deadLetterGrowth: 5 } });
    const batch = (from: number, n: number, at: number) =>
      env.DB.batch(Array.from({ length: n }, (_, i) => deadLetter(`d${from + i}`, at)));
    // The first run has nothing to compare with: 3 young rows raise nothing.
    await batch(0, 3, T0);
    expect(await runAlerts(env, T0)).toMatchObject({ firing: 0 });
    // Four more by the next run (control: below 5).
    await batch(3, 4, T0 + 5 * MIN);
    expect(await runAlerts(env, T0 + 10 * MIN)).toMatchObject({ firing: 0 });
    // Five more by the one after: growing.
    await batch(7, 5, T0 + 15 * MIN);
    expect(await runAlerts(env, T0 + 20 * MIN)).toMatchObject({ firing: 1, opened: 1 });
    const [alert] = await alerts();
    expect(alert).toMatchObject({
      rule: "dead_letter_backlog",
      subject: "notification_dead_letters",
    });
    const { results } = await env.DB.prepare(
      "SELECT source, count FROM operator_alert_backlogs ORDER BY source",
    ).all();
    expect(results).toEqual([
      { source: "notification_dead_letters", count: 12 },
      { source: "payout_dead_letters", count: 0 },
      { source: "risk_observation_outbox", count: 0 },
    ]);
  });
});

describe("the scheduled time", () => {
  beforeEach(reset);

  it("runs the beat when the event carries a Date (a service binding's scheduled(), as the dev gateway hands it on)", async () => {
    await configure();
    await seedEveryCondition(T0);
    // What the api worker received under wrangler dev (seen in its log as a D1_TYPE_ERROR on
    // the Date): the gateway's scheduledTime, a Date, not the platform's number.
    const controller = {
      cron: CRONS.confirmationBackstop,
      scheduledTime: new Date(T0),
      noRetry() {},
    } as unknown as ScheduledController;
    const ctx = createExecutionContext();
    await apiWorker.scheduled(controller, env, ctx);
    await waitOnExecutionContext(ctx);
    expect(keysOf(await alerts())).toEqual(EVERY_RULE);
  });
});

describe("the resolution message", () => {
  beforeEach(reset);

  it("tells the primary contact once when an alert they were told of resolves; nobody else, never twice", async () => {
    await configure();
    await env.DB.prepare(
      "INSERT INTO network_health (network_id, state, consecutive_failures, updated_at_ms) VALUES ('net-r', 'open', 3, ?)",
    )
      .bind(T0)
      .run();
    await runCronAt(T0);
    const [alert] = await alerts();
    if (!alert) throw new Error("no alert raised");
    await env.DB.prepare("DELETE FROM network_health").run();
    await runCronAt(T0 + 10 * MIN);
    await runCronAt(T0 + 20 * MIN);
    await runCronAt(T0 + 40 * MIN);
    const mails = await outboxAlertMails();
    expect(mails.map((m) => [m.id, m.body.to]).sort()).toEqual([
      [`alert:${alert.id}:primary:email`, PRIMARY.email],
      [`alert:${alert.id}:resolution:email`, PRIMARY.email],
    ]);
    const [resolved] = await alerts("resolved");
    expect(resolved?.deliveries.map((d) => `${d.stage}:${d.channel}:${d.status}`).sort()).toEqual([
      "primary:email:sent",
      "resolution:email:sent",
    ]);
  });

  it("says nothing of an alert resolved before anyone was told of it", async () => {
    await env.DB.prepare(
      "INSERT INTO network_health (network_id, state, consecutive_failures, updated_at_ms) VALUES ('net-r', 'open', 3, ?)",
    )
      .bind(T0)
      .run();
    // No contact yet: the alert opens and nobody hears of it.
    await runCronAt(T0);
    await configure();
    const [alert] = await alerts();
    const resolve = await api(`/admin/v1/alerts/${alert?.id}/resolution`, {
      method: "POST",
      headers: ADMIN_HEADERS,
      body: "{}",
    });
    expect(resolve.status).toBe(200);
    await env.DB.prepare("DELETE FROM network_health").run();
    await runCronAt(T0 + 10 * MIN);
    expect(await outboxAlertMails()).toEqual([]);
  });
});

describe("alert settings", () => {
  beforeEach(reset);

  it("validates contacts and never echoes the webhook secret", async () => {
    const bad = await adminPut("/admin/v1/alert-settings", {
      primary: { name: "x", email: "not-an-email", webhookUrl: null },
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
    const noContact = await adminPut("/admin/v1/alert-settings", {
      primary: { name: "x", email: null, webhookUrl: null },
    });
    expect(noContact.status).toBe(400);
    const noSecret = await adminPut("/admin/v1/alert-settings", {
      primary: { name: "x", email: null, webhookUrl: "https://ops.example.test/hook" },
    });
    expect(noSecret.status).toBe(400);
    const pathsOf = async (r: Response) =>
      ((await r.json()) as { errors?: Array<{ path: string }> }).errors?.map((e) => e.path);
    expect(await pathsOf(noSecret)).toEqual(["webhookSecret"]);
    const plainHttp = await adminPut("/admin/v1/alert-settings", {
      primary: { name: "x", email: null, webhookUrl: "http://ops.example.test/hook" },
      webhookSecret: "s".repeat(40),
    });
    expect(plainHttp.status).toBe(400);
    expect(await pathsOf(plainHttp)).toEqual(["primary.webhookUrl"]);
    const badRatio = await adminPut("/admin/v1/alert-settings", {
      primary: PRIMARY,
      thresholds: { networkDropRatio: 1.5 },
    });
    expect(badRatio.status).toBe(400);
    expect(await pathsOf(badRatio)).toEqual(["thresholds.networkDropRatio"]);

    const secret = "webhook-secret-0123456789-abcdefghij";
    const ok = await adminPut("/admin/v1/alert-settings", {
      primary: { name: "x", email: null, webhookUrl: "https://ops.example.test/hook" },
      webhookSecret: secret,
      escalateAfterMinutes: 15,
    });
    expect(ok.status).toBe(200);
    const text = await (await api("/admin/v1/alert-settings", { headers: ADMIN_HEADERS })).text();
    expect(text).not.toContain(secret);
    const read = JSON.parse(text) as {
      webhookSecretSet: boolean;
      escalateAfterMinutes: number;
      thresholds: { stuckPayouts: number };
    };
    expect(read.webhookSecretSet).toBe(true);
    expect(read.escalateAfterMinutes).toBe(15);
    expect(read.thresholds.stuckPayouts).toBe(1);
  });
});

describe("alert e-mail through the e-mail adapter", () => {
  beforeEach(reset);

  const RESEND = {
    ...env,
    EMAIL_PROVIDER: "resend",
    EMAIL_API_KEY: "re_test_key",
    EMAIL_FROM: "alerts@boomerang.example",
  };

  it("goes to Resend when EMAIL_PROVIDER is resend: idempotent per stage, a refusal is a failed row retried next run", async () => {
    await configure({ secondary: null });
    await env.DB.prepare(
      "INSERT INTO network_health (network_id, state, consecutive_failures, updated_at_ms) VALUES ('net-m', 'open', 3, ?)",
    )
      .bind(T0)
      .run();
    const received: Request[] = [];
    let status = 503;
    const emailFetcher = async (request: Request) => {
      received.push(request.clone());
      return Response.json({ id: `re_${received.length}` }, { status });
    };
    expect(await runAlerts(RESEND, T0, { emailFetcher })).toMatchObject({
      opened: 1,
      sent: 0,
      failed: 1,
    });
    const [failed] = await alerts();
    expect(failed?.deliveries).toMatchObject([
      { stage: "primary", channel: "email", status: "failed" },
    ]);
    status = 200;
    expect(await runAlerts(RESEND, T0 + 10 * MIN, { emailFetcher })).toMatchObject({
      sent: 1,
      failed: 0,
    });
    expect(await runAlerts(RESEND, T0 + 20 * MIN, { emailFetcher })).toMatchObject({
      sent: 0,
      failed: 0,
    });
    expect(received).toHaveLength(2);
    const [first, second] = received as [Request, Request];
    expect(second.url).toBe("https://api.resend.com/emails");
    expect(second.headers.get("authorization")).toBe("Bearer re_test_key");
    // The same delivery id both times: Resend drops a duplicate of a send it took.
    expect(second.headers.get("idempotency-key")).toMatch(/^dlv_[0-9a-f]{40}$/);
    expect(second.headers.get("idempotency-key")).toBe(first.headers.get("idempotency-key"));
    const body = (await second.json()) as {
      from: string;
      to: string[];
      subject: string;
      text: string;
    };
    expect(body.from).toBe("alerts@boomerang.example");
    expect(body.to).toEqual([PRIMARY.email]);
    expect(body.subject).toContain("circuit breaker open for network net-m");
    expect(body.text).toContain("Rule: circuit_breaker_open, subject: net-m");
    // Nothing in the dev outbox: the provider took it.
    expect(await outboxAlertMails()).toEqual([]);
    const [sent] = await alerts();
    expect(sent?.deliveries).toMatchObject([
      { stage: "primary", channel: "email", status: "sent" },
    ]);
  });

  it("goes to the dev outbox when no provider is set", async () => {
    await configure({ secondary: null });
    await env.DB.prepare(
      "INSERT INTO network_health (network_id, state, consecutive_failures, updated_at_ms) VALUES ('net-m', 'open', 3, ?)",
    )
      .bind(T0)
      .run();
    const calls: Request[] = [];
    const unset = { ...env, EMAIL_PROVIDER: undefined };
    const emailFetcher = async (request: Request) => {
      calls.push(request);
      return new Response();
    };
    expect(await runAlerts(unset, T0, { emailFetcher })).toMatchObject({ sent: 1 });
    expect(calls).toEqual([]);
    const [alert] = await alerts();
    expect((await outboxAlertMails()).map((m) => [m.id, m.body.to])).toEqual([
      [`alert:${alert?.id}:primary:email`, PRIMARY.email],
    ]);
  });
});

describe("the signed alert webhook", () => {
  beforeEach(reset);

  it("is signed like the notifier, idempotent per stage, and retried until it is taken", async () => {
    const secret = "webhook-secret-0123456789-abcdefghij";
    const ok = await adminPut("/admin/v1/alert-settings", {
      primary: { name: "On call", email: null, webhookUrl: "https://ops.example.test/hook" },
      secondary: null,
      webhookSecret: secret,
    });
    expect(ok.status).toBe(200);
    await env.DB.prepare(
      "INSERT INTO network_health (network_id, state, consecutive_failures, updated_at_ms) VALUES ('net-w', 'open', 3, ?)",
    )
      .bind(T0)
      .run();

    const received: Request[] = [];
    let answer = 503;
    const fetcher = async (request: Request) => {
      received.push(request.clone());
      return new Response(null, { status: answer });
    };
    const first = await runAlerts(env, T0, { fetcher });
    expect(first).toMatchObject({ opened: 1, sent: 0, failed: 1 });
    answer = 200;
    const second = await runAlerts(env, T0 + 10 * MIN, { fetcher });
    expect(second).toMatchObject({ repeated: 1, sent: 1, failed: 0 });
    const third = await runAlerts(env, T0 + 20 * MIN, { fetcher });
    expect(third).toMatchObject({ sent: 0, failed: 0 });
    expect(received).toHaveLength(2);

    const request = received[1] as Request;
    const raw = await request.text();
    const header = request.headers.get("X-Boomerang-Signature") ?? "";
    const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
    expect(match).not.toBeNull();
    expect(Number(match?.[1])).toBe(Math.floor((T0 + 10 * MIN) / 1000));
    expect(match?.[2]).toBe(toHex(await hmacSha256(secret, `${match?.[1]}.${raw}`)));
    const body = JSON.parse(raw) as { id: string; alert: { rule: string; subject: string } };
    expect(request.headers.get("Idempotency-Key")).toBe(body.id);
    expect(body.alert).toMatchObject({ rule: "circuit_breaker_open", subject: "net-w" });
  });
});
