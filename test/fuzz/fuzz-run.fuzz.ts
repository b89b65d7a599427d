import { expect, it } from "vitest";
import { apiFuzzRunner } from "./api-fuzz-setup";
import { formatFindings, formatTally, slowestOperations } from "./fuzz-runner";

/** Compiled in by vitest.fuzz.config.ts from `npm run fuzz -- …` (scripts/fuzz.ts). */
declare const __FUZZ_OPTIONS__: {
  seed: number;
  from: number;
  requests: number;
  blockSize: number;
  intakePerFormat: number;
  events: number;
  progressEvery: number;
};

const options = __FUZZ_OPTIONS__;

it(`api fuzz seed=${options.seed} requests=${options.requests} from=${options.from}`, async () => {
  const { runner, planner } = await apiFuzzRunner(options.blockSize);
  console.log(
    `fuzz: ${options.requests} requests from index ${options.from}, seed ${options.seed}, ${planner.operationCount} operations, ledger read per ≤${options.blockSize} refused requests, in the test runtime`,
  );
  const started = performance.now();
  const report = await runner.run(
    options.seed,
    options.from,
    options.requests,
    (done, so) => {
      const s = (performance.now() - started) / 1000;
      const ms = Object.entries(so.ms).map(([k, v]) => `${k}=${(v / 1000).toFixed(1)}s`);
      console.log(
        `  ${done} requests, ${s.toFixed(0)} s, ${(done / s).toFixed(1)} req/s, ledger reads ${so.ledgerReads}, ${ms.join(" ")}, findings ${so.findings.length}; slowest: ${slowestOperations(so, 5)}`,
      );
    },
    options.progressEvery,
  );
  const seconds = (performance.now() - started) / 1000;
  const ms = Object.fromEntries(
    Object.entries(report.ms).map(([k, v]) => [k, Math.round(v / 1000)]),
  );
  console.log(
    `FUZZ ${report.findings.length === 0 ? "OK" : "FAIL"} seed=${options.seed} from=${options.from} requests=${options.requests} seconds=${seconds.toFixed(1)} req_per_s=${(options.requests / seconds).toFixed(1)} statuses=${JSON.stringify(Object.fromEntries(report.statuses))} ${formatTally(report)} ledger_reads=${report.ledgerReads} blocks_replayed=${report.blocksReplayed} seconds_by_phase=${JSON.stringify(ms)} findings=${report.findings.length}`,
  );
  if (report.findings.length > 0) console.log(formatFindings(report.findings, 100));
  expect(report.findings.length, formatFindings(report.findings, 20)).toBe(0);
});
