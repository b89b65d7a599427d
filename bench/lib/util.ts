/** Small helpers the pipeline benchmarks share. */

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The load averages as the benchmarks print them. */
export function fmtLoad(load: number[]): string {
  return load.map((l) => l.toFixed(2)).join(" ");
}

/** A positive integer from the environment, or `fallback`; anything else exits with 2. */
export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) {
    console.error(`${name} must be a positive integer`);
    process.exit(2);
  }
  return value;
}
