import { beforeAll, describe, expect, it } from "vitest";
import type { ApiFuzzPlanner } from "./api-fuzz";
import { apiFuzzRunner } from "./api-fuzz-setup";
import { type FuzzRunner, formatFindings, formatTally } from "./fuzz-runner";

/**
 * Hostile fuzzing of the api from the document it serves (GET /openapi.json): requests drawn
 * from every operation's parameter and body schemas, most of them then made hostile (wrong
 * types, huge and negative numbers, control characters, deep nesting, missing and extra
 * fields, truncated, oversized and mistyped bodies, bad and expired credentials, other users'
 * ids). For every response: never a 5xx; every 4xx is application/problem+json and matches
 * what the document declares for that status; hostile credentials are refused; a user never
 * reaches another user's resource; and a refused request leaves both fuzz users' ledgers
 * exactly as they were (read at the ends of each block of refused requests, fuzz-runner.ts;
 * a changed block is replayed one by one to name the request). A fixed seed runs every time,
 * then one random seed, printed so a failure replays with REPLAY_SEED below or with
 * `npm run fuzz -- --seed N --from INDEX --requests 1`.
 */

const FIXED_SEED = 16;
/** Requests per seed, as a multiple of the number of operations (each is hit this often). */
const FIXED_ROUNDS = 1;
const RANDOM_ROUNDS = 1;
/** Refused requests per ledger reading (the long run's default). */
const BLOCK_SIZE = 64;
/**
 * The test runtime (workerd) sees no shell environment: to replay a printed seed, set it here
 * (or run `npm run fuzz -- --seed <seed>`).
 */
const REPLAY_SEED: number | undefined = undefined;

let runner: FuzzRunner;
let planner: ApiFuzzPlanner;

beforeAll(async () => {
  ({ runner, planner } = await apiFuzzRunner(BLOCK_SIZE));
});

describe("api fuzz from /openapi.json", () => {
  it(`seed ${FIXED_SEED}: every operation ${FIXED_ROUNDS}×, no 5xx, 4xx as documented, refused requests change no ledger`, async () => {
    const count = planner.operationCount * FIXED_ROUNDS;
    const report = await runner.run(FIXED_SEED, 0, count);
    console.log(
      `api fuzz seed=${FIXED_SEED} requests=${count} ${formatTally(report)} ledgerReads=${report.ledgerReads} findings=${report.findings.length}`,
    );
    expect(formatFindings(report.findings), `seed ${FIXED_SEED}`).toBe("");
  }, 300_000);

  it("a random seed (printed; replay with REPLAY_SEED)", async () => {
    const seed = REPLAY_SEED ?? Math.floor(Math.random() * 2 ** 31);
    const count = planner.operationCount * RANDOM_ROUNDS;
    const report = await runner.run(seed, 0, count);
    console.log(
      `api fuzz seed=${seed} requests=${count} ${formatTally(report)} ledgerReads=${report.ledgerReads} findings=${report.findings.length}`,
    );
    expect(formatFindings(report.findings), `seed ${seed} (replay: REPLAY_SEED = ${seed})`).toBe(
      "",
    );
  }, 300_000);
});
