/**
 * Voucher pools in D1: operator-uploaded codes, each handed out to one redemption. A code is
 * claimed with ONE conditional statement (D1 runs statements one at a time, and the
 * `claim_key IS NULL` guard re-checks the row it picked), keyed by the redemption, so
 * concurrent redemptions never get the same code and a retry of one finds its own claim.
 * Codes are never returned by any admin read: only counts.
 */

export interface PoolRow {
  id: string;
  name: string;
  pointsCost: number;
  active: boolean;
  createdAtMs: number;
  createdBy: string;
  total: number;
  issued: number;
}

interface RawPool {
  id: string;
  name: string;
  points_cost: number;
  active: number;
  created_at_ms: number;
  created_by: string;
  total: number;
  issued: number;
}

const poolOf = (r: RawPool): PoolRow => ({
  id: r.id,
  name: r.name,
  pointsCost: r.points_cost,
  active: r.active === 1,
  createdAtMs: r.created_at_ms,
  createdBy: r.created_by,
  total: r.total,
  issued: r.issued,
});

const POOL_WITH_COUNTS = `
  SELECT p.id, p.name, p.points_cost, p.active, p.created_at_ms, p.created_by,
         COUNT(c.id) AS total, COUNT(c.claim_key) AS issued
  FROM voucher_pools p LEFT JOIN voucher_codes c ON c.pool_id = p.id`;

/** Pools listed at most: an operator keeps a handful, not thousands. */
export const MAX_POOLS_LISTED = 500;

export async function listPools(db: D1Database): Promise<PoolRow[]> {
  const { results } = await db
    .prepare(`${POOL_WITH_COUNTS} GROUP BY p.id ORDER BY p.created_at_ms DESC, p.id LIMIT ?`)
    .bind(MAX_POOLS_LISTED)
    .all<RawPool>();
  return results.map(poolOf);
}

export async function findPool(db: D1Database, poolId: string): Promise<PoolRow | null> {
  const row = await db
    .prepare(`${POOL_WITH_COUNTS} WHERE p.id = ? GROUP BY p.id`)
    .bind(poolId)
    .first<RawPool>();
  return row ? poolOf(row) : null;
}

/** Inserts a pool; false when the id is taken (nothing changes then). */
export async function insertPool(
  db: D1Database,
  pool: {
    id: string;
    name: string;
    pointsCost: number;
    active: boolean;
    nowMs: number;
    by: string;
  },
): Promise<boolean> {
  const result = await db
    .prepare(
      `INSERT INTO voucher_pools (id, name, points_cost, active, created_at_ms, created_by)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    )
    .bind(pool.id, pool.name, pool.pointsCost, pool.active ? 1 : 0, pool.nowMs, pool.by)
    .run();
  return result.meta.changes === 1;
}

/** Changes a pool's name, cost or state; false when there is no such pool. Claimed codes keep the points they were claimed for. */
export async function updatePool(
  db: D1Database,
  pool: { id: string; name: string; pointsCost: number; active: boolean },
): Promise<boolean> {
  const result = await db
    .prepare("UPDATE voucher_pools SET name = ?, points_cost = ?, active = ? WHERE id = ?")
    .bind(pool.name, pool.pointsCost, pool.active ? 1 : 0, pool.id)
    .run();
  return result.meta.changes === 1;
}

/** D1 binds at most 100 parameters a statement: 3 a code. */
const CODES_PER_STATEMENT = 33;

/**
 * Adds codes to a pool in one D1 batch (one transaction); codes the pool already has are
 * left as they are. Returns how many were new.
 */
export async function insertCodes(
  db: D1Database,
  poolId: string,
  codes: readonly string[],
  nowMs: number,
): Promise<number> {
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < codes.length; i += CODES_PER_STATEMENT) {
    const chunk = codes.slice(i, i + CODES_PER_STATEMENT);
    statements.push(
      db
        .prepare(
          `INSERT INTO voucher_codes (pool_id, code, uploaded_at_ms) VALUES ${chunk
            .map(() => "(?, ?, ?)")
            .join(", ")} ON CONFLICT (pool_id, code) DO NOTHING`,
        )
        .bind(...chunk.flatMap((code) => [poolId, code, nowMs])),
    );
  }
  if (statements.length === 0) return 0;
  const results = await db.batch(statements);
  return results.reduce((sum, r) => sum + (r.meta.changes ?? 0), 0);
}

export interface Claim {
  poolId: string;
  code: string;
  points: number;
}

/** The code a redemption claimed, if it did (a retry gets the same code). */
export async function findClaim(db: D1Database, claimKey: string): Promise<Claim | null> {
  const row = await db
    .prepare("SELECT pool_id, code, claimed_points FROM voucher_codes WHERE claim_key = ?")
    .bind(claimKey)
    .first<{ pool_id: string; code: string; claimed_points: number }>();
  return row ? { poolId: row.pool_id, code: row.code, points: row.claimed_points } : null;
}

export type ClaimOutcome =
  | { status: "claimed"; claim: Claim }
  | { status: "empty" }
  /** Another request with the same key claimed first: look the claim up. */
  | { status: "key_taken" };

/**
 * Claims one free code of the pool for `claimKey`, in one statement: the subquery picks a free
 * code and the outer guard re-checks it is still free, so no code is handed out twice.
 */
export async function claimCode(
  db: D1Database,
  input: { poolId: string; claimKey: string; points: number; nowMs: number },
): Promise<ClaimOutcome> {
  try {
    const row = await db
      .prepare(
        `UPDATE voucher_codes SET claim_key = ?, claimed_points = ?, issued_at_ms = ?
         WHERE id = (SELECT id FROM voucher_codes WHERE pool_id = ? AND claim_key IS NULL
                     ORDER BY id LIMIT 1)
           AND claim_key IS NULL
         RETURNING code`,
      )
      .bind(input.claimKey, input.points, input.nowMs, input.poolId)
      .first<{ code: string }>();
    if (!row) return { status: "empty" };
    return {
      status: "claimed",
      claim: { poolId: input.poolId, code: row.code, points: input.points },
    };
  } catch (error) {
    if (/UNIQUE constraint failed/i.test(String(error))) return { status: "key_taken" };
    throw error;
  }
}

/** Returns a claimed code to its pool (the wallet refused the redemption). */
export async function releaseClaim(db: D1Database, claimKey: string, code: string): Promise<void> {
  await db
    .prepare(
      `UPDATE voucher_codes SET claim_key = NULL, claimed_points = NULL, issued_at_ms = NULL
       WHERE claim_key = ? AND code = ?`,
    )
    .bind(claimKey, code)
    .run();
}
