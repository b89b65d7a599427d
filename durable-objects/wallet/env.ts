import type { BudgetBinding } from "../budget/index";
import type { RiskBinding } from "../risk/index";
import type { OutboxQueues } from "./outbox/outbox-flush";
import type { WalletDurableObject } from "./wallet-object";

/**
 * The bindings the wallet object uses, and no more: the queues its outbox delivers to, the
 * budgets (one object per budget key: rule budgets and, since campaigns are rules, campaign
 * budgets), the key ring that seals payout destinations, the config store the live rules
 * are read from, and the keys referral attribution verifies and fingerprints with. The api worker's env (shared/env.ts) extends this, so each binding is
 * declared once.
 */
export interface WalletEnv extends OutboxQueues, BudgetBinding, RiskBinding {
  /** The live rule set is read through KV, falling back to D1 (shared/rules/live-rule-set.ts). */
  DB: D1Database;
  CONFIG_KV: KVNamespace;
  /** Field-encryption key ring for destinations, JSON `{"1":"<base64url 32 bytes>",…}`; the highest version seals. */
  PAYOUT_DETAILS_KEYS: string;
  /**
   * Referral attribution (referrals/): the link key ring verifies attribution tokens
   * (shared/links/link-keys.ts), and the sub-ID key turns a signup's IP and user agent into
   * the fingerprint referral clicks are matched on. Declared as the redirect declares them.
   */
  LINK_SIGNING_KEY: string;
  LINK_SIGNING_KEYS?: string;
  SUBID_SIGNING_KEY: string;
  /**
   * Optional key ring identity links are hashed with once rotated (shared/fraud/identity-links.ts):
   * JSON `{"2":"<base64url 32 bytes>"}`; unset, version 1 is SUBID_SIGNING_KEY.
   */
  RISK_LINK_KEYS?: string;
  /** Other members' wallets: a referee's wallet delivers the referrer's reward (referrals/). */
  WALLET: DurableObjectNamespace<WalletDurableObject>;
}
