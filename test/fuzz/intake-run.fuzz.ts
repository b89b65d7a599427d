import { beforeAll, expect, it } from "vitest";
import { FORMATS, fuzzEvents, fuzzPostbacks, setUpIntakeNetworks } from "./intake-fuzz";

/** Compiled in by vitest.fuzz.config.ts from `npm run fuzz -- --intake N` (scripts/fuzz.ts). */
declare const __FUZZ_OPTIONS__: { seed: number; intakePerFormat: number };

const { seed, intakePerFormat: count } = __FUZZ_OPTIONS__;

beforeAll(setUpIntakeNetworks);

it.each([...FORMATS, "events" as const])(
  `intake fuzz %s: seed=${seed} requests=${count}`,
  async (format) => {
    const started = performance.now();
    const { findings, tally } =
      format === "events"
        ? await fuzzEvents(seed, count)
        : await fuzzPostbacks(format, seed, count);
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `INTAKE FUZZ ${findings.length === 0 ? "OK" : "FAIL"} ${format} seed=${seed} requests=${count} seconds=${seconds.toFixed(1)} statuses=${JSON.stringify(Object.fromEntries(tally))} findings=${findings.length}`,
    );
    for (const finding of findings.slice(0, 50)) console.log(`  ${finding}`);
    expect(findings.join("\n")).toBe("");
  },
);
