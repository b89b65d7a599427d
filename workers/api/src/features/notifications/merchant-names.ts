import { NOTIFICATION_TYPES } from "#shared/notify/catalog";
import type { NotificationEventMessage } from "#shared/notify/message";

/**
 * Merchant display names (docs/notifications.md "What users are told"): the wallet knows a
 * merchant by its catalog id from the click (`acme-shoes`) and publishes that as
 * `merchantName`; the router swaps in the merchant's display name from the D1 catalog, one
 * read per queue batch for the batch's distinct ids. An id the catalog does not know (the
 * network id standing in for a lost click, a merchant since deleted) stays as it is.
 */

const MERCHANT_VAR = "merchantName";

/** Pure: the merchant id an event carries, when its type has a `merchantName` variable. */
export function merchantIdOf(
  event: Pick<NotificationEventMessage, "type" | "vars">,
): string | null {
  const spec = NOTIFICATION_TYPES[event.type];
  if (!spec || !Object.hasOwn(spec.variables, MERCHANT_VAR)) return null;
  const value = event.vars[MERCHANT_VAR];
  return typeof value === "string" && value.length > 0 ? value : null;
}

/** Pure: the event with its merchant's display name, when `names` knows its id. */
export function withMerchantName(
  event: NotificationEventMessage,
  names: ReadonlyMap<string, string>,
): NotificationEventMessage {
  const id = merchantIdOf(event);
  const name = id === null ? undefined : names.get(id);
  if (name === undefined || name === id) return event;
  return { ...event, vars: { ...event.vars, [MERCHANT_VAR]: name } };
}

/** The display names of the given merchant ids, in one D1 read; ids not in the catalog are absent. */
export async function readMerchantNames(
  db: D1Database,
  ids: readonly string[],
): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const found = await db
    .prepare(`SELECT id, name FROM merchants WHERE id IN (SELECT value FROM json_each(?1))`)
    .bind(JSON.stringify(unique))
    .all<{ id: string; name: string }>();
  return new Map(found.results.filter((r) => r.name.trim().length > 0).map((r) => [r.id, r.name]));
}

/** The events with their merchants' display names: one D1 read for the batch's distinct ids. */
export async function resolveMerchantNames<T extends { event: NotificationEventMessage }>(
  db: D1Database,
  items: readonly T[],
): Promise<T[]> {
  const ids = items.map(({ event }) => merchantIdOf(event)).filter((id) => id !== null);
  if (ids.length === 0) return [...items];
  const names = await readMerchantNames(db, ids);
  return items.map((item) => ({ ...item, event: withMerchantName(item.event, names) }));
}
