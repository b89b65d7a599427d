import { spawnSync } from "node:child_process";

/**
 * `npm run sim -- --events 100000 --seed 7 [--no-faults] [--clock-ahead 300000]`
 *
 * Runs the deterministic simulation (test/sim, docs/testing.md) at scale through vitest with
 * vitest.sim.config.ts: the same workers, queues and Durable Objects as the test suite. The
 * seed decides everything (workload, delivery order, duplicates, faults), so a failing seed
 * replays the same run. Prints progress and events per second; exits non-zero on
 * `SIM FAIL seed=… step=… invariant=…`.
 */
const args = process.argv.slice(2);
const env: Record<string, string> = { ...process.env } as Record<string, string>;
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  const value = args[i + 1];
  const needs = (name: string) => {
    if (value === undefined || !/^\d+$/.test(value)) {
      console.error(`${arg} needs a non-negative integer`);
      process.exit(2);
    }
    env[name] = value;
    i++;
  };
  switch (arg) {
    case "--events":
      needs("SIM_EVENTS");
      break;
    case "--seed":
      needs("SIM_SEED");
      break;
    case "--clock-ahead":
      needs("SIM_CLOCK_AHEAD_MS");
      break;
    case "--progress":
      needs("SIM_PROGRESS_EVERY");
      break;
    case "--no-faults":
      env.SIM_FAULTS = "0";
      break;
    default:
      console.error(
        `unknown argument ${arg}\nusage: npm run sim -- [--events N] [--seed N] [--no-faults] [--clock-ahead MS] [--progress N]`,
      );
      process.exit(2);
  }
}
const run = spawnSync("npx", ["vitest", "run", "-c", "vitest.sim.config.ts"], {
  stdio: "inherit",
  env,
});
process.exit(run.status ?? 1);
