import type { StateStorage } from "./state-store";

/** A Map-backed stand-in for the slice of DurableObjectStorage the sandbox uses (tests only). */
export class MemoryStorage implements StateStorage {
  readonly data = new Map<string, unknown>();
  puts = 0;
  failPuts = false;

  async get(keys: string[]): Promise<Map<string, unknown>> {
    return new Map(
      keys
        .filter((key) => this.data.has(key))
        .map((key) => [key, structuredClone(this.data.get(key))]),
    );
  }

  async put(entries: Record<string, unknown>): Promise<void> {
    if (this.failPuts) throw new Error("storage is failing (injected)");
    this.puts++;
    for (const [key, value] of Object.entries(entries)) this.data.set(key, structuredClone(value));
  }

  async delete(keys: string[]): Promise<number> {
    return keys.filter((key) => this.data.delete(key)).length;
  }
}
