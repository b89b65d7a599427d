import {
  createExecutionContext,
  createMessageBatch,
  getQueueResult,
  runDurableObjectAlarm,
  runInDurableObject,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type ChainEntry, entryHash, genesisHash } from "#durable-objects/wallet/ledger/chain";
import {
  CHAIN_SEAL_RETRY_MS,
  chainHead,
  sealChainChunk,
  verifyChain,
} from "#durable-objects/wallet/ledger/chain-store";
import { type ExportPage, verifyExport } from "#scripts/verify-ledger";
import { transactionIdFor } from "#shared/ids";
import type { WalletAuditMessage } from "#shared/payouts/types";
import { fullVerifyDue } from "#workers/api/src/features/payouts/audit-anchors";
import apiWorker from "#workers/api/src/index";
import { ADMIN_HEADERS, adminPut, api, balances, uniqueUser, walletStub } from "./helpers";
import { recordTestClick } from "./payout-helpers";

/**
 * The ledger's hash chain (docs/ledger.md "Tamper evidence") through the wallet object: every
 * posting's entries are hashed as they are written, and a row edited or deleted behind the
 * ledger's back is named by the audit.
 */

const clickOf = new Map<string, { clickId: string; clickedAtMs: number }>();

/** A wallet with `orders` approved conversions, each credited the way the postback path does. */
async function walletWithOrders(
  label: string,
  orders: number,
  status: "approved" | "pending" = "approved",
): Promise<string> {
  const userId = uniqueUser(label);
  const { clickId, clickedAtMs } = await recordTestClick(userId);
  for (let i = 0; i < orders; i++) {
    await order(userId, clickId, `O${i}-${userId}`, clickedAtMs, status);
  }
  clickOf.set(userId, { clickId, clickedAtMs });
  return userId;
}

async function order(
  userId: string,
  clickId: string,
  orderId: string,
  clickedAtMs: number,
  status: "approved" | "pending" = "approved",
) {
  await walletStub(userId).applyConversion({
    txnId: await transactionIdFor("test-net", orderId),
    postbackId: `pb_${orderId}`,
    networkId: "test-net",
    orderId,
    userId,
    offerId: "test-shop-offer",
    clickId,
    clickAtSec: Math.floor(clickedAtMs / 1000),
    status,
    currency: "INR",
    saleAmountMinor: 20_000,
    commissionMinor: 0,
    category: null,
    lineItems: null,
    occurredAtMs: clickedAtMs + 1_000,
    updatedAtMs: clickedAtMs + 1_000,
    receivedAtMs: Date.now(),
  });
}

type Row = ChainEntry & { hash: string | null };

function rowsOf(userId: string): Promise<Row[]> {
  return runInDurableObject(walletStub(userId), (_i, state) =>
    state.storage.sql.exec<Row>(`SELECT * FROM entries ORDER BY seq`).toArray(),
  );
}

function tamper(userId: string, statement: string, ...bindings: unknown[]): Promise<void> {
  return runInDurableObject(walletStub(userId), (_i, state) => {
    state.storage.sql.exec(statement, ...bindings);
  });
}

describe("ledger hash chain", () => {
  it("hashes every entry as it is written, from the user's genesis, up to the stored head", async () => {
    const userId = await walletWithOrders("chain-ok", 3);
    const rows = await rowsOf(userId);
    expect(rows.length).toBeGreaterThanOrEqual(3);
    // Recomputed outside the wallet: genesis from the user id, then each entry on the last.
    let prev = genesisHash(userId);
    for (const { hash, ...entry } of rows) {
      expect(hash).toBe(entryHash(prev, entry));
      prev = hash ?? "";
    }
    expect(await walletStub(userId).audit()).toEqual({ ok: true, violations: [] });
    const { chain } = await walletStub(userId).auditFrom(null);
    expect(chain).toMatchObject({ status: "ok", firstBadSeq: null, checked: rows.length });
    expect(chain.headSeq).toBe(rows.at(-1)?.seq);
    expect(chain.headHash).toBe(prev);
    const head = await runInDurableObject(walletStub(userId), (_i, s) => chainHead(s.storage.sql));
    expect(head).toEqual({ seq: chain.headSeq, hash: chain.headHash });
  });

  it.each([
    ["amount", `UPDATE entries SET amount_minor = amount_minor + 1 WHERE seq = ?`],
    ["balance after", `UPDATE entries SET balance_after_minor = 1 WHERE seq = ?`],
    ["memo", `UPDATE entries SET memo = 'nothing to see' WHERE seq = ?`],
    ["kind", `UPDATE entries SET kind = 'bonus' WHERE seq = ?`],
    ["deleted row", `DELETE FROM entries WHERE seq = ?`],
  ])(
    "an entry's %s changed behind the ledger's back: the audit names that entry",
    async (_what, statement) => {
      const userId = await walletWithOrders("chain-tamper", 3);
      const rows = await rowsOf(userId);
      const target = rows[1]?.seq ?? 0;
      expect(target).toBeGreaterThan(1);
      await tamper(userId, statement, target);
      const audit = await walletStub(userId).audit();
      expect(audit.ok).toBe(false);
      expect(audit.violations.filter((v) => v.startsWith("ledger chain:"))).toEqual([
        expect.stringMatching(new RegExp(`^ledger chain: entry ${target}: `)),
      ]);
      const { chain } = await walletStub(userId).auditFrom(null);
      expect(chain).toMatchObject({ status: "broken", firstBadSeq: target, headSeq: target - 1 });
    },
  );

  it("the newest entry deleted, or its hash rewritten: named against the stored head", async () => {
    const userId = await walletWithOrders("chain-head", 2);
    const last = (await rowsOf(userId)).at(-1)?.seq ?? 0;
    await tamper(userId, `DELETE FROM entries WHERE seq = ?`, last);
    expect((await walletStub(userId).auditFrom(null)).chain).toMatchObject({
      status: "broken",
      firstBadSeq: last,
    });

    const other = await walletWithOrders("chain-rehash", 2);
    const rows = await rowsOf(other);
    // A forger who recomputes the edited row's hash still breaks the next one.
    const edited = { ...(rows[0] as Row), amount_minor: 1 };
    const { hash: _h, ...entry } = edited;
    await tamper(
      other,
      `UPDATE entries SET amount_minor = 1, hash = ? WHERE seq = ?`,
      entryHash(genesisHash(other), entry),
      edited.seq,
    );
    expect((await walletStub(other).auditFrom(null)).chain).toMatchObject({
      status: "broken",
      firstBadSeq: rows[1]?.seq,
    });
  });

  it("an entry whose seq is not the head's + 1 (the table's sequence ran past the head) is hashed as stored", async () => {
    const userId = await walletWithOrders("chain-gap", 1);
    const before = await rowsOf(userId);
    const head = before.at(-1) as Row;
    // A row inserted past the head and removed again leaves the AUTOINCREMENT sequence ahead.
    await tamper(
      userId,
      `INSERT INTO entries (seq, idempotency_key, posting_key, bucket, currency, amount_minor,
         balance_after_minor, kind, created_at_ms) VALUES (?, 'gap', 'gap', 'pending', 'INR', 0, 0, 'x', 0)`,
      head.seq + 10,
    );
    await tamper(userId, `DELETE FROM entries WHERE seq = ?`, head.seq + 10);
    const { clickId, clickedAtMs } = clickOf.get(userId) ?? { clickId: "", clickedAtMs: 0 };
    await order(userId, clickId, `O-gap-${userId}`, clickedAtMs);
    const added = (await rowsOf(userId)).slice(before.length);
    expect(added.length).toBeGreaterThan(0);
    expect(added[0]?.seq).toBe(head.seq + 11);
    let prev = head.hash ?? "";
    for (const { hash, ...entry } of added) {
      expect(hash).toBe(entryHash(prev, entry));
      prev = hash ?? "";
    }
    // The chain links, and the audit names the gap itself: seqs are contiguous in a ledger
    // nobody touched, so a missing seq reads as a deleted row.
    expect(await walletStub(userId).audit()).toEqual({
      ok: false,
      violations: [`ledger chain: entry ${head.seq + 1}: entry is missing`],
    });
  });

  it("a wallet from before the chain is sealed in bounded chunks, continued by alarm", async () => {
    const userId = await walletWithOrders("chain-seal", 3);
    const hashed = await rowsOf(userId);
    // As schema step 32 leaves a wallet with older entries: no hashes, no head, sealing due.
    await runInDurableObject(walletStub(userId), async (_i, state) => {
      // No alarm left from the setup's writes may seal before this test runs a chunk itself.
      await state.storage.deleteAlarm();
      const sql = state.storage.sql;
      sql.exec(`UPDATE entries SET hash = NULL`);
      sql.exec(`DELETE FROM meta WHERE key = 'chain_head'`);
      sql.exec(`INSERT INTO meta (key, value) VALUES ('chain_sealing', '1')`);
      // Due in an hour, so no alarm the test's own postings arm seals before the test says so
      // (the runtime fires due alarms by itself); made due before the alarm loop below.
      sql.exec(
        `INSERT INTO schedule (kind, ref, due_at_ms) VALUES ('chain_seal', 'entries', ${Date.now() + 3_600_000})`,
      );
    });
    // Sealing: no violation, the audit says so.
    expect(await walletStub(userId).audit()).toEqual({ ok: true, violations: [] });
    expect((await walletStub(userId).auditFrom(null)).chain.status).toBe("sealing");

    // One chunk of two rows: two hashed, the rest waits.
    const more = await runInDurableObject(walletStub(userId), (_i, state) => {
      const sql = state.storage.sql;
      const result = state.storage.transactionSync(() => sealChainChunk(sql, Date.now(), 2));
      // The chunk schedules the next one now; held back an hour again, so the alarm the next
      // postings arm cannot seal their entries before the test has looked at them.
      sql.exec(
        `UPDATE schedule SET due_at_ms = ? WHERE kind = 'chain_seal'`,
        Date.now() + 3_600_000,
      );
      return result;
    });
    expect(more).toBe(true);
    expect((await rowsOf(userId)).map((r) => r.hash !== null)).toEqual(
      hashed.map((_r, i) => i < 2),
    );

    // A posting while sealing is inserted unhashed and sealed in its turn.
    const clickId = `clk_${crypto.randomUUID().replaceAll("-", "")}`;
    await walletStub(userId).recordClicks(userId, [
      {
        clickId,
        offerId: "test-shop-offer",
        merchantId: "test-shop",
        networkId: "test-net",
        clickedAtMs: Date.now() - 60_000,
        currency: "INR",
        terms: { basis: "sale", defaultRateBps: 500, categoryRates: {} },
        returnWindowDays: 30,
      },
    ]);
    await order(userId, clickId, `late-${userId}`, Date.now() - 60_000);
    expect((await rowsOf(userId)).at(-1)?.hash).toBeNull();

    // The alarm runs the schedule's chain_seal until every row is hashed.
    await runInDurableObject(walletStub(userId), async (_i, state) => {
      state.storage.sql.exec(`UPDATE schedule SET due_at_ms = 0 WHERE kind = 'chain_seal'`);
      await state.storage.setAlarm(Date.now() + 3_600_000);
    });
    for (let i = 0; i < 5 && (await rowsOf(userId)).some((r) => r.hash === null); i++) {
      await runDurableObjectAlarm(walletStub(userId));
    }
    const sealed = await rowsOf(userId);
    expect(sealed.every((r) => r.hash !== null)).toBe(true);
    // The same chain as hashing at insert gives.
    expect(sealed.slice(0, hashed.length).map((r) => r.hash)).toEqual(hashed.map((r) => r.hash));
    const report = await runInDurableObject(walletStub(userId), (_i, s) => ({
      chain: verifyChain(s.storage.sql, null),
      sealing: s.storage.sql.exec(`SELECT 1 FROM meta WHERE key = 'chain_sealing'`).toArray(),
      scheduled: s.storage.sql.exec(`SELECT 1 FROM schedule WHERE kind = 'chain_seal'`).toArray(),
    }));
    expect(report.chain).toMatchObject({ status: "ok", checked: sealed.length });
    expect(report.sealing).toEqual([]);
    expect(report.scheduled).toEqual([]);
    // After sealing, postings are hashed as they are written again.
    await order(userId, clickId, `later-${userId}`, Date.now() - 60_000);
    expect((await rowsOf(userId)).at(-1)?.hash).not.toBeNull();
    expect(await walletStub(userId).audit()).toEqual({ ok: true, violations: [] });
  });
});

describe("the alarm's chain_seal step", () => {
  it("runs in a transaction of its own: a chunk that throws leaves runDue's confirmations committed", async () => {
    // Pending orders: confirmed by runDue once their 30-day return window has passed.
    const userId = await walletWithOrders("chain-seal-throws", 3, "pending");
    // An older wallet still sealing, one of its unsealed rows corrupt (a REAL where the column
    // holds integers, which the chain's encoding refuses): its chunk throws.
    await runInDurableObject(walletStub(userId), async (_i, state) => {
      await state.storage.deleteAlarm();
      const sql = state.storage.sql;
      sql.exec(`UPDATE entries SET hash = NULL`);
      sql.exec(`DELETE FROM meta WHERE key = 'chain_head'`);
      sql.exec(`INSERT INTO meta (key, value) VALUES ('chain_sealing', '1')`);
      sql.exec(`UPDATE entries SET created_at_ms = created_at_ms + 0.5 WHERE seq = 1`);
      sql.exec(`INSERT INTO schedule (kind, ref, due_at_ms) VALUES ('chain_seal', 'entries', 0)`);
    });
    const before = await balances(userId);
    expect(before.confirmed ?? 0).toBe(0);
    // Past the 30-day return window: the three conversions are due to confirm.
    const asOf = Date.now() + 31 * 86_400_000;
    const run = await walletStub(userId).runDue(asOf);
    expect(run.confirmed).toBe(3);
    const after = await balances(userId);
    expect(after.confirmed).toBeGreaterThan(0);
    expect(after.confirmed).toBe(before.pending);
    // The chunk rolled back alone: nothing hashed, still sealing, retried in an hour.
    const state = await runInDurableObject(walletStub(userId), (_i, s) => ({
      hashed: s.storage.sql.exec(`SELECT COUNT(*) AS n FROM entries WHERE hash IS NOT NULL`).one()
        .n,
      sealing: s.storage.sql.exec(`SELECT 1 FROM meta WHERE key = 'chain_sealing'`).toArray()
        .length,
      dueAtMs: s.storage.sql
        .exec<{ due_at_ms: number }>(`SELECT due_at_ms FROM schedule WHERE kind = 'chain_seal'`)
        .toArray()[0]?.due_at_ms,
    }));
    expect(state.hashed).toBe(0);
    expect(state.sealing).toBe(1);
    expect(state.dueAtMs).toBeGreaterThanOrEqual(Date.now() + CHAIN_SEAL_RETRY_MS - 60_000);
    // The confirmations stay: the next run has nothing left to confirm.
    expect((await walletStub(userId).runDue(asOf)).confirmed).toBe(0);
    expect(await balances(userId)).toEqual(after);
  });
});

/** The daily audit's consumer for these wallets, as the queue delivers it. */
async function dailyAudit(runId: string, userIds: string[], vars: Record<string, string> = {}) {
  const batch = createMessageBatch<WalletAuditMessage>(
    "boomerang-wallet-audits",
    userIds.map((userId, i) => ({
      id: `${runId}-${i}`,
      timestamp: new Date(),
      attempts: 1,
      body: { kind: "wallet_audit", runId, userId },
    })),
  );
  const ctx = createExecutionContext();
  await apiWorker.queue(batch, { ...env, ...vars }, ctx);
  return getQueueResult(batch, ctx);
}

/**
 * Vars for an audit that verifies the wallet from its anchor only: a cycle length in which today
 * is not the wallet's full-pass day (with the default 7 days, one wallet id in 7 has its
 * full pass today, and that pass names the first bad entry another way).
 */
function anchoredPassVars(userId: string): Record<string, string> {
  let days = 7;
  while (fullVerifyDue(userId, Date.now(), days)) days += 1;
  return { LEDGER_FULL_VERIFY_DAYS: String(days) };
}

/** The violations the audit run recorded for the user's wallet (its discrepancy's detail). */
async function violationsOf(runId: string, userId: string): Promise<string[]> {
  const finding = await env.DB.prepare(
    `SELECT detail FROM payout_discrepancies
     WHERE run_id = ?1 AND kind = 'wallet_buckets_mismatch' AND subject = ?2`,
  )
    .bind(runId, userId)
    .first<{ detail: string }>();
  return JSON.parse(finding?.detail ?? "{}").violations ?? [];
}

function anchorOf(userId: string) {
  return env.DB.prepare(
    `SELECT head_seq, head_hash, status, first_bad_seq, run_id FROM wallet_chain_anchors WHERE user_id = ?1`,
  )
    .bind(userId)
    .first<{
      head_seq: number;
      head_hash: string;
      status: string;
      first_bad_seq: number | null;
      run_id: string;
    }>();
}

describe("ledger chain anchors", () => {
  it("the daily audit anchors each head in D1 and R2, and verifies from the last anchor", async () => {
    const userId = await walletWithOrders("anchor", 2);
    const other = await walletWithOrders("anchor-other", 1);
    const runId = `run_anchor_${crypto.randomUUID()}`;
    const result = await dailyAudit(runId, [userId, other]);
    expect(result.explicitAcks.sort()).toEqual([`${runId}-0`, `${runId}-1`]);
    const rows = await rowsOf(userId);
    const last = rows.at(-1) as Row;
    expect(await anchorOf(userId)).toEqual({
      head_seq: last.seq,
      head_hash: last.hash,
      status: "ok",
      first_bad_seq: null,
      run_id: runId,
    });
    // One R2 object for the batch, one line per wallet.
    const day = new Date().toISOString().slice(0, 10);
    const listed = await env.LEDGER_ANCHORS.list({ prefix: `ledger-anchors/${day}/${runId}/` });
    expect(listed.objects).toHaveLength(1);
    const text = await (await env.LEDGER_ANCHORS.get(listed.objects[0]?.key ?? ""))?.text();
    const lines = (text ?? "")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.userId).sort()).toEqual([userId, other].sort());
    expect(lines.find((l) => l.userId === userId)).toMatchObject({
      headSeq: last.seq,
      headHash: last.hash,
      status: "ok",
    });

    // The next audit starts at the anchor: it checks only the entries written since.
    const click = clickOf.get(userId);
    await order(userId, click?.clickId ?? "", `after-${userId}`, click?.clickedAtMs ?? 0);
    const since = (await rowsOf(userId)).length - rows.length;
    const { chain } = await walletStub(userId).auditFrom({ seq: last.seq, hash: last.hash ?? "" });
    expect(chain).toMatchObject({ status: "ok", fromSeq: last.seq, checked: since });

    // The anchored entry's stored hash rewritten: it no longer matches its anchor.
    await tamper(userId, `UPDATE entries SET hash = ? WHERE seq = ?`, "0".repeat(64), last.seq);
    const broken = `run_anchor_${crypto.randomUUID()}`;
    await dailyAudit(broken, [userId], anchoredPassVars(userId));
    expect(await anchorOf(userId)).toMatchObject({
      status: "broken",
      first_bad_seq: last.seq,
      run_id: broken,
    });
    expect(await violationsOf(broken, userId)).toContain(
      `ledger chain: entry ${last.seq}: anchored entry's hash differs from its anchor`,
    );
  });

  it("the periodic full pass re-verifies from the first entry and names an entry edited below the anchor", async () => {
    const userId = await walletWithOrders("full-pass", 3);
    await dailyAudit(`run_full_${crypto.randomUUID()}`, [userId]);
    const rows = await rowsOf(userId);
    const last = rows.at(-1) as Row;
    expect(await anchorOf(userId)).toMatchObject({ head_seq: last.seq, status: "ok" });

    // The first entry's memo edited, its stale hash left: below the anchor.
    await tamper(userId, `UPDATE entries SET memo = 'edited' WHERE seq = ?`, 1);
    // The anchored pass checks only what follows the anchor: it does not see it.
    const anchored = await walletStub(userId).auditFrom({ seq: last.seq, hash: last.hash ?? "" });
    expect(anchored.chain).toMatchObject({ status: "ok", fromSeq: last.seq });
    // On the wallet's full-pass day (every day, with LEDGER_FULL_VERIFY_DAYS = 1) it is named.
    const runId = `run_full_${crypto.randomUUID()}`;
    await dailyAudit(runId, [userId], { LEDGER_FULL_VERIFY_DAYS: "1" });
    expect(await anchorOf(userId)).toMatchObject({
      status: "broken",
      first_bad_seq: 1,
      run_id: runId,
    });
    expect(await violationsOf(runId, userId)).toContain(
      "ledger chain: entry 1: entry does not match its hash",
    );
  });

  it("the full pass checks the anchor on its way: a history re-hashed after an edit is named at the anchor", async () => {
    const userId = await walletWithOrders("full-pass-rehash", 2);
    const rows = await rowsOf(userId);
    const last = rows.at(-1) as Row;
    const anchor = { seq: last.seq, hash: last.hash ?? "" };
    // An edit with every hash after it recomputed and the head moved: a consistent forgery
    // that only the anchor (kept in D1 and R2) contradicts.
    const report = await runInDurableObject(walletStub(userId), (_i, state) => {
      const sql = state.storage.sql;
      sql.exec(`UPDATE entries SET memo = 'forged' WHERE seq = 1`);
      sql.exec(`UPDATE entries SET hash = NULL`);
      sql.exec(`DELETE FROM meta WHERE key = 'chain_head'`);
      sql.exec(`INSERT INTO meta (key, value) VALUES ('chain_sealing', '1')`);
      sealChainChunk(sql, Date.now());
      return {
        plain: verifyChain(sql, null),
        withAnchor: verifyChain(sql, null, anchor),
      };
    });
    expect(report.plain.status).toBe("ok");
    expect(report.withAnchor).toMatchObject({
      status: "broken",
      firstBadSeq: last.seq,
      reason: "anchored entry's hash differs from its anchor",
    });
  });
});

describe("ledger export, verified offline", () => {
  async function exportPages(userId: string, limit: number): Promise<ExportPage[]> {
    const pages: ExportPage[] = [];
    let afterSeq: number | null = 0;
    while (afterSeq !== null) {
      const res = await api(
        `/admin/v1/users/${userId}/ledger/export?afterSeq=${afterSeq}&limit=${limit}`,
        { headers: ADMIN_HEADERS },
      );
      expect(res.status).toBe(200);
      const page = (await res.json()) as ExportPage & { nextAfterSeq: number | null };
      pages.push(page);
      afterSeq = page.nextAfterSeq;
    }
    return pages;
  }

  it("scripts/verify-ledger.ts verifies an export, anchor included, and names a tampered entry", async () => {
    const userId = await walletWithOrders("export", 3);
    expect((await adminPut(`/admin/v1/users/${userId}`, {})).status).toBe(200);
    await dailyAudit(`run_export_${crypto.randomUUID()}`, [userId]);
    const rows = await rowsOf(userId);
    const pages = await exportPages(userId, 2);
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.flatMap((p) => p.entries).map((e) => e.seq)).toEqual(rows.map((r) => r.seq));
    expect(pages.at(-1)?.anchor).toMatchObject({ headSeq: rows.at(-1)?.seq, status: "ok" });
    expect(verifyExport(pages)).toEqual({
      ok: true,
      entries: rows.length,
      headSeq: rows.at(-1)?.seq,
      headHash: rows.at(-1)?.hash,
      anchorChecked: true,
    });

    const target = rows[1]?.seq ?? 0;
    await tamper(userId, `UPDATE entries SET memo = 'edited' WHERE seq = ?`, target);
    expect(verifyExport(await exportPages(userId, 5_000))).toEqual({
      ok: false,
      firstBadSeq: target,
      reason: "entry does not match its hash",
    });
    // An export edited after download (an amount changed in the file) does not verify either.
    const fresh = await exportPages(userId, 5_000);
    const copy = structuredClone(fresh);
    const first = copy[0]?.entries[0];
    if (first) first.amountMinor += 1;
    expect(verifyExport(copy)).toMatchObject({ ok: false, firstBadSeq: 1 });
  });

  it("an unknown user is a 404 problem", async () => {
    const res = await api(`/admin/v1/users/${uniqueUser("nobody")}/ledger/export`, {
      headers: ADMIN_HEADERS,
    });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
  });
});
