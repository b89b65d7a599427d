import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Miniflare, type WorkerOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

/**
 * The child process bench/lib/miniflare-runtime.ts starts: one Miniflare (workerd and this
 * Node process, no `wrangler dev`, no wrangler proxy, no bundler watching) running already
 * bundled workers with the bindings their wrangler.toml declares. Its own process, so the
 * bench counts Miniflare's Node side with workerd and never the load client.
 *
 * argv[2]: JSON `HostSpec`. Prints `ready <url>` once listening; stops on SIGTERM.
 */
export interface HostSpec {
  port: number;
  /** `--persist-to` of wrangler: D1, KV, R2, Durable Objects under `<dir>/v3`. */
  persistDir: string;
  /** Only with a profile: workerd's inspector (the same one `wrangler dev` opens). */
  inspectorPort?: number;
  workers: Array<{
    /** A wrangler.toml (bindings, vars, .dev.vars beside it, queue consumer settings). */
    config: string;
    /** `wrangler deploy --dry-run --outdir` of that config: index.js and its text modules. */
    bundleDir: string;
    /** Miniflare routes (`*\/postback/*`); requests no route matches go to the first worker. */
    routes?: string[];
  }>;
  /** Workers given as inline module scripts (`npm run bench:intake`'s no-op queue consumer). */
  scriptWorkers?: Array<{
    name: string;
    script: string;
    queueConsumers?: Record<string, { maxBatchSize: number; maxBatchTimeout: number }>;
  }>;
  /** KV entries written before `ready` (bench:intake's network config): binding of `worker`. */
  kvSeed?: Array<{ worker: string; binding: string; key: string; value: string }>;
}

const spec = JSON.parse(process.argv[2] ?? "{}") as HostSpec;

function workerOf(w: HostSpec["workers"][number]): WorkerOptions {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(w.config);
  const files = readdirSync(w.bundleDir).filter(
    (f) => f !== "index.js" && !f.endsWith(".map") && !f.endsWith(".md"),
  );
  return {
    ...(workerOptions as WorkerOptions),
    name: nameOf(w.config),
    modulesRoot: w.bundleDir,
    modules: [
      { type: "ESModule", path: path.join(w.bundleDir, "index.js") },
      // wrangler emits `rules = Text` imports (the docs page's assets) beside index.js.
      ...files.map((f) => ({ type: "Text" as const, path: path.join(w.bundleDir, f) })),
    ],
    routes: w.routes,
  } as WorkerOptions;
}

function nameOf(config: string): string {
  const match = /^name = "(.*)"$/m.exec(readFileSync(config, "utf8"));
  if (!match?.[1]) throw new Error(`${config}: no name`);
  return match[1];
}

const mf = new Miniflare({
  host: "127.0.0.1",
  port: spec.port,
  defaultPersistRoot: path.join(spec.persistDir, "v3"),
  d1Persist: true,
  kvPersist: true,
  r2Persist: true,
  durableObjectsPersist: true,
  cachePersist: true,
  ...(spec.inspectorPort ? { inspectorPort: spec.inspectorPort } : {}),
  workers: [
    ...spec.workers.map(workerOf),
    ...(spec.scriptWorkers ?? []).map((w) => ({
      ...w,
      modules: true,
      compatibilityDate: "2026-04-20",
    })),
  ],
});
const url = await mf.ready;
for (const seed of spec.kvSeed ?? []) {
  await (await mf.getKVNamespace(seed.binding, seed.worker)).put(seed.key, seed.value);
}
console.log(`ready ${url.origin}`);
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    void mf.dispose().finally(() => process.exit(0));
  });
}
