import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, test } from "vitest";
import { createLogger } from "#shared/observability/logger";
import type { BudgetBinding } from "../../budget/index";
import { WalletTx } from "../core/wallet-tx";
import type { EarnTerms } from "../events/post-reward";
import { readBalance } from "../ledger/ledger-store";
import { DEFAULT_VALIDITY } from "../points/validity";
import { ReferrerBudgets, retargetReferrerBudget } from "./referrer-budget";
import type { ReferrerCreditRequest } from "./referrer-credit";
import { findReferrerCredit } from "./referrer-credit-store";

/**
 * The referrer's budgeted reward inside a real wallet object's storage, against real budget
 * objects behind a binding that can fail: a budget that cannot be asked leaves the reward
 * `awaiting_budget` and answers `refused`; the retry sends the saved request again and the
 * budget draws once, whether the first answer was lost before or after the budget granted.
 */

const NOW_MS = 1_796_000_000_000;
const EARN: EarnTerms = { validity: DEFAULT_VALIDITY, pendingDays: 0, timeZone: "UTC" };

type Failure = "none" | "before" | "after";

/** The real BUDGET binding, whose reserve fails before or after the budget acted, while told to. */
function flakyBudgets(state: { fail: Failure }): BudgetBinding {
  return {
    BUDGET: {
      idFromName: (name: string) => env.BUDGET.idFromName(name),
      get: (id: DurableObjectId) => {
        const real = env.BUDGET.get(id);
        return {
          reserve: async (input: Parameters<typeof real.reserve>[0]) => {
            if (state.fail === "before") throw new Error("budget unreachable");
            const answer = await real.reserve(input);
            if (state.fail === "after") throw new Error("answer lost");
            return answer;
          },
          release: (input: Parameters<typeof real.release>[0]) => real.release(input),
        };
      },
    },
  } as unknown as BudgetBinding;
}

function budgetsIn(storage: DurableObjectStorage, referrer: string, state: { fail: Failure }) {
  return new ReferrerBudgets({
    sql: storage.sql,
    env: flakyBudgets(state),
    log: createLogger({ worker: "wallet" }, () => {}),
    clock: () => NOW_MS,
    userId: () => referrer,
    commit: (work) =>
      storage.transactionSync(() => {
        const tx = new WalletTx(storage.sql);
        tx.bindUser(referrer);
        const result = work(tx);
        tx.close();
        return result;
      }),
  });
}

function request(referralId: string, key: string): ReferrerCreditRequest {
  return {
    referralId,
    party: "referrer",
    ruleId: "rb",
    ruleVersion: 1,
    eventId: `dep-${referralId}`,
    occurredAtMs: NOW_MS,
    reward: { amountMinor: 1_000, currency: "INR" },
    terms: { monthlyCap: null, tiers: [], budgets: [{ key, unit: "INR", limit: 1_500 }] },
  };
}

describe("the referrer's budgeted reward", () => {
  test.each<{ label: string; fail: Failure }>([
    { label: "the budget unreachable", fail: "before" },
    { label: "the budget's answer lost after it granted", fail: "after" },
  ])("$label: refused, then the retry pays once and the budget draws once", async ({ fail }) => {
    const referrer = `rr-${fail}`;
    const key = `rule:rb:user:${referrer}:lifetime`;
    const stub = env.WALLET.get(env.WALLET.newUniqueId());
    await runInDurableObject(stub, async (_instance, state) => {
      const storage = state.storage;
      const flaky = { fail };
      const budgets = budgetsIn(storage, referrer, flaky);
      expect(await budgets.credit(request("ref_a", key), EARN, NOW_MS)).toMatchObject({
        status: "refused",
      });
      expect(findReferrerCredit(storage.sql, "ref_a")?.outcome).toBe("awaiting_budget");
      expect(readBalance(storage.sql, "referral_bonus", "INR")).toBe(0);

      flaky.fail = "none";
      expect(await budgets.credit(request("ref_a", key), EARN, NOW_MS)).toEqual({
        status: "created",
        credited: { amountMinor: 1_000, currency: "INR" },
        nth: 1,
      });
      expect(await budgets.credit(request("ref_a", key), EARN, NOW_MS)).toMatchObject({
        status: "exists",
      });
      // The next referral gets what is left of the 1,500.
      expect(await budgets.credit(request("ref_b", key), EARN, NOW_MS)).toEqual({
        status: "created",
        credited: { amountMinor: 500, currency: "INR" },
        nth: 2,
        reduced: true,
      });
      expect(await budgets.credit(request("ref_c", key), EARN, NOW_MS)).toEqual({
        status: "capped",
        reason: "referral_budget_exhausted",
      });
      expect(readBalance(storage.sql, "referral_bonus", "INR")).toBe(1_500);
      const usage = await env.BUDGET.get(env.BUDGET.idFromName(key)).usage();
      expect(usage).toMatchObject({ outstanding: 1_500, grantedTotal: 1_500 });
    });
  });

  test("an operation meeting a reward still awaiting its budgets (the referral rejected meanwhile) cancels it and releases the grant", async () => {
    const referrer = "rr-cancelled";
    const key = `rule:rb:user:${referrer}:lifetime`;
    const stub = env.WALLET.get(env.WALLET.newUniqueId());
    await runInDurableObject(stub, async (_instance, state) => {
      const storage = state.storage;
      const flaky: { fail: Failure } = { fail: "after" };
      const budgets = budgetsIn(storage, referrer, flaky);
      expect(await budgets.credit(request("ref_a", key), EARN, NOW_MS)).toMatchObject({
        status: "refused",
      });
      const budget = env.BUDGET.get(env.BUDGET.idFromName(key));
      expect(await budget.usage()).toMatchObject({ outstanding: 1_000 });
      flaky.fail = "none";
      storage.transactionSync(() => {
        const tx = new WalletTx(storage.sql);
        tx.bindUser(referrer);
        retargetReferrerBudget(tx, "ref_a");
        tx.close();
      });
      await budgets.settle("ref_a");
      expect(findReferrerCredit(storage.sql, "ref_a")?.outcome).toBe("cancelled");
      expect(await budget.usage()).toMatchObject({ outstanding: 0 });
      expect(await budgets.credit(request("ref_a", key), EARN, NOW_MS)).toMatchObject({
        status: "refused",
      });
      // Not counted: the next referral is the referrer's first, paid in full.
      expect(await budgets.credit(request("ref_b", key), EARN, NOW_MS)).toEqual({
        status: "created",
        credited: { amountMinor: 1_000, currency: "INR" },
        nth: 1,
      });
      expect(readBalance(storage.sql, "referral_bonus", "INR")).toBe(1_000);
    });
  });
});
