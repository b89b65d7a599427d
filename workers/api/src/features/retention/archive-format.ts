import { toHex } from "#shared/crypto/encoding";
import { sha256 } from "#shared/crypto/hmac";

/**
 * The postback archive's object format: one R2 object per archive batch, NDJSON (one
 * `{"id","rawBody"}` per line, in the batch's order), gzip-compressed. A row points to its
 * body by object key and line number.
 *
 * The key is derived from the content (day of the first row, its time, a hash of the lines),
 * so a re-run over the same rows — after a crash between the R2 write and the D1 update —
 * writes the same object again, and different rows can never overwrite an object that rows
 * already point to.
 */

export interface ArchivedBody {
  id: string;
  receivedAtMs: number;
  rawBody: string;
}

const KEY_PREFIX = "received-postbacks/v1";

/** NDJSON of the bodies, in order; line i is bodies[i]. */
export function archiveLines(bodies: readonly ArchivedBody[]): string {
  return bodies.map((b) => JSON.stringify({ id: b.id, rawBody: b.rawBody })).join("\n");
}

/**
 * @example
 * await archiveKeyFor(rows, archiveLines(rows))
 * // "received-postbacks/v1/2026/01/05/1767571200000-3f2a9c…e1.ndjson.gz"
 */
export async function archiveKeyFor(
  bodies: readonly ArchivedBody[],
  ndjson: string,
): Promise<string> {
  const first = bodies[0];
  if (!first) throw new RangeError("an archive batch has at least one body");
  const day = new Date(first.receivedAtMs).toISOString().slice(0, 10).replaceAll("-", "/");
  const digest = toHex(await sha256(ndjson)).slice(0, 32);
  return `${KEY_PREFIX}/${day}/${first.receivedAtMs}-${digest}.ndjson.gz`;
}

export async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export async function gunzip(body: ReadableStream | ArrayBuffer | Uint8Array): Promise<string> {
  const source = body instanceof ReadableStream ? body : new Blob([body]).stream();
  return new Response(source.pipeThrough(new DecompressionStream("gzip"))).text();
}

/** The body at `line`, if that line holds the postback `id`; null otherwise. */
export function bodyAtLine(ndjson: string, line: number, id: string): string | null {
  const text = ndjson.split("\n")[line];
  if (text === undefined) return null;
  try {
    const parsed = JSON.parse(text) as { id?: unknown; rawBody?: unknown };
    return parsed.id === id && typeof parsed.rawBody === "string" ? parsed.rawBody : null;
  } catch {
    return null;
  }
}

/**
 * Pure: the longest prefix of `bodies` (at least one) whose raw bodies stay within
 * `maxBytes`, so one object stays a comfortable size whatever the bodies weigh.
 */
export function takeWithinBytes<T extends { rawBody: string }>(
  bodies: readonly T[],
  maxBytes: number,
): T[] {
  const taken: T[] = [];
  let bytes = 0;
  for (const body of bodies) {
    bytes += body.rawBody.length * 3; // UTF-8 upper bound for a UTF-16 string
    if (taken.length > 0 && bytes > maxBytes) break;
    taken.push(body);
  }
  return taken;
}
