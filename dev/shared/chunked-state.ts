/**
 * A JSON document in Durable Object storage, cut into chunks because a stored value (with its
 * key) may not exceed 2 MB. A save writes every chunk and the meta record in one `put`, which
 * storage applies atomically, so a reader never sees half a save. Used by the sandboxes, which
 * keep their whole state as one document under a key prefix.
 */

/** The part of DurableObjectStorage this uses (a Map-backed fake passes in tests). */
export interface StateStorage {
  get(keys: string[]): Promise<Map<string, unknown>>;
  put(entries: Record<string, unknown>): Promise<void>;
  delete(keys: string[]): Promise<number>;
}

/** Characters per chunk: at most 1 MB even if every character took two bytes. */
export const CHUNK_CHARS = 512 * 1024;
/** One put takes at most 128 keys: the meta record and up to 100 chunks (about 50 MB of JSON). */
export const MAX_CHUNKS = 100;

interface Meta {
  chunks: number;
  chars: number;
}

export class StateTooLargeError extends Error {
  constructor(chars: number) {
    super(`the state is ${chars} characters, more than ${MAX_CHUNKS * CHUNK_CHARS}; reset it`);
    this.name = "StateTooLargeError";
  }
}

const metaKey = (prefix: string) => `${prefix}:meta`;
const chunkKey = (prefix: string, i: number) => `${prefix}:chunk:${i}`;

export async function saveChunked(
  storage: StateStorage,
  prefix: string,
  value: unknown,
): Promise<void> {
  const META_KEY = metaKey(prefix);
  const json = JSON.stringify(value);
  const chunks = Math.max(1, Math.ceil(json.length / CHUNK_CHARS));
  if (chunks > MAX_CHUNKS) throw new StateTooLargeError(json.length);
  const previous = (await storage.get([META_KEY])).get(META_KEY) as Meta | undefined;
  const entries: Record<string, unknown> = {
    [META_KEY]: { chunks, chars: json.length } satisfies Meta,
  };
  for (let i = 0; i < chunks; i++)
    entries[chunkKey(prefix, i)] = json.slice(i * CHUNK_CHARS, (i + 1) * CHUNK_CHARS);
  await storage.put(entries);
  // Chunks past the new end are unreachable (meta says how many count); drop them to save space.
  if (previous !== undefined && previous.chunks > chunks) {
    const stale = [];
    for (let i = chunks; i < previous.chunks; i++) stale.push(chunkKey(prefix, i));
    await storage.delete(stale);
  }
}

/** The saved document, or null when nothing was saved yet. Throws if the chunks are damaged. */
export async function loadChunked(storage: StateStorage, prefix: string): Promise<unknown> {
  const META_KEY = metaKey(prefix);
  const meta = (await storage.get([META_KEY])).get(META_KEY) as Meta | undefined;
  if (meta === undefined) return null;
  if (!Number.isSafeInteger(meta.chunks) || meta.chunks < 1 || meta.chunks > MAX_CHUNKS) {
    throw new Error(`${prefix} state meta is damaged`);
  }
  const keys = Array.from({ length: meta.chunks }, (_, i) => chunkKey(prefix, i));
  const values = await storage.get(keys);
  let json = "";
  for (const key of keys) {
    const part = values.get(key);
    if (typeof part !== "string") throw new Error(`${prefix} state chunk ${key} is missing`);
    json += part;
  }
  if (json.length !== meta.chars) throw new Error(`${prefix} state length does not match its meta`);
  return JSON.parse(json) as unknown;
}
