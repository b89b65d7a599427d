import type { z } from "@hono/zod-openapi";
import { toIso } from "../../http/common-schemas";
import type { OperatorSchema } from "./schemas";
import type { OperatorRow } from "./store";

type Operator = z.infer<typeof OperatorSchema>;

/** The API's view of an operator: never the hash or the salt. */
export function operatorView(row: OperatorRow, liveSessions: number, nowMs: number): Operator {
  return {
    id: row.id,
    email: row.email,
    displayName: row.displayName,
    role: row.role as Operator["role"],
    timeZone: row.timeZone,
    disabled: row.disabled,
    lockedUntil:
      row.lockedUntilMs !== null && row.lockedUntilMs > nowMs ? toIso(row.lockedUntilMs) : null,
    failedSignIns: row.failedSignIns,
    liveSessions,
    createdAt: toIso(row.createdAtMs),
    updatedAt: toIso(row.updatedAtMs),
  };
}
