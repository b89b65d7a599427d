import { holdersOf, identifiersOf } from "./identity-store";

/**
 * The accounts linked to a user through shared identifiers (docs/fraud.md "Identity links"):
 * a breadth-first walk over D1 `risk_identifiers`, bounded in depth (≤ 2), in nodes (≤ 25), in
 * identifiers read per step and in holders read per identifier, so a household's IP or a
 * carrier's network never turns a read into a scan. Hashes never leave this module: the graph
 * names users and the kinds of identifier they share.
 */

export const MAX_LINK_DEPTH = 2;
export const MAX_LINK_NODES = 25;
/** A frontier's identifiers read per step, most recently seen first. */
const IDENTIFIERS_PER_STEP = 40;
/** Holders read per identifier: enough to fill the graph from one identifier. */
const HOLDERS_PER_IDENTIFIER = MAX_LINK_NODES;

export interface LinkedAccount {
  userId: string;
  /** Steps from the user asked about (1: shares an identifier with them). */
  depth: number;
}

export interface LinkEdge {
  fromUserId: string;
  toUserId: string;
  /** The kind of identifier both hold (`device`, `ip_prefix`, `payment_instrument`, …). */
  kind: string;
}

export interface LinkedAccounts {
  accounts: LinkedAccount[];
  edges: LinkEdge[];
  /** True when a bound cut the walk short: more accounts may be linked. */
  truncated: boolean;
}

/**
 * @example
 * const { accounts, edges } = await linkedAccounts(env.DB, "u_1", { depth: 2, maxNodes: 25 });
 */
export async function linkedAccounts(
  db: D1Database,
  userId: string,
  bounds: { depth: number; maxNodes: number } = {
    depth: MAX_LINK_DEPTH,
    maxNodes: MAX_LINK_NODES,
  },
): Promise<LinkedAccounts> {
  const depthLimit = Math.min(Math.max(bounds.depth, 0), MAX_LINK_DEPTH);
  const nodeLimit = Math.min(Math.max(bounds.maxNodes, 1), MAX_LINK_NODES);
  const seen = new Set([userId]);
  const accounts: LinkedAccount[] = [];
  const edges: LinkEdge[] = [];
  let truncated = false;
  let frontier = [userId];
  for (let depth = 1; depth <= depthLimit && frontier.length > 0; depth++) {
    const ids = await identifiersOf(db, frontier, IDENTIFIERS_PER_STEP + 1);
    if (ids.length > IDENTIFIERS_PER_STEP) truncated = true;
    const owned = ids.slice(0, IDENTIFIERS_PER_STEP);
    const holders = await holdersOf(db, owned, [...seen], HOLDERS_PER_IDENTIFIER);
    const next: string[] = [];
    for (const holder of holders) {
      const from = owned.find((o) => o.kind === holder.kind && o.hash === holder.hash);
      if (!from) continue;
      if (!seen.has(holder.userId)) {
        if (seen.size - 1 >= nodeLimit) {
          truncated = true;
          continue;
        }
        seen.add(holder.userId);
        accounts.push({ userId: holder.userId, depth });
        next.push(holder.userId);
      }
      if (
        !edges.some(
          (e) =>
            e.fromUserId === from.userId && e.toUserId === holder.userId && e.kind === holder.kind,
        )
      ) {
        edges.push({ fromUserId: from.userId, toUserId: holder.userId, kind: holder.kind });
      }
    }
    frontier = next;
  }
  return { accounts, edges, truncated };
}
