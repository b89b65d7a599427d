import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { budgetFor, partName, partOfHolder } from "#durable-objects/budget/index";
import { eventId, purchase, sendEvents } from "./events-client";
import { ADMIN_HEADERS, api, balances, uniqueUser } from "./helpers";

/**
 * What the split rule budget tests share (test/rule-budget-parts*.e2e.test.ts): a 5% cashback
 * rule with one global INR budget, publishing through the rules API, buyers through the events
 * worker, and the budget's figures through the admin API and its objects' audits.
 */

export const rule = (id: string, merchantId: string, amountMinor: number, parts?: number) => ({
  id,
  name: id,
  eventTypes: ["purchase.completed"],
  conditions: { all: [{ attr: "event.merchantId", op: "eq", value: merchantId }] },
  effects: [{ kind: "cashback_percent", rateBps: 500 }],
  priority: 10,
  group: "base",
  active: true,
  budgets: [
    {
      entity: "global",
      period: "lifetime",
      limit: { amountMinor, currency: "INR" },
      ...(parts === undefined ? {} : { parts }),
    },
  ],
});

/** Publishes `rules` as the live rule set; its version. */
export async function publish(rules: unknown[]): Promise<number> {
  const live = await api("/admin/v1/rules/live", { headers: ADMIN_HEADERS });
  const basedOnVersion =
    live.status === 200 ? ((await live.json()) as { version: number }).version : null;
  const draft = await api("/admin/v1/rules/draft", {
    method: "PUT",
    headers: ADMIN_HEADERS,
    body: JSON.stringify({
      timeZone: "Asia/Kolkata",
      groups: [{ name: "base", mode: "stackable" }],
      rules,
      basedOnVersion,
    }),
  });
  expect(draft.status, await draft.clone().text()).toBe(200);
  const published = await api("/admin/v1/rules/publish", {
    method: "POST",
    headers: ADMIN_HEADERS,
    body: JSON.stringify({ note: "rule budget parts" }),
  });
  expect(published.status, await published.clone().text()).toBe(201);
  return ((await published.json()) as { version: number }).version;
}

/** The budget's figures through the admin API (the root's sum over its parts). */
export async function usage(key: string) {
  const response = await api(`/admin/v1/budgets/${encodeURIComponent(key)}`, {
    headers: ADMIN_HEADERS,
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as {
    limit: number;
    limitVersion: number;
    grantedTotal: number;
    outstanding: number;
    remaining: number;
    parts: number;
  };
}

/** `users` buying `amountMinor` at `merchantId` all at once; their confirmed cashback. */
export async function buyAtOnce(users: string[], amountMinor: number, merchantId: string) {
  const ids = users.map(() => eventId("buy"));
  await Promise.all(
    users.map((u, i) => sendEvents(purchase(u, ids[i] as string, amountMinor, { merchantId }))),
  );
  const confirmed = await Promise.all(users.map(async (u) => (await balances(u)).confirmed ?? 0));
  return { users, ids, confirmed, total: confirmed.reduce((a, b) => a + b, 0) };
}

/** `n` new users (any parts). */
export function newUsers(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => uniqueUser(`${prefix}-${i}`));
}

/** New users, `perPart` in each of the `parts` parts (by the wallets' shard hash). */
export function usersPerPart(prefix: string, parts: number, perPart: number): string[] {
  const byPart = Array.from({ length: parts }, () => [] as string[]);
  while (byPart.some((users) => users.length < perPart)) {
    const user = uniqueUser(prefix);
    const users = byPart[partOfHolder(user, parts).index] as string[];
    if (users.length < perPart) users.push(user);
  }
  return byPart.flat();
}

export const refund = (user: string, originalEventId: string, amountMinor: number) => ({
  id: eventId("refund"),
  type: "refund.completed",
  userId: user,
  occurredAt: "2026-11-21T10:00:00Z",
  data: { originalEventId, amountMinor, currency: "INR" },
});

/** Every object of the budget (root, and the parts of each layout) passes its own audit. */
export async function expectAudited(key: string, layouts: number[]) {
  expect(await budgetFor(env, key).audit()).toEqual({ ok: true, violations: [] });
  for (const parts of layouts) {
    for (let index = 0; index < parts; index++) {
      const part = budgetFor(env, partName(key, { parts, index }));
      expect(await part.audit()).toEqual({ ok: true, violations: [] });
    }
  }
}
