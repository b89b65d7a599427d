import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, test } from "vitest";
import { bindUser } from "./core/meta-store";
import type { ScheduleKind } from "./schedule/schedule-kind";
import { anyDue } from "./schedule/schedule-store";
import { AFTER_WRITE_KINDS } from "./wallet-object";

/**
 * `afterWrite` skips its schedule-working steps (inbox, boosts, grants, referral rewards, the
 * risk retry) when none of `AFTER_WRITE_KINDS` is due. These tests fail if the skip drops
 * owed work: a due row of every one of those kinds is worked by the very next write (its row
 * is removed or moved on by the step that owns it), and the one-read check sees each kind.
 */

const NOW_MS = Date.now();

function walletNamed(name: string) {
  return env.WALLET.get(env.WALLET.idFromName(name));
}

type Row = { kind: string; ref: string; due_at_ms: number };

async function scheduleRows(stub: ReturnType<typeof walletNamed>): Promise<Row[]> {
  return runInDurableObject(stub, (_i, state) =>
    state.storage.sql.exec<Row>("SELECT kind, ref, due_at_ms FROM schedule").toArray(),
  );
}

async function insertDue(stub: ReturnType<typeof walletNamed>, kind: string, dueAtMs: number) {
  await runInDurableObject(stub, (_i, state) => {
    bindUser(state.storage.sql, `member-${kind}`);
    state.storage.sql.exec(
      "INSERT INTO schedule (kind, ref, due_at_ms) VALUES (?, ?, ?)",
      kind,
      kind === "events" ? "inbox" : kind === "risk_retry" ? "redemptions" : `missing-${kind}`,
      dueAtMs,
    );
  });
}

describe("afterWrite's skip when nothing is owed", () => {
  test.each(AFTER_WRITE_KINDS.map((kind) => [kind]))(
    "a due %s row is worked by the next write (the skip does not drop it)",
    async (kind) => {
      const stub = walletNamed(`after-write-${kind}-${crypto.randomUUID()}`);
      const due = NOW_MS - 60_000;
      await insertDue(stub, kind, due);
      await stub.applyConversions([]);
      const left = (await scheduleRows(stub)).filter((r) => r.kind === kind);
      // Worked: the owning step removed the row (nothing behind it) or moved it on.
      expect(left.every((r) => r.due_at_ms !== due)).toBe(true);
    },
  );

  test("a row that is not yet due, or of another kind, is left alone", async () => {
    const stub = walletNamed(`after-write-idle-${crypto.randomUUID()}`);
    const later = NOW_MS + 3_600_000;
    await insertDue(stub, "boost", later);
    await stub.applyConversions([]);
    expect((await scheduleRows(stub)).filter((r) => r.kind === "boost")).toEqual([
      { kind: "boost", ref: "missing-boost", due_at_ms: later },
    ]);
  });

  test("anyDue sees each kind it is given, only when due", async () => {
    const stub = walletNamed(`after-write-anydue-${crypto.randomUUID()}`);
    await runInDurableObject(stub, (_i, state) => {
      const sql = state.storage.sql;
      sql.exec("DELETE FROM schedule");
      expect(anyDue(sql, AFTER_WRITE_KINDS, NOW_MS)).toBe(false);
      sql.exec("INSERT INTO schedule VALUES ('confirm', 't1', ?)", NOW_MS - 1);
      expect(anyDue(sql, AFTER_WRITE_KINDS, NOW_MS)).toBe(false);
      expect(anyDue(sql, [], NOW_MS)).toBe(false);
      for (const kind of AFTER_WRITE_KINDS) {
        sql.exec("INSERT INTO schedule VALUES (?, 'r', ?)", kind, NOW_MS + 1);
        expect(anyDue(sql, AFTER_WRITE_KINDS, NOW_MS)).toBe(false);
        sql.exec("UPDATE schedule SET due_at_ms = ? WHERE kind = ?", NOW_MS, kind);
        expect(anyDue(sql, AFTER_WRITE_KINDS, NOW_MS)).toBe(true);
        expect(anyDue(sql, [kind as ScheduleKind], NOW_MS)).toBe(true);
        sql.exec("DELETE FROM schedule WHERE kind = ?", kind);
      }
    });
  });
});
