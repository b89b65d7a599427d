/**
 * One sync at a time per object, in bounded rounds: the after-commit work that asks other
 * objects (boost requests to campaign budgets, reward grants to rule budgets). A call while a
 * sync runs joins it and earns it one more round, so a write that lands mid-sync is not left
 * waiting for the alarm. A call may say what is due as of a later time (`runDue(asOfMs)` driven
 * ahead of the clock); the rounds from then on look that far ahead, never less far than the
 * clock (`dueAsOf`).
 *
 * @example
 * const rounds = new SyncRounds((asOfMs) => this.round(asOfMs), 4);
 * await rounds.sync(); // `round` returns true while rows were left for another round
 */
export class SyncRounds {
  private running: Promise<void> | null = null;
  private again = false;
  /** The latest "due as of" a caller of the running sync asked for, if any. */
  private asOfMs: number | undefined;

  constructor(
    private readonly round: (asOfMs: number | undefined) => Promise<boolean>,
    private readonly maxRounds: number,
  ) {}

  sync(asOfMs?: number): Promise<void> {
    if (asOfMs !== undefined) this.asOfMs = Math.max(this.asOfMs ?? asOfMs, asOfMs);
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      for (let round = 0; round < this.maxRounds; round++) {
        this.again = false;
        const more = await this.round(this.asOfMs);
        if (!more && !this.again) return;
      }
    })().finally(() => {
      this.running = null;
      this.asOfMs = undefined;
    });
    return this.running;
  }
}

/**
 * What a round treats as due: rows due by the clock, or by a later `asOfMs` its caller drove
 * the schedule to (never an earlier one: the alarm's `asOfMs` is already in the past).
 */
export function dueAsOf(clockMs: number, asOfMs: number | undefined): number {
  return asOfMs === undefined ? clockMs : Math.max(clockMs, asOfMs);
}
