import { utf8Decoder } from "../crypto/encoding";
import { DRAIN_LIMIT_BYTES, declaredLength, discardRest } from "./drain-body";

export type BoundedText =
  | { ok: true; text: string }
  | { ok: false; reason: "too_large" | "not_utf8" };

/**
 * Reads a body as UTF-8, stopping at `maxBytes`: a declared length is checked before reading,
 * and a chunked body is counted as it streams, so an oversized body is never buffered. An
 * oversized body is still read out and dropped (up to DRAIN_LIMIT_BYTES, see drain-body.ts),
 * so the 413 that follows leaves the client's keep-alive connection usable. A response body
 * we fetched has no such connection to keep: pass `excess: "cancel"` to stop reading at once.
 *
 * @example
 * const read = await readBoundedText(request.headers, request.body, 16 * 1024);
 * if (!read.ok) return problem(read.reason === "too_large" ? 413 : 400);
 */
export async function readBoundedText(
  headers: Headers,
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
  excess: "drain" | "cancel" = "drain",
): Promise<BoundedText> {
  const declaredBytes = declaredLength(headers);
  if (declaredBytes !== null && declaredBytes > maxBytes) {
    if (body !== null) {
      if (excess === "cancel" || declaredBytes > DRAIN_LIMIT_BYTES) {
        await body.cancel().catch(() => undefined);
      } else {
        await discardRest(body.getReader());
      }
    }
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
      if (excess === "cancel") await reader.cancel().catch(() => undefined);
      else await discardRest(reader, total);
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
