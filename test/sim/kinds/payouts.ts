import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { walletStub } from "../../helpers";
import {
  asAdmin,
  asUser,
  BANK,
  sandbox,
  seasonedDestination,
  stepUpCodeOf,
  UPI,
} from "../../payout-helpers";
import type { ProcessorFault } from "../generator";
import type { PayoutOracle, SimDestination } from "../oracle/payout-oracle";

/**
 * Cash redemptions in the simulation (docs/payouts.md): through the user API with a step-up
 * code, to a destination whose outcome at the sandbox payout processor is known (docs/sandbox.md:
 * magic account numbers), dispatched by the real payout queue, settled by the processor's
 * signed webhooks, with the processor's faults (outages, lost answers, duplicated and shuffled
 * webhooks) switched on by the workload.
 */

/** Destination details per kind: the sandbox processor decides each one's outcome by them. */
const DETAILS: Record<SimDestination, Record<string, unknown>> = {
  bank_ok: BANK,
  bank_fails: { ...BANK, accountNumber: "987654320000" },
  bank_refused: { ...BANK, ifsc: "SBIN0000000" },
  upi_ok: UPI,
  upi_fails: { ...UPI, vpa: "fail@okbank" },
};

/** A refusal is one of these (docs/payouts.md, Refusals); anything else is a failure. */
const REFUSALS = new Set([
  "insufficient_funds",
  "debt_outstanding",
  "destination_unusable",
  "step_up_failed",
  "rate_limited",
]);

export interface PayoutRun {
  destinations: Map<string, string>;
  /** Payouts the API made, per user. */
  made: Map<string, string[]>;
  stats: { redemptions: number; refused: number; replayed: number; processorFaults: number };
}

interface Checks {
  fingerprint: (user: string) => Promise<string>;
  fail: (invariant: string, detail: string) => never;
}

export async function setupPayouts(): Promise<PayoutRun> {
  // Another run's faults in this storage must not leak into this one.
  await sandbox().setFaults({
    down: null,
    lostResponses: 0,
    duplicateWebhooks: false,
    shuffleWebhooks: false,
  });
  return {
    destinations: new Map(),
    made: new Map(),
    stats: { redemptions: 0, refused: 0, replayed: 0, processorFaults: 0 },
  };
}

/**
 * One redemption: asked first without a code (the policy's checks run before the code is
 * looked at, so a refusal spends none), then with one. A refusal must leave the wallet as it
 * was; a replay with the same Idempotency-Key must answer the same payout.
 */
export async function redeemStep(
  run: PayoutRun,
  oracle: PayoutOracle,
  action: {
    user: string;
    destination: SimDestination;
    amountMinor: number;
    key: string;
    replay: boolean;
  },
  checks: Checks,
): Promise<void> {
  const { user } = action;
  const slot = `${user}|${action.destination}`;
  let destinationId = run.destinations.get(slot);
  if (!destinationId) {
    // Added through the wallet as of two days ago (past its cooling-off), as the payout tests do.
    destinationId = await seasonedDestination(user, DETAILS[action.destination]);
    run.destinations.set(slot, destinationId);
  }
  run.stats.redemptions++;
  const quiet = await settledMoney(run, user);
  const before = quiet ? await checks.fingerprint(user) : null;
  const body = { amountMinor: action.amountMinor, currency: "INR", destinationId };
  const send = (extra: Record<string, unknown>) =>
    asUser(user, "/v1/me/redemptions", {
      body: { ...body, ...extra },
      headers: { "idempotency-key": action.key },
    });
  let response = await send({});
  let problem = response.status >= 400 ? await problemOf(response) : null;
  let code: { challengeId: string; code: string } | null = null;
  if (problem?.code === "step_up_required") {
    const issued = await asUser(user, "/v1/me/step-up", { method: "POST" });
    if (issued.status === 201) {
      const { challengeId } = (await issued.json()) as { challengeId: string };
      // The code's notification crosses queues the run faults and redelivers late: up to 60 s.
      code = { challengeId, code: await stepUpCodeOf(challengeId, 60_000) };
      response = await send({ stepUp: code });
      problem = response.status >= 400 ? await problemOf(response) : null;
    } else {
      problem = await problemOf(issued);
    }
  }
  if (response.status === 201) {
    const { id } = (await response.json()) as { id: string };
    oracle.made(user, id, action.amountMinor, action.destination);
    run.made.set(user, [...(run.made.get(user) ?? []), id]);
    if (action.replay) {
      run.stats.replayed++;
      const again = await send({ stepUp: code });
      const same = again.status === 200 ? ((await again.json()) as { id: string }).id : null;
      if (same !== id)
        checks.fail("redemption_replay_same_payout", `key ${action.key}: ${again.status} ${same}`);
    }
    return;
  }
  if (!problem || (!REFUSALS.has(problem.code) && problem.status !== 429))
    checks.fail("redemption_answered", `${response.status} ${JSON.stringify(problem)}`);
  run.stats.refused++;
  if (before !== null) {
    const after = await checks.fingerprint(user);
    if (after !== before)
      checks.fail("failed_op_changed_nothing", `refused redemption changed user=${user}`);
  }
}

/** The processor starts to misbehave (or stops duplicating/shuffling, for the toggles). */
export async function processorFaultStep(run: PayoutRun, fault: ProcessorFault): Promise<void> {
  run.stats.processorFaults++;
  const now = await sandbox().faults();
  if (fault === "down") await sandbox().setFaults({ down: { times: 2 } });
  else if (fault === "lost_response") await sandbox().setFaults({ lostResponses: 1 });
  else if (fault === "duplicate_webhooks")
    await sandbox().setFaults({ duplicateWebhooks: !now.duplicateWebhooks });
  else await sandbox().setFaults({ shuffleWebhooks: !now.shuffleWebhooks });
}

/** Every due move applied and every webhook sent; returns the users whose payouts exist. */
export async function webhooksStep(run: PayoutRun): Promise<string[]> {
  await sandbox().deliverWebhooks({ force: true });
  return [...run.made.keys()];
}

/**
 * The end: the processor behaves again, and every payout reaches a final state (dispatch runs
 * on the platform's queue in the background; webhooks are sent until nothing is left). Then
 * each must be what the oracle says, at the processor too, and posted once.
 */
export async function settlePayouts(
  oracle: PayoutOracle,
  checks: Pick<Checks, "fail">,
  waitMs = 60_000,
): Promise<number> {
  await sandbox().setFaults({ down: null, lostResponses: 0 });
  const deadline = Date.now() + waitMs;
  let checked = 0;
  for (const expected of oracle.expectedPayouts()) {
    let status = "";
    let retried = false;
    for (;;) {
      await sandbox().deliverWebhooks({ force: true });
      status =
        (await walletStub(expected.userId).getPayout(expected.payoutId))?.payout.status ?? "";
      if (status === "paid" || status === "failed" || status === "cancelled") break;
      // A long processor outage exhausts a dispatch's retries: the payout waits `stuck`, its
      // money reserved, for an operator (docs/payouts.md). The end acts as that operator once,
      // with the processor behaving again; the payout must then end as the oracle says.
      if (status === "stuck" && !retried) {
        retried = true;
        const response = await asAdmin(`/admin/v1/payouts/${expected.payoutId}/retry`, "POST");
        if (response.status !== 200)
          checks.fail("payouts_settle", `${expected.payoutId}: retry answered ${response.status}`);
      }
      if (Date.now() > deadline)
        checks.fail("payouts_settle", `${expected.payoutId} still ${status}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    checked++;
    if (status !== expected.status)
      checks.fail(
        "oracle_payouts",
        `${expected.payoutId}: wallet ${status}, oracle ${expected.status}`,
      );
    // The processor as witness: what the wallet paid, it completed once, for that amount.
    const theirs = await sandbox().payout(expected.payoutId);
    checked++;
    const agrees =
      expected.status === "paid"
        ? theirs?.status === "completed" && theirs.amount_minor === expected.amountMinor
        : theirs === null || theirs.status === "failed";
    if (!agrees)
      checks.fail(
        "processor_agrees",
        `${expected.payoutId}: wallet ${status}, processor ${JSON.stringify(theirs)}`,
      );
    // No double pay-out: one reservation and one ending posting, never two.
    const postings = await postingsOf(expected.userId, expected.payoutId);
    const want = [
      `payout:${expected.payoutId}:${expected.status === "paid" ? "paid" : "credit_back"}`,
      `payout:${expected.payoutId}:reserve`,
    ].sort();
    checked++;
    if (JSON.stringify(postings) !== JSON.stringify(want))
      checks.fail("payout_posted_once", `${expected.payoutId}: ${JSON.stringify(postings)}`);
  }
  return checked;
}

/** Whether every payout of `user` is final (no background dispatch can move money meanwhile). */
export async function settledMoney(run: PayoutRun, user: string): Promise<boolean> {
  for (const id of run.made.get(user) ?? []) {
    const status = (await walletStub(user).getPayout(id))?.payout.status;
    if (status !== "paid" && status !== "failed" && status !== "cancelled") return false;
  }
  return true;
}

async function problemOf(response: Response): Promise<{ code: string; status: number } | null> {
  try {
    const body = (await response.json()) as { code?: string };
    return { code: body.code ?? "", status: response.status };
  } catch {
    return null;
  }
}

/** The distinct posting keys of one payout, read from the wallet's entries. */
function postingsOf(userId: string, payoutId: string): Promise<string[]> {
  return runInDurableObject(env.WALLET.get(env.WALLET.idFromName(userId)), (_i, state) =>
    state.storage.sql
      .exec<{ posting_key: string }>(
        `SELECT DISTINCT posting_key FROM entries WHERE posting_key LIKE ? ORDER BY posting_key`,
        `payout:${payoutId}:%`,
      )
      .toArray()
      .map((r) => r.posting_key),
  );
}
