import type { LotState } from "./lot";

/** A lot for the decision tables: active, never touched, unless `over` says otherwise. */
export function lot(lotId: string, seq: number, over: Partial<LotState> = {}): LotState {
  const earned = over.earned ?? 100;
  return {
    lotId,
    seq,
    earned,
    remaining: earned,
    spent: 0,
    expired: 0,
    reversed: 0,
    activatedAtMs: 0,
    pendingUntilMs: null,
    expiresAtMs: 1_000,
    ...over,
  };
}
