import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/**
 * CPU profiles of the local runtime's isolates through workerd's own inspector (the one wrangler
 * starts with `--inspector-addr`; it serves every worker, miniflare's internal ones included:
 * the queue broker, D1, KV). Used by `BENCH_PROFILE=1 npm run bench:pipeline` to split the CPU
 * of a settled postback by stage. Node 20 needs `NODE_OPTIONS=--experimental-websocket`.
 *
 * A profile samples each isolate's thread; a sample that is not `(idle)` is time that isolate
 * ran (JavaScript, the runtime's native calls it made, or its garbage collection).
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The inspector port of the workerd that runs the workers, in process group `pgid`. */
export async function inspectorPortOf(pgid: number): Promise<number> {
  const pid = readdirSync("/proc")
    .filter((e) => /^\d+$/.test(e))
    .find((e) => {
      try {
        const stat = readFileSync(`/proc/${e}/stat`, "utf8");
        const pgrp = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
        const cmd = readFileSync(`/proc/${e}/cmdline`, "utf8");
        return pgrp === pgid && cmd.includes("workerd") && cmd.includes("--inspector-addr");
      } catch {
        return false;
      }
    });
  if (!pid) throw new Error("no workerd with an inspector in the runtime's group");
  const ss = spawnSync("ss", ["-ltnpH"], { encoding: "utf8" }).stdout;
  for (const line of ss.split("\n")) {
    if (!line.includes(`pid=${pid},`)) continue;
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(line)?.[1]);
    if (!port) continue;
    try {
      const list = await fetch(`http://127.0.0.1:${port}/json/list`, {
        signal: AbortSignal.timeout(1_000),
      });
      if (list.ok && Array.isArray(await list.json())) return port;
    } catch {
      // not the inspector
    }
  }
  throw new Error(`no inspector port found for workerd ${pid}`);
}

/** The inspector targets (isolates) of the runtime: `core:user:<worker>`, `queues:queue`, … */
export async function inspectorTargets(port: number): Promise<string[]> {
  const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{
    id: string;
  }>;
  return list.map((t) => t.id);
}

/** Starts a profile of each target; `stop()` returns each target's profile. */
export async function startProfiles(
  port: number,
  targets: readonly string[],
  samplingIntervalUs = 200,
): Promise<{ stop: () => Promise<Map<string, CpuProfile>> }> {
  const WS = (globalThis as { WebSocket?: typeof WebSocket }).WebSocket;
  if (!WS) throw new Error("no WebSocket: run Node 20 with NODE_OPTIONS=--experimental-websocket");
  // The first session to a large isolate sometimes never answers: a second one does.
  const open = async (target: string, attempts = 3) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await openSession(target);
      } catch (error) {
        if (attempt >= attempts) throw error;
      }
    }
  };
  const openSession = async (target: string) => {
    const ws = new WS(`ws://127.0.0.1:${port}/${target}`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`inspector ${target}: no answer`)), 5_000);
      const opened = () => {
        clearTimeout(timer);
        resolve();
      };
      ws.addEventListener("open", opened, { once: true });
      ws.addEventListener("error", () => reject(new Error(`inspector ${target}`)), {
        once: true,
      });
    });
    let next = 1;
    const waiting = new Map<number, (result: unknown) => void>();
    ws.addEventListener("message", (e) => {
      const data = JSON.parse(String(e.data)) as { id?: number; result?: unknown };
      if (data.id !== undefined) waiting.get(data.id)?.(data.result);
    });
    const call = (method: string, params: object = {}) =>
      new Promise<unknown>((resolve, reject) => {
        const id = next++;
        const timer = setTimeout(
          () => reject(new Error(`inspector ${target}: ${method} unanswered`)),
          10_000,
        );
        waiting.set(id, (result) => {
          clearTimeout(timer);
          resolve(result);
        });
        ws.send(JSON.stringify({ id, method, params }));
      });
    await call("Profiler.enable");
    if (samplingIntervalUs > 0) {
      await call("Profiler.setSamplingInterval", { interval: samplingIntervalUs });
    }
    try {
      await call("Profiler.start");
    } catch (error) {
      ws.close();
      throw error;
    }
    return { target, ws, call };
  };
  const sessions = await Promise.all(targets.map((target) => open(target)));
  return {
    stop: async () => {
      const out = new Map<string, CpuProfile>();
      for (const s of sessions) {
        const result = (await s.call("Profiler.stop")) as { profile: CpuProfile };
        out.set(s.target, result.profile);
        s.ws.close();
      }
      return out;
    },
  };
}

/**
 * A sample's time delta past this is the thread waiting (a stall, another isolate's turn), not
 * the sampled frame computing: one 1,052 ms delta once landed inside building a SQL statement.
 * Such samples are left out of busy and self time and reported as `gapMs`.
 */
export const MAX_SAMPLE_MS = 10;

/**
 * Busy ms (every sample but `(idle)`, and none longer than MAX_SAMPLE_MS) and self ms per
 * `function (file)` of one profile; `gapMs`: the samples left out as stalls.
 */
export function summarize(profile: CpuProfile): {
  busyMs: number;
  gapMs: number;
  selfMs: Map<string, number>;
  inclusiveMs: (match: (frame: CallFrame) => boolean) => number;
} {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfMs = new Map<string, number>();
  let busyMs = 0;
  let gapMs = 0;
  const sampleMs: Array<[number, number]> = [];
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const frame = byId.get(id)?.callFrame;
    if (!frame || frame.functionName === "(idle)") return;
    if (ms > MAX_SAMPLE_MS) {
      gapMs += ms;
      return;
    }
    busyMs += ms;
    const key = `${frame.functionName || "(anonymous)"} ${shortUrl(frame.url)}:${frame.lineNumber}`;
    selfMs.set(key, (selfMs.get(key) ?? 0) + ms);
    sampleMs.push([id, ms]);
  });
  const inclusiveMs = (match: (frame: CallFrame) => boolean) => {
    let ms = 0;
    for (const [id, t] of sampleMs) {
      for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
        const frame = byId.get(n)?.callFrame;
        if (frame && match(frame)) {
          ms += t;
          break;
        }
      }
    }
    return ms;
  };
  return { busyMs, gapMs, selfMs, inclusiveMs };
}

function shortUrl(url: string): string {
  return url.split("/").slice(-2).join("/");
}
