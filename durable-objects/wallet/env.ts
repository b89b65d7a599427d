import type { BudgetBinding } from "../budget/index";
import type { OutboxQueues } from "./outbox/outbox-flush";

/**
 * The bindings the wallet object uses, and no more: the queues its outbox delivers to, the
 * budgets (one object per budget key: rule budgets and, since campaigns are rules, campaign
 * budgets), the key ring that seals payout destinations, and the config store the live rules
 * are read from. The api worker's env (shared/env.ts) extends this, so each binding is
 * declared once.
 */
export interface WalletEnv extends OutboxQueues, BudgetBinding {
  /** The live rule set is read through KV, falling back to D1 (shared/rules/live-rule-set.ts). */
  DB: D1Database;
  CONFIG_KV: KVNamespace;
  /** Field-encryption key ring for destinations, JSON `{"1":"<base64url 32 bytes>",…}`; the highest version seals. */
  PAYOUT_DETAILS_KEYS: string;
}
