import type { CampaignBudgetDurableObject } from "../durable-objects/campaign-budget/budget-object";
import type { WalletDurableObject } from "../durable-objects/wallet/wallet-object";
import type { ClickMessage, LedgerEventMessage, PostbackMessage } from "./messages";

/** Bindings every worker that reads catalog config needs. */
export interface ConfigBindings {
  DB: D1Database;
  CONFIG_KV: KVNamespace;
}

export interface RedirectEnv extends ConfigBindings {
  CLICKS: Queue<ClickMessage>;
  LINK_SIGNING_KEY: string;
  SUBID_SIGNING_KEY: string;
}

export interface PostbackEnv extends ConfigBindings {
  POSTBACKS: Queue<PostbackMessage>;
}

/** The api worker hosts the wallet Durable Object, the queue consumers and the crons. */
export interface ApiEnv extends RedirectEnv, PostbackEnv {
  WALLET: DurableObjectNamespace<WalletDurableObject>;
  /** One object per campaign: the single writer of its boost budget. */
  CAMPAIGN_BUDGET: DurableObjectNamespace<CampaignBudgetDurableObject>;
  LEDGER_EVENTS: Queue<LedgerEventMessage>;
  /** While rotating the sub-ID key: the old key, still accepted on incoming postbacks. */
  SUBID_SIGNING_KEY_PREVIOUS?: string;
  USER_JWT_SECRET: string;
  ADMIN_API_KEY: string;
  /** Origin of the redirect worker, used to build tracking links (e.g. https://go.example.com). */
  REDIRECT_BASE_URL: string;
  /** Lifetime of a personalised tracking link, in seconds. */
  LINK_TTL_SEC: string;
  /** "true" only in development and tests: lets an admin run confirmations as of a future time. */
  ALLOW_CLOCK_OVERRIDE?: string;
}
