import { utf8Decoder } from "../crypto/encoding";

export type BoundedText =
  | { ok: true; text: string }
  | { ok: false; reason: "too_large" | "not_utf8" };

/**
 * Reads a body as UTF-8, stopping at `maxBytes`: a declared length is checked before reading,
 * and a chunked body is counted as it streams, so an oversized body is never buffered.
 */
export async function readBoundedText(
  headers: Headers,
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<BoundedText> {
  if (Number(headers.get("content-length") ?? "0") > maxBytes) {
    await body?.cancel();
    return { ok: false, reason: "too_large" };
  }
  if (body === null) return { ok: true, text: "" };
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return { ok: false, reason: "too_large" };
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return { ok: true, text: utf8Decoder.decode(bytes) };
  } catch {
    return { ok: false, reason: "not_utf8" };
  }
}
