import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, expect, test } from "vitest";
import type { Assessment, Observation } from "#shared/fraud/risk-contract";
import { TEST_KEYS, withKey } from "./access-keys";
import { eventId, sendEvents } from "./events-client";
import { api, eventually, seedCatalog, uniqueUser, walletStub } from "./helpers";
import {
  payoutOf,
  postingsFor,
  redeemTo,
  sandbox,
  userWithDestination,
  waitForPayout,
} from "./payout-helpers";
import { publishDeviceRingRule } from "./risk-helpers";

/**
 * The review queue (docs/fraud.md "Review"), through the real workers: each wallet projects its
 * holds to D1 `risk_holds` over the ledger-events queue; `GET /admin/v1/risk/holds` lists them
 * with filters and pages; a decision (single or bulk) snapshots the user's score and reasons
 * into the hold and the row follows; a bulk decision answers per hold.
 */

beforeAll(async () => {
  await seedCatalog();
  await publishDeviceRingRule("queue-device-ring", "review queue test");
});

interface Row {
  userId: string;
  holdId: string;
  kind: string;
  subjectRef: string | null;
  source: string;
  ruleId: string | null;
  ruleVersion: number | null;
  reasons: Array<{ code: string; score: number; detail: string }>;
  scoreContribution: number;
  status: string;
  placedAtMs: number;
  autoReleaseAtMs: number | null;
  endedAtMs: number | null;
  endedHow: string | null;
  decidedBy: string | null;
  decisionNote: string | null;
  label: string | null;
  decisionSignals: { score: number; reasons: Array<{ code: string }> } | null;
}
interface Page {
  holds: Row[];
  nextCursor: string | null;
}

async function list(query: string, key = TEST_KEYS.support): Promise<Page> {
  const response = await api(`/admin/v1/risk/holds?${query}`, withKey(key));
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as Page;
}

/** Waits until the queue lists `count` holds for the query (the projection drains). */
function listed(query: string, count: number, check: (row: Row) => boolean = () => true) {
  return eventually(async () => {
    const page = await list(query);
    return page.holds.filter(check).length === count ? page : null;
  });
}

function bulk(body: unknown, key: string = TEST_KEYS.finance) {
  return api(
    "/admin/v1/risk/holds/decisions",
    withKey(key, { method: "POST", body: JSON.stringify(body) }),
  );
}

const reason = (code: string, score: number) => ({ code, score, detail: `${code} seen` });

/** Scoring's answer to one observation of the user holding `kind`, as the intake applies it. */
async function holdVia(
  userId: string,
  observationId: string,
  kind: "hold_payouts" | "hold_transaction",
  code: string,
  subjectRef?: string,
): Promise<string> {
  const observation: Observation = {
    observationId,
    userId,
    kind: "login",
    atMs: Date.now(),
    ...(subjectRef ? { subjectRef } : {}),
  };
  const effect = { kind, reason: reason(code, 30), ruleId: `rule-${code}` } as const;
  const assessment: Assessment = {
    userId,
    score: 30,
    reasons: [effect.reason],
    effects: [effect],
    ruleVersion: 7,
    assessedAtMs: Date.now(),
  };
  const applied = await walletStub(userId).applyAssessment(userId, observation, assessment);
  expect(applied.placed).toBe(1);
  return applied.holds[0]?.holdId as string;
}

const login = (userId: string, deviceId: string) => ({
  id: eventId("login"),
  type: "user.logged_in",
  userId,
  occurredAt: new Date().toISOString(),
  data: { deviceId, ipAddress: "198.51.100.77" },
});

test("a fraud rule's hold is listed, filtered, and a decision updates its row with the signals", async () => {
  const device = `queue-device-${uniqueUser("d")}`;
  const ring = [uniqueUser("qa"), uniqueUser("qb"), uniqueUser("qc")];
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
  const { holds } = await listed(`userId=${third}`, 1);
  const row = holds[0] as Row;
  expect(row).toMatchObject({
    userId: third,
    kind: "payouts",
    subjectRef: null,
    source: "rule",
    ruleId: "queue-device-ring",
    status: "active",
    scoreContribution: 60,
    endedAtMs: null,
    endedHow: null,
    decidedBy: null,
    label: null,
    decisionSignals: null,
  });
  expect(row.reasons.map((r) => r.code)).toEqual(["shared_device"]);
  expect(row.ruleVersion).toEqual(expect.any(Number));
  // The row is the wallet's hold as its wallet has it.
  const [walletHold] = await walletStub(third).getRiskHolds();
  expect(walletHold).toMatchObject({ holdId: row.holdId, placedAtMs: row.placedAtMs });

  // Filters: each one narrows to the hold or away from it.
  const count = async (query: string) => (await list(`userId=${third}&${query}`)).holds.length;
  expect(await count("kind=payouts")).toBe(1);
  expect(await count("kind=transaction")).toBe(0);
  expect(await count("source=rule")).toBe(1);
  expect(await count("source=bot_click")).toBe(0);
  expect(await count("reason=shared_device")).toBe(1);
  expect(await count("reason=shared")).toBe(0); // a whole code, never part of one
  expect(await count("reason=shared_devic_")).toBe(0); // `_` is no wildcard
  expect(await count("status=released")).toBe(0);
  expect(await count(`fromMs=${row.placedAtMs}&toMs=${row.placedAtMs + 1}`)).toBe(1);
  expect(await count(`toMs=${row.placedAtMs}`)).toBe(0);
  expect((await list(`userId=${ring[0]}`)).holds).toEqual([]);

  // Support reads the queue but does not decide.
  const path = `/admin/v1/risk/holds/${third}/${encodeURIComponent(row.holdId)}/decision`;
  const body = { decision: "release", reason: "one family's tablet", label: "not_fraud" };
  const post = (key: string) =>
    api(path, withKey(key, { method: "POST", body: JSON.stringify(body) }));
  expect((await post(TEST_KEYS.support)).status).toBe(403);
  const decided = await post(TEST_KEYS.finance);
  expect(decided.status).toBe(200);
  const risk = (await (
    await api(`/admin/v1/risk/users/${third}`, withKey(TEST_KEYS.support))
  ).json()) as {
    risk: { score: number; reasons: Array<{ code: string }> } | null;
  };
  // The decision kept the user's score and reasons from their risk object at that moment.
  const signals = { score: risk.risk?.score, reasons: risk.risk?.reasons };
  expect(signals.score).toBe(60);
  expect(((await decided.json()) as { hold: Row }).hold.decisionSignals).toEqual(signals);

  const ended = await listed(`userId=${third}&status=released`, 1);
  expect(ended.holds[0]).toMatchObject({
    holdId: row.holdId,
    status: "released",
    endedHow: "operator",
    decidedBy: "test-finance",
    decisionNote: "one family's tablet",
    label: "not_fraud",
    decisionSignals: signals,
  });
  expect(ended.holds[0]?.endedAtMs).toEqual(expect.any(Number));
  expect(await count("status=active")).toBe(0);
  expect(await count("status=released&label=not_fraud")).toBe(1);
  expect(await count("status=released&label=fraud")).toBe(0);
});

test("pages follow the queue's order: active oldest placed first, ended newest ended first", async () => {
  const user = uniqueUser("pages");
  const placed: string[] = [];
  for (const n of [1, 2, 3]) {
    placed.push(await holdVia(user, `obs-${n}-${user}`, "hold_payouts", `velocity_${n}`));
    await new Promise((r) => setTimeout(r, 5));
  }
  await listed(`userId=${user}`, 3);
  const first = await list(`userId=${user}&limit=2`);
  expect(first.holds.map((h) => h.holdId)).toEqual(placed.slice(0, 2));
  expect(first.nextCursor).toEqual(expect.any(String));
  const second = await list(
    `userId=${user}&limit=2&cursor=${encodeURIComponent(first.nextCursor as string)}`,
  );
  expect(second.holds.map((h) => h.holdId)).toEqual(placed.slice(2));
  expect(second.nextCursor).toBeNull();
  // Exactly one page's worth: no link to an empty page.
  expect((await list(`userId=${user}&limit=3`)).nextCursor).toBeNull();

  // Upheld one by one: the ended list starts with the newest decision.
  for (const holdId of placed) {
    const response = await bulk({
      holds: [{ userId: user, holdId }],
      decision: "uphold",
      reason: "velocity abuse",
      label: "fraud",
    });
    expect(response.status).toBe(200);
    await new Promise((r) => setTimeout(r, 5));
  }
  await listed(`userId=${user}&status=upheld`, 3);
  const upheld = await list(`userId=${user}&status=upheld&limit=2`);
  expect(upheld.holds.map((h) => h.holdId)).toEqual([placed[2], placed[1]]);
  const rest = await list(
    `userId=${user}&status=upheld&limit=2&cursor=${encodeURIComponent(upheld.nextCursor as string)}`,
  );
  expect(rest.holds.map((h) => h.holdId)).toEqual([placed[0]]);
  expect(rest.nextCursor).toBeNull();
});

test("a bulk release answers per hold, and a held payout it releases is dispatched once", async () => {
  await sandbox().reset();
  const { user, destinationId } = await userWithDestination("queue-bulk", 50_000);
  const payoutHold = await holdVia(user, `login-${user}`, "hold_payouts", "shared_payment");
  const payoutId = await redeemTo(user, destinationId, 20_000);
  expect(await payoutOf(user, payoutId)).toMatchObject({ status: "held", holdReason: "risk" });
  const other = uniqueUser("queue-bulk-other");
  const otherHold = await holdVia(other, `login-${other}`, "hold_payouts", "new_device");
  await listed(`userId=${user}`, 1);
  await listed(`userId=${other}`, 1);

  const items = [
    { userId: user, holdId: payoutHold },
    { userId: other, holdId: otherHold },
    { userId: other, holdId: "rule:nope:x:payouts" },
  ];
  const release = { holds: items, decision: "release", reason: "checked by hand", label: "unsure" };
  expect((await bulk(release, TEST_KEYS.support)).status).toBe(403);
  const response = await bulk(release);
  expect(response.status).toBe(200);
  const { results } = (await response.json()) as {
    results: Array<{ userId: string; holdId: string; outcome: string; hold: Row | null }>;
  };
  expect(results.map((r) => [r.userId, r.holdId, r.outcome])).toEqual([
    [user, payoutHold, "decided"],
    [other, otherHold, "decided"],
    [other, "rule:nope:x:payouts", "not_found"],
  ]);
  expect(results[0]?.hold).toMatchObject({
    userId: user,
    holdId: payoutHold,
    status: "released",
    endedHow: "operator",
    decidedBy: "test-finance",
    decisionNote: "checked by hand",
    label: "unsure",
    scoreContribution: 30,
  });
  expect(results[2]?.hold).toBeNull();

  // The payout the hold kept waiting is paid, once.
  const paid = await waitForPayout(user, payoutId, "paid");
  expect(paid.attempts).toBe(1);
  await sandbox().deliverWebhooks({ force: true });
  expect(await postingsFor(user, payoutId)).toEqual([
    `payout:${payoutId}:paid`,
    `payout:${payoutId}:reserve`,
  ]);

  // Again: already decided that way; the other way: a conflict. Nothing is paid twice.
  const again = (await (await bulk({ ...release, holds: items.slice(0, 1) })).json()) as {
    results: Array<{ outcome: string }>;
  };
  expect(again.results.map((r) => r.outcome)).toEqual(["already"]);
  const flip = (await (
    await bulk({ ...release, holds: items.slice(0, 2), decision: "uphold" })
  ).json()) as { results: Array<{ outcome: string; hold: Row | null }> };
  expect(flip.results.map((r) => r.outcome)).toEqual(["conflict", "conflict"]);
  expect(flip.results[0]?.hold?.status).toBe("released");
  expect((await payoutOf(user, payoutId)).attempts).toBe(1);

  // The queue's rows follow the wallets.
  await listed(`userId=${other}&status=released`, 1, (r) => r.label === "unsure");
  expect((await list(`userId=${user}&status=active`)).holds).toEqual([]);

  // The bulk request is in the admin audit log, with who made it.
  const audit = await api(
    "/admin/v1/audit-log?pathPrefix=/admin/v1/risk/holds/decisions&actor=test-finance",
    withKey(TEST_KEYS.reader),
  );
  const { items: logged } = (await audit.json()) as {
    items: Array<{ status: number; method: string }>;
  };
  expect(logged.some((i) => i.method === "POST" && i.status === 200)).toBe(true);
});

test("while the risk object cannot answer, a decision goes ahead without signals", async () => {
  const user = uniqueUser("no-signals");
  const holdId = await holdVia(user, `login-${user}`, "hold_payouts", "new_device");
  // The user's risk object fails its read (RPC calls reach prototype methods); others answer.
  const risk = env.RISK.get(env.RISK.idFromName(user));
  const proto = await runInDurableObject(
    risk,
    (instance) => Object.getPrototypeOf(instance) as { riskOf: () => Promise<unknown> },
  );
  const original = proto.riskOf;
  proto.riskOf = async () => {
    throw new Error("scoring is down");
  };
  let response: Response;
  try {
    response = await bulk({
      holds: [{ userId: user, holdId }],
      decision: "uphold",
      reason: "looks like a takeover",
      label: "fraud",
    });
  } finally {
    proto.riskOf = original;
  }
  expect(response.status).toBe(200);
  const { results } = (await response.json()) as {
    results: Array<{ outcome: string; hold: Row | null }>;
  };
  expect(results[0]).toMatchObject({
    outcome: "decided",
    hold: { status: "upheld", label: "fraud", decisionSignals: null },
  });
  const row = await listed(`userId=${user}&status=upheld`, 1);
  expect(row.holds[0]).toMatchObject({ holdId, decidedBy: "test-finance", decisionSignals: null });
});

test("bad input is a problem+json 400 naming what is wrong", async () => {
  const user = uniqueUser("bad");
  const one = { userId: user, holdId: "rule:x:y:payouts" };
  const bodies: unknown[] = [
    { holds: [], decision: "release", reason: "r" },
    { holds: [one, one], decision: "release", reason: "r" },
    { holds: [one], decision: "release" },
    { holds: [one], decision: "release", reason: "   " },
    { holds: [one], decision: "approve", reason: "r" },
    { holds: [one], decision: "release", reason: "r", label: "maybe" },
    { holds: [{ userId: "no spaces", holdId: "h" }], decision: "release", reason: "r" },
    {
      holds: Array.from({ length: 101 }, (_, i) => ({ userId: user, holdId: `h${i}` })),
      decision: "release",
      reason: "r",
    },
  ];
  for (const body of bodies) {
    const response = await bulk(body);
    expect(response.status, JSON.stringify(body).slice(0, 80)).toBe(400);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
  }
  for (const query of [
    "status=pending",
    "kind=everything",
    "source=guess",
    "limit=0",
    "limit=201",
    "fromMs=10&toMs=5",
    "reason=has%20space",
    "cursor=not-a-cursor",
  ]) {
    const response = await api(`/admin/v1/risk/holds?${query}`, withKey(TEST_KEYS.support));
    expect(response.status, query).toBe(400);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
  }
});
