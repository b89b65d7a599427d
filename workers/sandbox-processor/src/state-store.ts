/**
 * The processor's state in Durable Object storage: one JSON document cut into chunks (a
 * stored value may not exceed 2 MB), written with the meta record in one `put`, which storage
 * applies atomically, so a reader never sees half a save.
 */

/** The part of DurableObjectStorage this uses. */
export interface ChunkStorage {
  get(keys: string[]): Promise<Map<string, unknown>>;
  put(entries: Record<string, unknown>): Promise<void>;
  delete(keys: string[]): Promise<number>;
}

const META_KEY = "sandbox-processor:meta";
const chunkKey = (i: number) => `sandbox-processor:chunk:${i}`;
/** Characters per chunk: at most 1 MB even if every character took two bytes. */
export const CHUNK_CHARS = 512 * 1024;
/** One put takes at most 128 keys: the meta record and up to 100 chunks. */
export const MAX_CHUNKS = 100;

interface Meta {
  chunks: number;
  chars: number;
}

export async function saveChunked(storage: ChunkStorage, value: unknown): Promise<void> {
  const json = JSON.stringify(value);
  const chunks = Math.max(1, Math.ceil(json.length / CHUNK_CHARS));
  if (chunks > MAX_CHUNKS) {
    throw new Error("the sandbox processor's state is too large: POST /control/reset");
  }
  const previous = (await storage.get([META_KEY])).get(META_KEY) as Meta | undefined;
  const entries: Record<string, unknown> = { [META_KEY]: { chunks, chars: json.length } };
  for (let i = 0; i < chunks; i++) {
    entries[chunkKey(i)] = json.slice(i * CHUNK_CHARS, (i + 1) * CHUNK_CHARS);
  }
  await storage.put(entries);
  if (previous !== undefined && previous.chunks > chunks) {
    const stale = [];
    for (let i = chunks; i < previous.chunks; i++) stale.push(chunkKey(i));
    await storage.delete(stale);
  }
}

/** The saved document, or null when nothing was saved yet. Throws when chunks are damaged. */
export async function loadChunked(storage: ChunkStorage): Promise<unknown> {
  const meta = (await storage.get([META_KEY])).get(META_KEY) as Meta | undefined;
  if (meta === undefined) return null;
  if (!Number.isSafeInteger(meta.chunks) || meta.chunks < 1 || meta.chunks > MAX_CHUNKS) {
    throw new Error("sandbox processor state meta is damaged");
  }
  const keys = Array.from({ length: meta.chunks }, (_, i) => chunkKey(i));
  const values = await storage.get(keys);
  let json = "";
  for (const key of keys) {
    const part = values.get(key);
    if (typeof part !== "string")
      throw new Error(`sandbox processor state chunk ${key} is missing`);
    json += part;
  }
  if (json.length !== meta.chars) throw new Error("sandbox processor state length does not match");
  return JSON.parse(json) as unknown;
}
