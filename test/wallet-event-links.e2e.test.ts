import { runInDurableObject } from "cloudflare:test";
import { expect, test } from "vitest";
import {
  EVENT_LINK_KEEP_MS,
  MAX_EVENT_LINKS_PRUNED_PER_RUN,
} from "#durable-objects/wallet/referrals/referral-observation";
import type { WalletDurableObject } from "#durable-objects/wallet/wallet-object";
import { eventId, sendEvents } from "./events-client";
import { eventually, uniqueUser, walletStub } from "./helpers";
import { sendAccepted } from "./referral-helpers";

/**
 * The wallet's `event_links` (a signup's identity-link hashes, read once when the signup is
 * processed: docs/events.md) are pruned by the wallet's schedule (`prune_event_links`) a keep
 * window after the signup was processed, a bounded batch per run: old rows go, recent rows and
 * rows of signups not processed yet stay, and a redelivered signup stays a duplicate.
 */

const DAY_MS = 86_400_000;

type Wallet = ReturnType<typeof walletStub>;

function linkIds(wallet: Wallet): Promise<string[]> {
  return runInDurableObject(wallet, (_instance, state) =>
    state.storage.sql
      .exec<{ event_id: string }>(`SELECT event_id FROM event_links ORDER BY event_id`)
      .toArray()
      .map((r) => r.event_id),
  );
}

function processed(wallet: Wallet, id: string): Promise<boolean> {
  return runInDurableObject(
    wallet,
    (_instance, state) =>
      state.storage.sql
        .exec<{ status: string }>(`SELECT status FROM events WHERE event_id = ?`, id)
        .toArray()[0]?.status === "processed",
  );
}

function pruneDueAtMs(wallet: Wallet): Promise<number | null> {
  return runInDurableObject(
    wallet,
    (_instance, state) =>
      state.storage.sql
        .exec<{ due_at_ms: number }>(
          `SELECT due_at_ms FROM schedule WHERE kind = 'prune_event_links'`,
        )
        .toArray()[0]?.due_at_ms ?? null,
  );
}

/** Stores events with their links as an accept long ago would have, and the prune row it kept. */
function seed(
  wallet: Wallet,
  rows: Array<{ id: string; status: "processed" | "waiting"; atMs: number }>,
  pruneDueMs: number,
): Promise<void> {
  return runInDurableObject(wallet, (_instance, state) => {
    const sql = state.storage.sql;
    for (const row of rows) {
      sql.exec(
        `INSERT INTO events (event_id, type, digest, occurred_at_ms, received_at_ms, key_name,
           data_json, status, processed_at_ms)
         VALUES (?, 'user.signed_up', 'seeded', ?, ?, 'test-backend', '{}', ?, ?)`,
        row.id,
        row.atMs,
        row.atMs,
        row.status,
        row.status === "processed" ? row.atMs : null,
      );
      sql.exec(
        `INSERT INTO event_links (event_id, identifiers_json) VALUES (?, ?)`,
        row.id,
        JSON.stringify({ device: `hash-${row.id}` }),
      );
    }
    sql.exec(`UPDATE schedule SET due_at_ms = ? WHERE kind = 'prune_event_links'`, pruneDueMs);
  });
}

test("links of signups processed past the keep window go, a batch a run; recent and unprocessed ones stay", async () => {
  const userId = uniqueUser("links");
  const wallet = walletStub(userId);
  const signup = {
    id: eventId("su"),
    type: "user.signed_up",
    userId,
    occurredAt: new Date(Date.now() - 60_000).toISOString(),
    data: { displayName: "Asha", deviceId: uniqueUser("links-device") },
  };
  await sendAccepted(signup);
  expect(await eventually(() => processed(wallet, signup.id))).toBe(true);
  // Kept beside the signup, with the prune due a keep window after it was accepted.
  expect(await linkIds(wallet)).toEqual([signup.id]);
  const acceptedDue = await pruneDueAtMs(wallet);
  expect(acceptedDue).not.toBeNull();
  expect(acceptedDue ?? 0).toBeGreaterThan(Date.now() + EVENT_LINK_KEEP_MS - 60_000);

  // Signups processed 8 days ago (more than a batch of them), and one never processed (it
  // waits): an accept 8 days ago left the prune due a day ago.
  const nowMs = Date.now();
  const old = Array.from({ length: MAX_EVENT_LINKS_PRUNED_PER_RUN + 1 }, (_, i) => ({
    id: `old-${String(i).padStart(4, "0")}`,
    status: "processed" as const,
    atMs: nowMs - 8 * DAY_MS,
  }));
  const waiting = { id: "waiting-signup", status: "waiting" as const, atMs: nowMs - 9 * DAY_MS };
  await seed(wallet, [...old, waiting], nowMs - DAY_MS);

  // One run takes one batch, and is due again at once for the rest. Read in the same call as
  // the run, and the wallet's alarm held back an hour before the call ends: the runtime fires a
  // due alarm by itself, and one firing between the run and a second call would take the rest
  // and move the schedule a keep window out before the test looked.
  const { first, dueAfterFirstMs } = await runInDurableObject(wallet, async (instance, state) => {
    const run = await (instance as WalletDurableObject).runDue(nowMs);
    const due =
      state.storage.sql
        .exec<{ due_at_ms: number }>(
          `SELECT due_at_ms FROM schedule WHERE kind = 'prune_event_links'`,
        )
        .toArray()[0]?.due_at_ms ?? null;
    await state.storage.setAlarm(Date.now() + 3_600_000);
    return { first: run, dueAfterFirstMs: due };
  });
  expect(first.prunedEventLinks).toBe(MAX_EVENT_LINKS_PRUNED_PER_RUN);
  expect(dueAfterFirstMs ?? Infinity).toBeLessThanOrEqual(nowMs);
  await wallet.runDue(nowMs);
  // The recent signup and the unprocessed one stay; due again a keep window after the signup.
  expect(await linkIds(wallet)).toEqual([signup.id, waiting.id].sort());
  const nextDue = (await pruneDueAtMs(wallet)) ?? 0;
  expect(nextDue).toBeGreaterThan(nowMs + EVENT_LINK_KEEP_MS - 60_000);
  expect(nextDue).toBeLessThanOrEqual(Date.now() + EVENT_LINK_KEEP_MS);

  // Not due before then: nothing goes.
  expect((await wallet.runDue(nowMs + EVENT_LINK_KEEP_MS - 60_000)).prunedEventLinks).toBe(0);
  expect(await linkIds(wallet)).toEqual([signup.id, waiting.id].sort());

  // Past the window the signup's links go too; the waiting signup's stay, looked at again later.
  const laterMs = Date.now() + EVENT_LINK_KEEP_MS + 60_000;
  expect((await wallet.runDue(laterMs)).prunedEventLinks).toBe(1);
  expect(await linkIds(wallet)).toEqual([waiting.id]);
  expect(await pruneDueAtMs(wallet)).toBe(laterMs + EVENT_LINK_KEEP_MS);

  // The signup delivered again is still a duplicate (the events table decides): no link row.
  const again = await sendEvents(signup);
  expect(again.status, await again.clone().text()).toBe(200);
  expect(await linkIds(wallet)).toEqual([waiting.id]);
});
