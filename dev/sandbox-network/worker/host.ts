import { SandboxNetwork, type SandboxNetworkOptions } from "../engine";
import type { SandboxConfig } from "./config";
import { loadState, type StateStorage, saveState } from "./state-store";

/** The HTTP API is mounted here, in the worker and (later) behind the dev gateway. */
export const SANDBOX_BASE_PATH = "/sandbox";

/** Options a reset may change; the rest come from the worker's config. */
export type ResetOptions = Pick<
  SandboxNetworkOptions,
  "seed" | "reportPageSize" | "reportLagMs" | "extendedFields" | "requireClick"
>;

/**
 * Holds one sandbox network and its persistence: what the Durable Object is, minus the
 * runtime glue, so it can be tested with a Map for storage and a fake fetch.
 */
export class SandboxHost {
  readonly config: SandboxConfig;
  readonly now: () => number;
  /** Outbound fetch for deliveries (the global fetch in the worker). */
  readonly fetch: (request: Request) => Promise<Response>;
  #storage: StateStorage;
  #network: SandboxNetwork;

  private constructor(
    storage: StateStorage,
    config: SandboxConfig,
    network: SandboxNetwork,
    now: () => number,
    fetcher: (request: Request) => Promise<Response>,
  ) {
    this.#storage = storage;
    this.config = config;
    this.#network = network;
    this.now = now;
    this.fetch = fetcher;
  }

  /** Loads the saved sandbox, or starts a fresh one from the config. */
  static async open(
    storage: StateStorage,
    config: SandboxConfig,
    runtime: { now?: () => number; fetch?: (request: Request) => Promise<Response> } = {},
  ): Promise<SandboxHost> {
    const now = runtime.now ?? (() => Date.now());
    const fetcher = runtime.fetch ?? ((request: Request) => fetch(request));
    const state = await loadState(storage);
    const network =
      state === null
        ? fresh(config, now, {})
        : // The configured identity wins: changing the secret in wrangler.toml keeps the orders.
          SandboxNetwork.restore(
            state,
            { now, basePath: SANDBOX_BASE_PATH },
            {
              networkId: config.networkId,
              postbackSecret: config.postbackSecret,
              formatSettings: config.formatSettings,
            },
          );
    return new SandboxHost(storage, config, network, now, fetcher);
  }

  get network(): SandboxNetwork {
    return this.#network;
  }

  async save(): Promise<void> {
    await saveState(this.#storage, this.#network.toState());
  }

  /** Throws away every order, click, queued postback and fault; keeps nothing. */
  async reset(options: ResetOptions = {}): Promise<SandboxNetwork> {
    this.#network = fresh(this.config, this.now, options);
    await this.save();
    return this.#network;
  }

  /** Puts memory back to what storage holds (after a save that failed). */
  async reload(): Promise<void> {
    const state = await loadState(this.#storage);
    this.#network =
      state === null
        ? fresh(this.config, this.now, {})
        : SandboxNetwork.restore(state, { now: this.now, basePath: SANDBOX_BASE_PATH });
  }
}

function fresh(config: SandboxConfig, now: () => number, options: ResetOptions): SandboxNetwork {
  return new SandboxNetwork(
    {
      networkId: config.networkId,
      postbackSecret: config.postbackSecret,
      seed: config.seed,
      reportPageSize: config.reportPageSize,
      ...config.formatSettings,
      ...options,
    },
    { now, basePath: SANDBOX_BASE_PATH },
  );
}
