import http from "node:http";
import { performance } from "node:perf_hooks";

/**
 * A closed-loop load generator: `concurrency` loops, each on its own keep-alive
 * connection, send GET, drain the response without following redirects, and send the next
 * one, until the time is up. Plain node:http, because its per-request cost is a fraction
 * of fetch's and the client shares the machine with the runtime under test.
 */
export interface LoadOptions {
  host: string;
  port: number;
  path: string;
  concurrency: number;
  durationMs: number;
  /** A request that takes longer than this counts as an error. */
  timeoutMs?: number;
}

export interface LoadResult {
  /** Wall time from the first request to the last response, in ms. */
  elapsedMs: number;
  /** Responses with status 302: the only successes. */
  ok: number;
  /** Responses with any other status, keyed by status. */
  non302: Record<string, number>;
  /** Requests that got no response (socket error, timeout). */
  errors: number;
  firstError?: string;
  /** Latency of every 302, in ms, in completion order. */
  latenciesMs: Float64Array;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const timeoutMs = options.timeoutMs ?? 10_000;
  let latencies = new Float64Array(1 << 16);
  let ok = 0;
  let errors = 0;
  let firstError: string | undefined;
  const non302: Record<string, number> = {};

  const start = performance.now();
  const deadline = start + options.durationMs;
  const loop = async () => {
    while (performance.now() < deadline) {
      const sent = performance.now();
      try {
        const status = await get(agent, options, timeoutMs);
        if (status === 302) {
          if (ok === latencies.length) {
            const grown = new Float64Array(latencies.length * 2);
            grown.set(latencies);
            latencies = grown;
          }
          latencies[ok++] = performance.now() - sent;
        } else {
          non302[status] = (non302[status] ?? 0) + 1;
        }
      } catch (error) {
        errors++;
        firstError ??= String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, loop));
  const elapsedMs = performance.now() - start;
  agent.destroy();
  return {
    elapsedMs,
    ok,
    non302,
    errors,
    ...(firstError ? { firstError } : {}),
    latenciesMs: latencies.slice(0, ok),
  };
}

function get(agent: http.Agent, target: LoadOptions, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      { host: target.host, port: target.port, path: target.path, agent },
      (response) => {
        response.on("error", reject);
        response.on("end", () => resolve(response.statusCode ?? 0));
        response.resume();
      },
    );
    request.setTimeout(timeoutMs, () => request.destroy(new Error("request timed out")));
    request.on("error", reject);
  });
}

/** Nearest-rank percentile of an ascending sample; `q` in [0, 1]. */
export function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}
