/**
 * One sync at a time per object, in bounded rounds: the after-commit work that asks other
 * objects (boost requests to campaign budgets, reward grants to rule budgets). A call while a
 * sync runs joins it and earns it one more round, so a write that lands mid-sync is not left
 * waiting for the alarm.
 *
 * @example
 * const rounds = new SyncRounds(() => this.round(), 4);
 * await rounds.sync(); // `round` returns true while rows were left for another round
 */
export class SyncRounds {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly round: () => Promise<boolean>,
    private readonly maxRounds: number,
  ) {}

  sync(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      for (let round = 0; round < this.maxRounds; round++) {
        this.again = false;
        const more = await this.round();
        if (!more && !this.again) return;
      }
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }
}
