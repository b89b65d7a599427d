/**
 * A tiny seeded PRNG (mulberry32) so every sandbox run is reproducible: the same seed and
 * the same operations give the same lost postbacks, the same jitter and the same delivery
 * order. Not for anything secret. Its whole state is one uint32, so it serialises with the
 * rest of the sandbox (a Durable Object can stop and resume the same sequence).
 */
export class Mulberry32 {
  #state: number;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError("seed must be an integer");
    this.#state = seed >>> 0;
  }

  /** The current state; `new Mulberry32(prng.state)` continues the same sequence. */
  get state(): number {
    return this.#state;
  }

  /**
   * A float in [0, 1).
   *
   * @example
   * const prng = new Mulberry32(42);
   * prng.next(); // the same value on every run
   */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer in [0, maxExclusive). */
  int(maxExclusive: number): number {
    if (!Number.isSafeInteger(maxExclusive) || maxExclusive < 1) {
      throw new RangeError("maxExclusive must be a positive integer");
    }
    return Math.floor(this.next() * maxExclusive);
  }

  /** True with probability `p` (0 never draws, so a zero rate leaves the sequence alone). */
  chance(p: number): boolean {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return this.next() < p;
  }

  /** Fisher–Yates, in place; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const a = items[i] as T;
      items[i] = items[j] as T;
      items[j] = a;
    }
    return items;
  }
}
