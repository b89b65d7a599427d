import { assert } from "#shared/assert";

/** The object's own facts (meta table): which user it belongs to. */

/** Binds the object to its user on first write; another user id is a routing bug. */
export function bindUser(sql: SqlStorage, userId: string): void {
  const row = sql
    .exec<{ value: string }>(`SELECT value FROM meta WHERE key = 'user_id'`)
    .toArray()[0];
  if (!row) sql.exec(`INSERT INTO meta (key, value) VALUES ('user_id', ?)`, userId);
  else assert(row.value === userId, "wallet object addressed with another user id");
}

export function boundUserId(sql: SqlStorage): string {
  return sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = 'user_id'`).one().value;
}
