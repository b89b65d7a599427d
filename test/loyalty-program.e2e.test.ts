import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { forgetCachedConfig } from "#shared/config/config-store";
import { loadProgramSettings, PROGRAM_SETTINGS_KEY } from "#shared/loyalty/live-program-settings";
import { DEFAULT_PROGRAM_SETTINGS, type ProgramSettings } from "#shared/loyalty/program-settings";
import { TEST_KEYS, withKey } from "./access-keys";
import { exchange } from "./contract-exchange";
import { ContractValidator, type OpenApiDocument } from "./contract-validator";
import { api, uniqueUser, walletStub } from "./helpers";

/**
 * The loyalty program as operator config through the real api worker (docs/loyalty.md):
 * settings saved as versions (validated, optimistic concurrency, propagated to the config
 * cache, audited), the member's points redemptions (cashback at the program's rate, vouchers
 * from a pool, idempotent on the Idempotency-Key) and voucher pools, where a code is never
 * issued twice. Every answer is checked against the served OpenAPI document. The tests run in
 * order and share one D1.
 */

let validator: ContractValidator;

beforeAll(async () => {
  validator = new ContractValidator((await (await api("/openapi.json")).json()) as OpenApiDocument);
});

// biome-ignore lint/suspicious/noExplicitAny: test reads of JSON answers.
type Answer = { status: number; body: any };

async function call(
  method: "GET" | "PUT" | "POST",
  path: string,
  as: "admin" | { user: string },
  body?: unknown,
  headers?: Record<string, string>,
): Promise<Answer> {
  const {
    response,
    body: json,
    verdict,
  } = await exchange(validator, {
    method,
    path,
    as,
    ...(body === undefined ? {} : { body }),
    ...(headers ? { headers } : {}),
  });
  expect(verdict.responseErrors, `${method} ${path} → ${response.status}`).toEqual([]);
  return { status: response.status, body: json };
}

const admin = (method: "GET" | "PUT" | "POST", path: string, body?: unknown) =>
  call(method, path, "admin", body);

function settingsWith(change: (s: ProgramSettings) => void): ProgramSettings {
  const s = structuredClone(DEFAULT_PROGRAM_SETTINGS);
  change(s);
  return s;
}

const WITH_CASHBACK = settingsWith((s) => {
  s.timeZone = "Asia/Kolkata";
  s.points.redemption = { cashback: { points: 100, amountMinor: 50 }, minPoints: 200 };
  s.points.pendingDays = 14;
  s.tiers.tiers[1] = {
    name: "Silver",
    thresholdMinor: 2_000_000,
    benefits: { multiplierBps: 12_500 },
  };
});

async function earn(user: string, points: number): Promise<void> {
  const nowMs = Date.now();
  const earned = await walletStub(user).earnPoints(user, {
    key: `test:${user}:${points}`,
    sourceType: "test",
    sourceId: `${user}-${points}`,
    ruleId: "welcome",
    ruleVersion: 1,
    points,
    pendingUntilMs: null,
    validity: { period: "12M" },
    nowMs,
  });
  expect(earned.status).toBe("created");
}

const redeem = (user: string, key: string, body: unknown) =>
  call("POST", "/v1/me/points/redemptions", { user }, body, { "idempotency-key": key });

const activePoints = async (user: string) =>
  (await walletStub(user).getPointsBalance()).activePoints;

describe("program settings", () => {
  it("starts on the defaults as version 0, and a member cannot redeem for cashback", async () => {
    const got = await admin("GET", "/admin/v1/loyalty/program");
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      version: 0,
      savedAt: null,
      settings: DEFAULT_PROGRAM_SETTINGS,
    });
    forgetCachedConfig([PROGRAM_SETTINGS_KEY]);
    expect(await loadProgramSettings(env, () => undefined)).toEqual({
      version: 0,
      settings: DEFAULT_PROGRAM_SETTINGS,
    });

    const user = uniqueUser("no-rate");
    await earn(user, 1_000);
    const refused = await redeem(user, "no-rate-key-1", { kind: "cashback", points: 500 });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe("redemption_unavailable");
    expect(await activePoints(user)).toBe(1_000);
  });

  it("refuses invalid settings with every problem at its path, and saves nothing", async () => {
    const bad = settingsWith((s) => {
      s.timeZone = "Mars/Olympus";
      s.tiers.tiers = [
        { name: "Bronze", thresholdMinor: 0 },
        { name: "Silver", thresholdMinor: 500 },
        { name: "Gold", thresholdMinor: 400 },
      ];
    });
    const saved = await admin("PUT", "/admin/v1/loyalty/program", { settings: bad });
    expect(saved.status).toBe(400);
    const paths = (saved.body.errors as { path: string }[]).map((e) => e.path);
    expect(paths).toEqual(["settings.timeZone", "settings.tiers.tiers.2.thresholdMinor"]);

    const shape = await admin("PUT", "/admin/v1/loyalty/program", {
      settings: settingsWith((s) => {
        s.points.validity.period = "forever";
        s.points.pendingDays = -1;
      }),
    });
    expect(shape.status).toBe(400);
    expect((shape.body.errors as { path: string }[]).map((e) => e.path).sort()).toEqual([
      "settings.points.pendingDays",
      "settings.points.validity.period",
    ]);
    expect((await admin("GET", "/admin/v1/loyalty/program")).body.version).toBe(0);
  });

  it("saves a new version, propagates it to the config cache, and lists versions", async () => {
    const saved = await admin("PUT", "/admin/v1/loyalty/program", {
      settings: WITH_CASHBACK,
      expectedVersion: 0,
      note: "cashback at 2 points a paisa",
    });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ version: 1, settings: WITH_CASHBACK });
    expect(saved.body.savedBy).toEqual(expect.any(String));

    const cached = await env.CONFIG_KV.get<{ version: number }>(PROGRAM_SETTINGS_KEY, "json");
    expect(cached?.version).toBe(1);
    forgetCachedConfig([PROGRAM_SETTINGS_KEY]);
    const loaded = await loadProgramSettings(env, () => undefined);
    expect(loaded).toEqual({ version: 1, settings: WITH_CASHBACK });

    // The same settings again make no new version.
    const again = await admin("PUT", "/admin/v1/loyalty/program", { settings: WITH_CASHBACK });
    expect(again.body.version).toBe(1);

    const second = settingsWith((s) => {
      Object.assign(s, structuredClone(WITH_CASHBACK));
      s.tiers.graceDays = 60;
    });
    expect(
      (await admin("PUT", "/admin/v1/loyalty/program", { settings: second, expectedVersion: 1 }))
        .body.version,
    ).toBe(2);

    const list = await admin("GET", "/admin/v1/loyalty/program/versions?limit=1");
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).toMatchObject({ version: 2, current: true });
    const rest = await admin(
      "GET",
      `/admin/v1/loyalty/program/versions?cursor=${list.body.nextCursor}`,
    );
    expect(rest.body.items).toMatchObject([
      { version: 1, current: false, note: "cashback at 2 points a paisa" },
    ]);
    expect(rest.body.nextCursor).toBeNull();
  });

  it("refuses a save made from an older version (a lost update) with 409", async () => {
    const stale = await admin("PUT", "/admin/v1/loyalty/program", {
      settings: DEFAULT_PROGRAM_SETTINGS,
      expectedVersion: 1,
    });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe("conflict");
    expect((await admin("GET", "/admin/v1/loyalty/program")).body.version).toBe(2);
  });

  it("lets catalog change the program and every role read it; the change is audited", async () => {
    const body = JSON.stringify({ settings: WITH_CASHBACK, expectedVersion: 2 });
    const viewer = await api(
      "/admin/v1/loyalty/program",
      withKey(TEST_KEYS.viewer, { method: "PUT", body }),
    );
    expect(viewer.status).toBe(403);
    const read = await api("/admin/v1/loyalty/program", withKey(TEST_KEYS.viewer));
    expect(read.status).toBe(200);
    const catalog = await api(
      "/admin/v1/loyalty/program",
      withKey(TEST_KEYS.catalog, { method: "PUT", body }),
    );
    expect(catalog.status).toBe(200);
    expect(((await catalog.json()) as { version: number }).version).toBe(3);

    const audit = (await (
      await api(
        "/admin/v1/audit-log?pathPrefix=/admin/v1/loyalty/program",
        withKey(TEST_KEYS.reader),
      )
    ).json()) as { items: { actor: string; status: number; operationId: string | null }[] };
    expect(audit.items[0]).toMatchObject({
      actor: "test-catalog",
      status: 200,
      operationId: "putLoyaltyProgram",
    });
    expect(audit.items.some((e) => e.status === 403)).toBe(true);
  });
});

describe("redeeming points for cashback", () => {
  it("converts at the program's rate, once per Idempotency-Key", async () => {
    const user = uniqueUser("cashback");
    await earn(user, 1_000);
    const first = await redeem(user, "cashback-key-1", { kind: "cashback", points: 500 });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      id: "cashback-key-1",
      kind: "cashback",
      points: 500,
      cashback: { amountMinor: 250, currency: "INR" },
      voucher: null,
    });
    const repeat = await redeem(user, "cashback-key-1", { kind: "cashback", points: 500 });
    expect(repeat.status).toBe(200);
    expect(repeat.body).toEqual(first.body);

    const other = await redeem(user, "cashback-key-1", { kind: "cashback", points: 300 });
    expect(other.status).toBe(409);
    expect(other.body.code).toBe("idempotency_conflict");

    const below = await redeem(user, "cashback-key-2", { kind: "cashback", points: 100 });
    expect(below.status).toBe(422);
    expect(below.body.code).toBe("below_minimum");

    const tooMany = await redeem(user, "cashback-key-3", { kind: "cashback", points: 5_000 });
    expect(tooMany.status).toBe(409);
    expect(tooMany.body.code).toBe("insufficient_points");
    expect(tooMany.body.detail).toContain("500 available");

    expect(await activePoints(user)).toBe(500);
    const money = await walletStub(user).getBalances();
    expect(money.find((b) => b.bucket === "confirmed")?.balanceMinor).toBe(250);
  });

  it("refuses a request without an Idempotency-Key", async () => {
    const user = uniqueUser("no-key");
    const { response } = await exchange(validator, {
      method: "POST",
      path: "/v1/me/points/redemptions",
      as: { user },
      body: { kind: "cashback", points: 500 },
    });
    expect(response.status).toBe(400);
  });
});

describe("voucher pools", () => {
  it("creates a pool, takes codes with duplicates counted, and lists counts", async () => {
    const created = await admin("POST", "/admin/v1/loyalty/voucher-pools", {
      id: "coffee-100",
      name: "Coffee voucher",
      pointsCost: 100,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: "coffee-100",
      active: true,
      codes: { total: 0, issued: 0, left: 0 },
    });
    const again = await admin("POST", "/admin/v1/loyalty/voucher-pools", {
      id: "coffee-100",
      name: "Coffee voucher",
      pointsCost: 100,
    });
    expect(again.status).toBe(409);

    const upload = await admin("POST", "/admin/v1/loyalty/voucher-pools/coffee-100/codes", {
      codes: ["C-1", "C-2", "C-3", "C-2"],
    });
    expect(upload.body).toMatchObject({ added: 3, duplicates: 1 });
    const more = await admin("POST", "/admin/v1/loyalty/voucher-pools/coffee-100/codes", {
      codes: ["C-3", "C-4", "C-5"],
    });
    expect(more.body).toMatchObject({ added: 2, duplicates: 1, pool: { codes: { total: 5 } } });

    const big = Array.from({ length: 1_000 }, (_, i) => `BIG-${i}`);
    const bulk = await admin("POST", "/admin/v1/loyalty/voucher-pools", {
      id: "bulk",
      name: "Bulk",
      pointsCost: 10,
      active: false,
    });
    expect(bulk.status).toBe(201);
    const bulkUpload = await admin("POST", "/admin/v1/loyalty/voucher-pools/bulk/codes", {
      codes: big,
    });
    expect(bulkUpload.body).toMatchObject({ added: 1_000, duplicates: 0 });
    const tooBig = await admin("POST", "/admin/v1/loyalty/voucher-pools/bulk/codes", {
      codes: [...big, "one-more"],
    });
    expect(tooBig.status).toBe(400);

    const list = await admin("GET", "/admin/v1/loyalty/voucher-pools");
    const byId = Object.fromEntries(
      (list.body.items as { id: string; codes: unknown }[]).map((p) => [p.id, p.codes]),
    );
    expect(byId["coffee-100"]).toEqual({ total: 5, issued: 0, left: 5 });
    expect(byId.bulk).toEqual({ total: 1_000, issued: 0, left: 1_000 });
    expect(JSON.stringify(list.body)).not.toContain("C-1");
  });

  it("issues each code once: 20 concurrent redemptions for 5 codes", async () => {
    const users = Array.from({ length: 20 }, () => uniqueUser("voucher"));
    await Promise.all(users.map((u) => earn(u, 150)));
    const answers = await Promise.all(
      users.map((u) => redeem(u, `voucher-${u}`, { kind: "voucher", poolId: "coffee-100" })),
    );
    const won = answers.filter((a) => a.status === 201);
    const lost = answers.filter((a) => a.status !== 201);
    expect(won).toHaveLength(5);
    const codes = won.map((a) => a.body.voucher.code as string);
    expect(new Set(codes).size).toBe(5);
    expect(codes.sort()).toEqual(["C-1", "C-2", "C-3", "C-4", "C-5"]);
    expect(lost.map((a) => [a.status, a.body.code])).toEqual(
      Array.from({ length: 15 }, () => [409, "voucher_pool_empty"]),
    );
    const points = await Promise.all(users.map(activePoints));
    expect(points.filter((p) => p === 50)).toHaveLength(5);
    expect(points.filter((p) => p === 150)).toHaveLength(15);

    const pool = await admin("GET", "/admin/v1/loyalty/voucher-pools/coffee-100");
    expect(pool.body.codes).toEqual({ total: 5, issued: 5, left: 0 });

    // A retry of a winner gets the same code; the same key for another pool is a conflict.
    const winner = users[answers.findIndex((a) => a.status === 201)] as string;
    const retry = await redeem(winner, `voucher-${winner}`, {
      kind: "voucher",
      poolId: "coffee-100",
    });
    expect(retry.status).toBe(200);
    expect(retry.body.voucher.code).toBe(won[0]?.body.voucher.code);
    const otherPool = await redeem(winner, `voucher-${winner}`, {
      kind: "voucher",
      poolId: "bulk",
    });
    expect(otherPool.status).toBe(409);
    expect(otherPool.body.code).toBe("idempotency_conflict");
  });

  it("gives one code to the same redemption sent twice at once", async () => {
    await admin("POST", "/admin/v1/loyalty/voucher-pools", {
      id: "twice",
      name: "Twice",
      pointsCost: 50,
    });
    await admin("POST", "/admin/v1/loyalty/voucher-pools/twice/codes", {
      codes: ["W-1", "W-2", "W-3"],
    });
    const user = uniqueUser("twice");
    await earn(user, 500);
    const answers = await Promise.all(
      [1, 2, 3].map(() => redeem(user, "twice-key-01", { kind: "voucher", poolId: "twice" })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 201]);
    expect(new Set(answers.map((a) => a.body.voucher.code)).size).toBe(1);
    expect(await activePoints(user)).toBe(450);
    expect((await admin("GET", "/admin/v1/loyalty/voucher-pools/twice")).body.codes).toEqual({
      total: 3,
      issued: 1,
      left: 2,
    });
  });

  it("returns the code to the pool when the wallet refuses, and refuses a closed pool", async () => {
    await admin("POST", "/admin/v1/loyalty/voucher-pools", {
      id: "tea-500",
      name: "Tea",
      pointsCost: 500,
    });
    await admin("POST", "/admin/v1/loyalty/voucher-pools/tea-500/codes", { codes: ["T-1"] });
    const poor = uniqueUser("poor");
    await earn(poor, 100);
    const refused = await redeem(poor, "tea-key-0001", { kind: "voucher", poolId: "tea-500" });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe("insufficient_points");
    expect((await admin("GET", "/admin/v1/loyalty/voucher-pools/tea-500")).body.codes).toEqual({
      total: 1,
      issued: 0,
      left: 1,
    });

    // The same key used for cashback first: the voucher is refused and its code released.
    const rich = uniqueUser("rich");
    await earn(rich, 1_000);
    expect((await redeem(rich, "mixed-key-01", { kind: "cashback", points: 200 })).status).toBe(
      201,
    );
    const mixed = await redeem(rich, "mixed-key-01", { kind: "voucher", poolId: "tea-500" });
    expect(mixed.status).toBe(409);
    expect(mixed.body.code).toBe("idempotency_conflict");
    expect((await admin("GET", "/admin/v1/loyalty/voucher-pools/tea-500")).body.codes.left).toBe(1);

    const closed = await redeem(rich, "closed-key-1", { kind: "voucher", poolId: "bulk" });
    expect(closed.status).toBe(409);
    expect(closed.body.code).toBe("redemption_unavailable");
    // Opened (and made dearer), the same pool issues a code at its new cost.
    const opened = await admin("PUT", "/admin/v1/loyalty/voucher-pools/bulk", {
      name: "Bulk",
      pointsCost: 20,
      active: true,
    });
    expect(opened.body).toMatchObject({ active: true, pointsCost: 20 });
    const fromOpened = await redeem(rich, "opened-key-1", { kind: "voucher", poolId: "bulk" });
    expect(fromOpened.status).toBe(201);
    expect(fromOpened.body.points).toBe(20);
    const closedAgain = await admin("PUT", "/admin/v1/loyalty/voucher-pools/bulk", {
      name: "Bulk",
      pointsCost: 20,
      active: false,
    });
    expect(closedAgain.body.active).toBe(false);
    const missingPool = await admin("PUT", "/admin/v1/loyalty/voucher-pools/nope", {
      name: "x",
      pointsCost: 1,
      active: true,
    });
    expect(missingPool.status).toBe(404);
    const missing = await redeem(rich, "missing-key-1", { kind: "voucher", poolId: "nope" });
    expect(missing.status).toBe(404);
    expect(await activePoints(rich)).toBe(780);
  });
});
