/**
 * Mulberry32, written here so the simulation's randomness depends on nothing in the product
 * (dev/sandbox-network has its own copy). Same seed, same sequence, on every runtime.
 */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error("pick from an empty list");
    return item;
  }

  /** A new stream derived from this one (so one consumer's draws never shift another's). */
  fork(label: number): Prng {
    return new Prng((Math.floor(this.next() * 4_294_967_296) ^ Math.imul(label, 0x9e3779b1)) >>> 0);
  }
}
