import { defineConfig } from "vitest/config";
import { envInt, longRunConfig } from "./vitest.long-run";

/**
 * `npm run fuzz` (scripts/fuzz.ts): the api and intake fuzz at volume, only
 * test/fuzz/*.fuzz.ts (or FUZZ_ONLY's), with the run's seed, length and options from FUZZ_*
 * variables.
 */
const only = process.env.FUZZ_ONLY;

export default defineConfig((configEnv) =>
  longRunConfig(configEnv, {
    defineName: "__FUZZ_OPTIONS__",
    options: {
      seed: envInt("FUZZ_SEED", 16),
      from: envInt("FUZZ_FROM", 0),
      requests: envInt("FUZZ_REQUESTS", 1_000),
      blockSize: Math.max(1, envInt("FUZZ_BLOCK", 64)),
      intakePerFormat: envInt("FUZZ_INTAKE", 0),
      events: envInt("FUZZ_EVENTS", 0),
      progressEvery: Math.max(1, envInt("FUZZ_PROGRESS", 1_000)),
    },
    include: only ? [`test/fuzz/${only}.fuzz.ts`] : ["test/fuzz/*.fuzz.ts"],
    hookTimeoutMs: 600_000,
  }),
);
