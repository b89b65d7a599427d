/** SQL the fail-safe's retry reads: the fail-safe's active holds, oldest first. */
export function unavailableHoldIds(sql: SqlStorage, rows: number): string[] {
  return sql
    .exec<{ hold_id: string }>(
      `SELECT hold_id FROM risk_holds WHERE status = 'active' AND source = 'risk_unavailable'
       ORDER BY placed_at_ms, hold_id LIMIT ?`,
      rows,
    )
    .toArray()
    .map((r) => r.hold_id);
}
