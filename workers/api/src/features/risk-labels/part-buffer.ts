/**
 * Pure: cuts a stream of byte chunks into parts of exactly `partBytes` (R2 multipart uploads
 * want every part but the last the same size, at least 5 MiB), holding at most one part plus
 * the chunk being added.
 *
 * @example
 * const parts = new PartBuffer(4);
 * parts.push(bytes("abcdef")); // [bytes("abcd")]
 * parts.flush(); // bytes("ef")
 */
export class PartBuffer {
  readonly #partBytes: number;
  #chunks: Uint8Array[] = [];
  #size = 0;

  constructor(partBytes: number) {
    if (!Number.isInteger(partBytes) || partBytes < 1) throw new RangeError("partBytes ≥ 1");
    this.#partBytes = partBytes;
  }

  /** Adds a chunk; returns the parts it completed (each exactly `partBytes`), oldest first. */
  push(chunk: Uint8Array): Uint8Array[] {
    if (chunk.byteLength === 0) return [];
    this.#chunks.push(chunk);
    this.#size += chunk.byteLength;
    const full: Uint8Array[] = [];
    while (this.#size >= this.#partBytes) full.push(this.#take(this.#partBytes));
    return full;
  }

  /** What is left (the last part, shorter than `partBytes`), or null when nothing is. */
  flush(): Uint8Array | null {
    return this.#size === 0 ? null : this.#take(this.#size);
  }

  #take(n: number): Uint8Array {
    const part = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const head = this.#chunks[0] as Uint8Array;
      const used = Math.min(head.byteLength, n - filled);
      part.set(head.subarray(0, used), filled);
      filled += used;
      if (used === head.byteLength) this.#chunks.shift();
      else this.#chunks[0] = head.subarray(used);
    }
    this.#size -= n;
    return part;
  }
}
