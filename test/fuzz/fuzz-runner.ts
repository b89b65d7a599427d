import type { ContractValidator } from "../contract-validator";
import type { ApiFuzzPlanner, FuzzContext, PlannedRequest } from "./api-fuzz";

/**
 * The api fuzz loop, shared by the CI sample (api-fuzz.e2e.test.ts), the long run inside the
 * test runtime (fuzz-run.fuzz.ts, `npm run fuzz`) and the run over HTTP (`npm run fuzz --
 * --http`). It imports nothing from the runtime: the caller passes how to send a request and
 * how to read the fuzz users' ledgers.
 *
 * **Ledger checks in blocks.** Ledger entries are append-only and every posting moves the
 * wallet's chain head, so a fingerprint (per fuzz wallet: entry count, newest seq, chain head,
 * every bucket's balance, points lots) read at the two ends of a run of requests that is equal
 * proves that no request of the run wrote, without reading the ledger around each one. A block
 * is the requests since the last reading; it closes after an accepted request (2xx/3xx: it may
 * write legitimately, so the next block starts from a fresh reading), a 5xx, or `blockSize`
 * refused requests. When a closed block's fingerprint differs:
 * - all its requests were refused: one of them wrote; the block is replayed one by one with a
 *   reading around each, and the one that changes the ledger is named (seed and index);
 * - it ended with an accepted request: the change may be that request's own; its refused
 *   requests are replayed one by one the same way, and only a refused one that changes the
 *   ledger on replay is a finding.
 * A replay runs in the state the block left, so a write that does not repeat (a refused request
 * that wrote only once) is reported as the block, with its index range, when every request of
 * it was refused. `blockSize: 1` reads the ledger around every refused request, as before.
 */

export interface Sent {
  status: number;
  contentType: string | null;
  text: string;
}

export interface FuzzRunnerOptions {
  planner: ApiFuzzPlanner;
  validator: ContractValidator;
  ctx: FuzzContext;
  /** Sends one planned request; throws when the connection closed without an answer. */
  send: (request: PlannedRequest) => Promise<Sent>;
  /** What a refused request must not change (both fuzz users' ledgers). */
  ledgers: () => Promise<string>;
  /** Refused requests per ledger reading (at most). */
  blockSize: number;
  /**
   * Whether a 429 counts as refusing hostile credentials (over HTTP the dev server keeps the
   * deployment's rate limits; the test runtime's are out of reach, so there it must be 401/403).
   */
  rateLimited?: boolean;
}

export interface Finding {
  seed: number;
  index: number;
  request: string;
  problem: string;
}

export interface RunReport {
  seed: number;
  from: number;
  count: number;
  findings: Finding[];
  /** Counts by status class and by mutation kind × class ("credential:4xx"). */
  tally: Map<string, number>;
  /** Exact statuses. */
  statuses: Map<string, number>;
  ledgerReads: number;
  blocksReplayed: number;
  /** Milliseconds spent planning, sending and reading ledgers. */
  ms: { plan: number; send: number; ledger: number; check: number };
  /** Milliseconds spent sending, by operation (where the time goes). */
  sendMsByOperation: Map<string, number>;
}

function parse(text: string, contentType: string | null): unknown {
  if (text === "") return undefined;
  if (contentType?.includes("json")) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

export const describeRequest = (r: PlannedRequest) =>
  `${r.method} ${r.url.slice(0, 160)} [${r.operationId} ${r.mutation}]`;

export class FuzzRunner {
  constructor(private readonly o: FuzzRunnerOptions) {}

  /** Requests `from` … `from + count − 1` of `seed`; each index plans the same request every run. */
  async run(
    seed: number,
    from: number,
    count: number,
    progress?: (done: number, report: RunReport) => void,
    progressEvery = 1000,
  ) {
    const report: RunReport = {
      seed,
      from,
      count,
      findings: [],
      tally: new Map(),
      statuses: new Map(),
      ledgerReads: 0,
      blocksReplayed: 0,
      ms: { plan: 0, send: 0, ledger: 0, check: 0 },
      sendMsByOperation: new Map(),
    };
    const read = async () => {
      const t = performance.now();
      const value = await this.o.ledgers();
      report.ms.ledger += performance.now() - t;
      report.ledgerReads++;
      return value;
    };
    let base = await read();
    /** Refused requests since `base` was read. */
    let block: Array<{ index: number; request: PlannedRequest }> = [];
    const close = async (endedAccepted: boolean) => {
      const now = await read();
      if (now !== base && block.length > 0) {
        report.blocksReplayed++;
        const named = await this.replay(seed, block, report, read, now);
        if (!named && !endedAccepted) {
          const first = block[0]?.index ?? 0;
          const last = block[block.length - 1]?.index ?? 0;
          report.findings.push({
            seed,
            index: first,
            request: `requests ${first}…${last} (all refused)`,
            problem: `a ledger changed across refused requests only, and no single one changed it on replay: ${base} → ${now}`,
          });
        }
        base = await read();
      } else {
        base = now;
      }
      block = [];
    };

    for (let index = from; index < from + count; index++) {
      const t = performance.now();
      const request = await this.o.planner.plan(seed, index, this.o.ctx);
      report.ms.plan += performance.now() - t;
      const outcome = await this.sendAndCheck(seed, index, request, report);
      if (outcome === "refused") {
        block.push({ index, request });
        if (block.length >= this.o.blockSize) await close(false);
      } else {
        // Accepted, 5xx or a closed connection: the request may have written; read now.
        await close(outcome === "accepted");
      }
      if (progress && (index - from + 1) % progressEvery === 0) progress(index - from + 1, report);
    }
    if (block.length > 0) await close(false);
    return report;
  }

  /** Replays a block one by one with a reading around each; true when one was named. */
  private async replay(
    seed: number,
    block: Array<{ index: number; request: PlannedRequest }>,
    report: RunReport,
    read: () => Promise<string>,
    start: string,
  ): Promise<boolean> {
    let named = false;
    let before = start;
    for (const { index, request } of block) {
      const sent = await this.o.send(request).catch(() => undefined);
      const after = await read();
      if (sent && sent.status >= 400 && sent.status < 500 && after !== before) {
        named = true;
        report.findings.push({
          seed,
          index,
          request: `${describeRequest(request)} → ${sent.status}`,
          problem: `refused, but a ledger changed: ${before} → ${after}`,
        });
      }
      before = after;
    }
    return named;
  }

  /** Sends one request and checks its answer; says whether it was refused (4xx). */
  private async sendAndCheck(
    seed: number,
    index: number,
    request: PlannedRequest,
    report: RunReport,
  ): Promise<"refused" | "accepted" | "other"> {
    const note = (seen: string, problem: string) =>
      report.findings.push({ seed, index, request: seen, problem });
    let t = performance.now();
    let sent: Sent;
    try {
      sent = await this.o.send(request);
    } catch (error) {
      report.ms.send += performance.now() - t;
      report.sendMsByOperation.set(
        request.operationId,
        (report.sendMsByOperation.get(request.operationId) ?? 0) + performance.now() - t,
      );
      // The local runtime may answer an oversized body's 413 before reading it and close the
      // connection while the client still sends (over HTTP): counted, not a finding.
      const key = request.mutation === "body:oversized" ? "closed-oversized" : "closed";
      bump(report.statuses, key);
      if (key === "closed")
        note(describeRequest(request), `connection closed (${String(error).slice(0, 200)})`);
      return "other";
    }
    report.ms.send += performance.now() - t;
    report.sendMsByOperation.set(
      request.operationId,
      (report.sendMsByOperation.get(request.operationId) ?? 0) + performance.now() - t,
    );
    t = performance.now();
    const { status, contentType, text } = sent;
    const klass = `${String(status)[0]}xx`;
    bump(report.tally, klass);
    bump(report.tally, `${request.mutation.split(":")[0]}:${klass}`);
    bump(report.statuses, String(status));
    const seen = `${describeRequest(request)} → ${status}`;
    try {
      if (status >= 500) {
        note(seen, `5xx: ${text.slice(0, 300)}`);
        return "other";
      }
      const refusedCredentials =
        status === 401 || status === 403 || (this.o.rateLimited === true && status === 429);
      if (request.hostileCredentials && !refusedCredentials) {
        note(seen, `hostile credentials were not refused (${status})`);
      }
      if (request.crossUser && status < 400) {
        note(seen, `a user reached another user's resource (${status})`);
      }
      if (status < 400) return "accepted";
      if (!contentType?.startsWith("application/problem+json")) {
        note(seen, `4xx content-type ${contentType}: ${text.slice(0, 200)}`);
      }
      const verdict = this.o.validator.verdict({
        method: request.method,
        url: request.url,
        requestHeaders: request.headers,
        requestBody: request.jsonBody,
        status,
        contentType,
        responseBody: parse(text, contentType),
      });
      for (const error of verdict.responseErrors) note(seen, `document: ${error}`);
      return "refused";
    } finally {
      report.ms.check += performance.now() - t;
    }
  }
}

/** One line per finding, each naming what replays it. */
export function formatFindings(findings: Finding[], limit = 50): string {
  const lines = findings
    .slice(0, limit)
    .map(
      (f) =>
        `FUZZ FAIL seed=${f.seed} index=${f.index} (replay: npm run fuzz -- --seed ${f.seed} --from ${f.index} --requests 1) ${f.request}: ${f.problem}`,
    );
  if (findings.length > limit) lines.push(`… and ${findings.length - limit} more`);
  return lines.join("\n");
}

/** The operations that took the most sending time, slowest first. */
export function slowestOperations(report: RunReport, n = 10): string {
  return [...report.sendMsByOperation]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([op, ms]) => `${op}=${(ms / 1000).toFixed(1)}s`)
    .join(" ");
}

export function formatTally(report: RunReport): string {
  return [...report.tally].map(([k, v]) => `${k}=${v}`).join(" ");
}
