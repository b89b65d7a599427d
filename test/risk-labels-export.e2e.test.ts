import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { RiskHoldProjection } from "#shared/messages";
import { EXPORT_PART_BYTES } from "#workers/api/src/features/risk-labels/export";
import { createLabelsExport } from "#workers/api/src/features/risk-labels/index";
import { labelledHoldsQuery } from "#workers/api/src/features/risk-labels/store";
import { TEST_KEYS, withKey } from "./access-keys";
import { api, eventually, uniqueUser } from "./helpers";

/**
 * The labels export (docs/fraud.md "Labels export"): decided holds with a label, seeded into
 * D1 through the real LEDGER_EVENTS consumer, exported through the admin API into the
 * RISK_EXPORTS bucket and downloaded back as CSV.
 */

const HEADER =
  "user_id,hold_id,kind,source,rule_id,rule_version,reason_codes,placed_at,ended_at," +
  "decided_by,label,score_at_decision,reasons_at_decision";

// A window of its own: rows other tests project never fall in it.
const BASE = Date.UTC(2021, 0, 1) + Math.floor(Math.random() * 1_000_000) * 1_000;
const TO = BASE + 10_000;
const iso = (ms: number) => new Date(ms).toISOString();

type Hold = RiskHoldProjection["hold"];

function hold(holdId: string, overrides: Partial<Hold>): Hold {
  return {
    holdId,
    kind: "payouts",
    subjectRef: null,
    source: "rule",
    ruleId: "device-ring",
    ruleVersion: 3,
    reasons: [{ code: "shared_device", score: 40, detail: "3 accounts on one device" }],
    status: "upheld",
    placedAtMs: BASE - 60_000,
    autoReleaseAtMs: null,
    endedAtMs: null,
    endedHow: "operator",
    decidedBy: "ops@example.com",
    decisionNote: "called the user",
    label: null,
    decisionSignals: null,
    version: 2,
    ...overrides,
  };
}

const alice = uniqueUser("labels-a");
const bob = uniqueUser("labels-b");
const signals = {
  score: 70,
  reasons: [
    { code: "shared_device", score: 40, detail: "3 accounts on one device" },
    { code: "click_velocity", score: 30, detail: "60 clicks, one hour" },
  ],
};
const SEEDED: Array<{ userId: string; hold: Hold }> = [
  // In the range, with a label: exported, ordered by (ended, user, hold).
  {
    userId: alice,
    hold: hold("rule:device-ring:o1:payouts", {
      endedAtMs: BASE + 1_000,
      label: "fraud",
      decisionSignals: signals,
      reasons: signals.reasons,
    }),
  },
  {
    userId: bob,
    hold: hold("risk_unavailable:po-1", {
      source: "risk_unavailable",
      ruleId: null,
      ruleVersion: null,
      reasons: [{ code: "risk_unavailable", score: 0, detail: "scoring was down" }],
      status: "released",
      endedAtMs: BASE + 2_000,
      label: "unsure",
      // A formula a spreadsheet would run: written with a leading ' (console/csv.ts).
      decidedBy: "=cmd|' /C calc'!A0",
    }),
  },
  {
    userId: alice,
    hold: hold("rule:device-ring:o2:transaction", {
      kind: "transaction",
      subjectRef: "txn_1",
      status: "released",
      endedAtMs: BASE + 2_000,
      label: "not_fraud",
      decisionSignals: { score: 10, reasons: [] },
    }),
  },
  // Left out: no label, still active, ended before the range, ended at its (exclusive) end.
  { userId: alice, hold: hold("no-label", { endedAtMs: BASE + 3_000, endedHow: "auto" }) },
  {
    userId: bob,
    hold: hold("active", { status: "active", endedHow: null, decidedBy: null, version: 1 }),
  },
  { userId: bob, hold: hold("before", { endedAtMs: BASE - 1, label: "fraud" }) },
  { userId: bob, hold: hold("at-end", { endedAtMs: TO, label: "fraud" }) },
];

const EXPECTED_ROWS = [
  `${alice},rule:device-ring:o1:payouts,payouts,rule,device-ring,3,shared_device click_velocity,` +
    `${iso(BASE - 60_000)},${iso(BASE + 1_000)},ops@example.com,fraud,70,` +
    `"[{""code"":""shared_device"",""score"":40,""detail"":""3 accounts on one device""},` +
    `{""code"":""click_velocity"",""score"":30,""detail"":""60 clicks, one hour""}]"`,
  // Same end time: user ids break the tie (alice's id sorts before bob's: "labels-a" < "labels-b").
  `${alice},rule:device-ring:o2:transaction,transaction,rule,device-ring,3,shared_device,` +
    `${iso(BASE - 60_000)},${iso(BASE + 2_000)},ops@example.com,not_fraud,10,[]`,
  `${bob},risk_unavailable:po-1,payouts,risk_unavailable,,,risk_unavailable,` +
    `${iso(BASE - 60_000)},${iso(BASE + 2_000)},'=cmd|' /C calc'!A0,unsure,,`,
];

const finance = TEST_KEYS.finance;
const post = (body: unknown, key: string = finance) =>
  api(
    "/admin/v1/risk/labels/exports",
    withKey(key, { method: "POST", body: JSON.stringify(body) }),
  );

interface ExportView {
  id: string;
  key: string;
  rows: number;
  bytes: number;
  fromMs: number;
  toMs: number;
  maxRows: number;
  truncated: boolean;
  createdAtMs: number;
  createdBy: string;
}

async function exportOf(body: unknown): Promise<ExportView> {
  const response = await post(body);
  expect(response.status, await response.clone().text()).toBe(201);
  return ((await response.json()) as { export: ExportView }).export;
}

async function download(id: string, key: string = finance): Promise<Response> {
  return api(`/admin/v1/risk/labels/exports/${id}`, withKey(key));
}

beforeAll(async () => {
  // Sent as the wallets will send them: through LEDGER_EVENTS to the real consumer.
  await env.LEDGER_EVENTS.sendBatch(
    SEEDED.map(({ userId, hold: h }) => ({
      body: { kind: "risk_hold", userId, hold: h } satisfies RiskHoldProjection,
    })),
  );
  await eventually(async () => {
    const row = await env.DB.prepare(`SELECT COUNT(*) AS n FROM risk_holds WHERE user_id IN (?, ?)`)
      .bind(alice, bob)
      .first<{ n: number }>();
    return row?.n === SEEDED.length;
  });
});

describe("labels export", () => {
  it("writes the labelled holds that ended in the range, oldest first, with the signals at decision", async () => {
    const written = await exportOf({ fromMs: BASE, toMs: TO });
    expect(written).toMatchObject({
      rows: 3,
      fromMs: BASE,
      toMs: TO,
      maxRows: 50_000,
      truncated: false,
      createdBy: "test-finance",
    });
    expect(written.key).toBe(`risk-labels/exports/${written.id}.csv`);

    const response = await download(written.id);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("x-export-rows")).toBe("3");
    expect(response.headers.get("x-export-truncated")).toBe("false");
    const csv = await response.text();
    expect(csv).toBe(`${[HEADER, ...EXPECTED_ROWS].join("\r\n")}\r\n`);
    expect(new TextEncoder().encode(csv).byteLength).toBe(written.bytes);

    // The bucket holds the file where the export says.
    const object = await env.RISK_EXPORTS.get(written.key);
    expect(await object?.text()).toBe(csv);
  });

  it("a narrower range keeps only what ended in it", async () => {
    const written = await exportOf({ fromMs: BASE + 1_500, toMs: BASE + 2_001 });
    expect(written.rows).toBe(2);
    const csv = await (await download(written.id)).text();
    expect(csv).toBe(`${[HEADER, ...EXPECTED_ROWS.slice(1)].join("\r\n")}\r\n`);
    // Nothing in the range: the header alone.
    const empty = await exportOf({ fromMs: BASE + 5_000, toMs: BASE + 6_000 });
    expect(empty).toMatchObject({ rows: 0, truncated: false });
    expect(await (await download(empty.id)).text()).toBe(`${HEADER}\r\n`);
  });

  it("maxRows cuts the export off and says so; an export that fits exactly is not cut", async () => {
    const cut = await exportOf({ fromMs: BASE, toMs: TO, maxRows: 2 });
    expect(cut).toMatchObject({ rows: 2, maxRows: 2, truncated: true });
    const response = await download(cut.id);
    expect(response.headers.get("x-export-truncated")).toBe("true");
    expect(await response.text()).toBe(
      `${[HEADER, ...EXPECTED_ROWS.slice(0, 2)].join("\r\n")}\r\n`,
    );

    const exact = await exportOf({ fromMs: BASE, toMs: TO, maxRows: 3 });
    expect(exact).toMatchObject({ rows: 3, truncated: false });
  });

  it("reads D1 a page at a time: any page size writes the same file", async () => {
    const whole = await exportOf({ fromMs: BASE, toMs: TO });
    const expected = await (await download(whole.id)).text();
    for (const pageRows of [1, 2]) {
      const paged = await createLabelsExport(env, {
        fromMs: BASE,
        toMs: TO,
        maxRows: 50_000,
        createdBy: "test",
        nowMs: Date.now(),
        pageRows,
      });
      expect(paged.rows).toBe(3);
      expect(await (await env.RISK_EXPORTS.get(paged.key))?.text()).toBe(expected);
      // Cut off on a page boundary, and inside a page.
      for (const maxRows of [1, 2]) {
        const cut = await createLabelsExport(env, {
          fromMs: BASE,
          toMs: TO,
          maxRows,
          createdBy: "test",
          nowMs: Date.now(),
          pageRows,
        });
        expect(cut).toMatchObject({ rows: maxRows, truncated: true });
        expect(await (await env.RISK_EXPORTS.get(cut.key))?.text()).toBe(
          `${[HEADER, ...EXPECTED_ROWS.slice(0, maxRows)].join("\r\n")}\r\n`,
        );
      }
    }
  });

  it("reads each page from the labelled-holds index, without sorting the range", async () => {
    const after = { endedAtMs: BASE + 1_000, userId: alice, holdId: "x" };
    const query = labelledHoldsQuery(env.DB, { fromMs: BASE, toMs: TO }, after, 500).toSQL();
    const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${query.sql}`)
      .bind(...query.params)
      .all<{ detail: string }>();
    const details = plan.results.map((r) => r.detail).join("\n");
    expect(details).toContain("risk_holds_labelled_idx");
    expect(details).not.toContain("TEMP B-TREE");
  });

  it("lists the exports newest first, a page at a time", async () => {
    const first = await exportOf({ fromMs: BASE, toMs: TO });
    await new Promise((r) => setTimeout(r, 5));
    const second = await exportOf({ fromMs: BASE, toMs: BASE + 1_500 });
    const page = await api("/admin/v1/risk/labels/exports?limit=1", withKey(TEST_KEYS.support));
    expect(page.status).toBe(200);
    const body = (await page.json()) as { exports: ExportView[]; nextCursor: string | null };
    expect(body.exports).toEqual([second]);
    expect(body.nextCursor).toBe(second.id);
    const next = (await (
      await api(
        `/admin/v1/risk/labels/exports?limit=1&cursor=${body.nextCursor}`,
        withKey(TEST_KEYS.support),
      )
    ).json()) as { exports: ExportView[] };
    expect(next.exports).toEqual([first]);
  });

  it("support lists and downloads but may not create one", async () => {
    const written = await exportOf({ fromMs: BASE, toMs: TO });
    const refused = await post({ fromMs: BASE, toMs: TO }, TEST_KEYS.support);
    expect(refused.status).toBe(403);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    const downloaded = await download(written.id, TEST_KEYS.support);
    expect(downloaded.status).toBe(200);
    expect((await downloaded.text()).startsWith(HEADER)).toBe(true);
  });

  it.each([
    { name: "toMs equal to fromMs", body: { fromMs: BASE, toMs: BASE }, path: "toMs" },
    { name: "toMs before fromMs", body: { fromMs: BASE, toMs: BASE - 1 }, path: "toMs" },
    {
      name: "a range over 366 days",
      body: { fromMs: BASE, toMs: BASE + 367 * 86_400_000 },
      path: "toMs",
    },
    { name: "maxRows 0", body: { fromMs: BASE, toMs: TO, maxRows: 0 }, path: "maxRows" },
    {
      name: "maxRows past the bound",
      body: { fromMs: BASE, toMs: TO, maxRows: 200_001 },
      path: "maxRows",
    },
    { name: "a missing toMs", body: { fromMs: BASE }, path: "toMs" },
    { name: "an unknown field", body: { fromMs: BASE, toMs: TO, label: "fraud" }, path: "" },
  ])("refuses $name with a 400 problem", async ({ body, path }) => {
    const response = await post(body);
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    const problem = (await response.json()) as { errors?: Array<{ path: string }> };
    if (path) expect(problem.errors?.map((e) => e.path)).toContain(path);
  });

  it("an unknown export is a 404, a malformed id a 400", async () => {
    const missing = await download("rlx_1700000000000_0123456789abcdef");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toContain("application/problem+json");
    expect((await download("not-an-id")).status).toBe(400);
  });
});

describe("labels export past one part", () => {
  it("uploads a file larger than a part in parts, and downloads it whole", async () => {
    // 55 rows of about 100 KB (signals with a long detail): past one 5 MiB part.
    const userId = uniqueUser("labels-big");
    const from = BASE + 100_000;
    const detail = "d".repeat(100_000);
    const rows = 55;
    for (let i = 0; i < rows; i++) {
      // One message each: a queue batch is at most 256 KB.
      await env.LEDGER_EVENTS.send({
        kind: "risk_hold",
        userId,
        hold: hold(`big-${String(i).padStart(2, "0")}`, {
          endedAtMs: from + i,
          label: "fraud",
          decisionSignals: { score: 50, reasons: [{ code: "long", score: 50, detail }] },
        }),
      } satisfies RiskHoldProjection);
    }
    await eventually(async () => {
      const row = await env.DB.prepare(`SELECT COUNT(*) AS n FROM risk_holds WHERE user_id = ?`)
        .bind(userId)
        .first<{ n: number }>();
      return row?.n === rows;
    }, 30_000);

    const written = await exportOf({ fromMs: from, toMs: from + 1_000 });
    expect(written.rows).toBe(rows);
    expect(written.bytes).toBeGreaterThan(EXPORT_PART_BYTES);
    expect(written.bytes).toBeLessThan(2 * EXPORT_PART_BYTES);
    // A multipart object's etag ends with its part count.
    expect((await env.RISK_EXPORTS.head(written.key))?.etag).toMatch(/-2$/);

    const csv = await (await download(written.id)).text();
    expect(new TextEncoder().encode(csv).byteLength).toBe(written.bytes);
    const lines = csv.split("\r\n");
    expect(lines[0]).toBe(HEADER);
    expect(lines.slice(1, -1).map((l) => l.split(",")[1])).toEqual(
      Array.from({ length: rows }, (_, i) => `big-${String(i).padStart(2, "0")}`),
    );
    expect(lines.at(-1)).toBe("");
    for (const line of lines.slice(1, -1)) expect(line).toContain(detail);
  }, 60_000);
});
