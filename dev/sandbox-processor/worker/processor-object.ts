import { DurableObject } from "cloudflare:workers";
import { answerThenDiscard } from "#shared/http/drain-body";
import { loadChunked, saveChunked } from "../../shared/chunked-state";
import {
  type SandboxDeliverySummary,
  type SandboxPayoutWire,
  SandboxProcessorEngine,
  type SandboxProcessorFaults,
  type SandboxProcessorRuntime,
  type SandboxProcessorState,
} from "../engine";
import { processorConfig, type SandboxProcessorEnv } from "./config";

/**
 * The sandbox payout processor, persisted: one engine (dev/sandbox-processor/engine) whose state is
 * loaded before the first request and saved after every change. An alarm delivers webhooks
 * as they fall due (unless `SANDBOX_PROCESSOR_AUTO_DELIVER` is "false"). Dev and test only.
 *
 * Tests reach Boomerang without a network by overriding `deliver`:
 *
 * @example
 * export class TestSandboxProcessor extends SandboxProcessorObject {
 *   protected override deliver(request: Request): Promise<Response> {
 *     return apiWorker.fetch(request, this.env as never, ctx);
 *   }
 * }
 */
/** Storage key prefix of the processor's state document. */
const STATE_PREFIX = "sandbox-processor";

export class SandboxProcessorObject extends DurableObject<SandboxProcessorEnv> {
  #engine: SandboxProcessorEngine | null = null;
  #savedRevision = -1;
  readonly #autoDeliver: boolean;
  readonly #runtime: SandboxProcessorRuntime;

  constructor(ctx: DurableObjectState, env: SandboxProcessorEnv) {
    super(ctx, env);
    const { options, autoDeliver } = processorConfig(env);
    this.#autoDeliver = autoDeliver;
    // Late-bound, so a subclass's `deliver` is the one used.
    this.#runtime = { now: () => Date.now(), deliver: (request) => this.deliver(request) };
    ctx.blockConcurrencyWhile(async () => {
      const state = (await loadChunked(ctx.storage, STATE_PREFIX)) as SandboxProcessorState | null;
      // The configured identity and delays win over the stored ones; the payouts are kept.
      this.#engine =
        state === null
          ? new SandboxProcessorEngine(options, this.#runtime)
          : SandboxProcessorEngine.restore(state, options, this.#runtime);
      this.#savedRevision = this.#engine.revision;
    });
  }

  /** Sends one webhook. Tests override it to hand the request to the api worker directly. */
  protected deliver(request: Request): Promise<Response> {
    return fetch(request);
  }

  /** The processor's HTTP API (`/v1/*`, `/control/*`). */
  override async fetch(request: Request): Promise<Response> {
    // A body answered unread (a 401, a 404) is read out, so the connection stays usable.
    return answerThenDiscard(request, async () => {
      const response = await this.#current().handle(request);
      await this.#commit();
      return response;
    });
  }

  /** Delivers what is due, then re-arms for the next due change or retry. */
  override async alarm(): Promise<void> {
    await this.#current().deliverWebhooks();
    await this.#commit();
  }

  /** RPC: `POST /control/deliver`. */
  async deliverWebhooks(options: { force?: boolean } = {}): Promise<SandboxDeliverySummary> {
    const summary = await this.#current().deliverWebhooks(options);
    await this.#commit();
    return summary;
  }

  /** RPC: merges the given faults (`POST /control/faults`); throws RangeError on nonsense. */
  async setFaults(patch: Partial<SandboxProcessorFaults>): Promise<SandboxProcessorFaults> {
    const faults = this.#current().setFaults(patch);
    await this.#commit();
    return faults;
  }

  /** RPC: the faults in force. */
  async faults(): Promise<SandboxProcessorFaults> {
    return this.#current().faults();
  }

  /** RPC: one payout as `GET /v1/payouts/{id}` shows it (after applying due changes), or null. */
  async payout(payoutId: string): Promise<SandboxPayoutWire | null> {
    const engine = this.#current();
    engine.advance(engine.now());
    await this.#commit();
    return engine.payout(payoutId);
  }

  /** RPC: forgets every payout, webhook and fault (`POST /control/reset`). */
  async reset(): Promise<{ epoch: string }> {
    const engine = this.#current();
    engine.reset();
    await this.#commit();
    return { epoch: engine.epoch };
  }

  #current(): SandboxProcessorEngine {
    if (this.#engine === null) throw new Error("the sandbox processor failed to load its state");
    return this.#engine;
  }

  /** Saves when the engine changed (memory is put back if the save fails), then re-arms. */
  async #commit(): Promise<void> {
    const engine = this.#current();
    const revision = engine.revision;
    if (revision !== this.#savedRevision) {
      try {
        await saveChunked(this.ctx.storage, STATE_PREFIX, engine.toState());
        this.#savedRevision = revision;
      } catch (error) {
        const state = (await loadChunked(
          this.ctx.storage,
          STATE_PREFIX,
        )) as SandboxProcessorState | null;
        const { options } = processorConfig(this.env);
        this.#engine =
          state === null
            ? new SandboxProcessorEngine(options, this.#runtime)
            : SandboxProcessorEngine.restore(state, options, this.#runtime);
        this.#savedRevision = this.#engine.revision;
        throw error;
      }
    }
    if (!this.#autoDeliver) return;
    const next = this.#current().nextDueAtMs();
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(next);
  }
}
