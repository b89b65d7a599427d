import { Badge, DateTime, EmptyState } from "../../views/components";
import type { LedgerChainAnchor, LedgerChainState } from "./types";

/** What the panel says of a wallet's chain (docs/ledger.md "Tamper evidence"). */
export function chainStatusOf(
  state: LedgerChainState,
): "verified" | "broken" | "sealing" | "not yet audited" {
  if (!state.anchor) return "not yet audited";
  if (state.anchor.status === "ok") return "verified";
  return state.anchor.status;
}

/**
 * A wallet's ledger chain as the daily audit last verified it (D1 wallet_chain_anchors, read
 * through the ledger export): verified, broken naming the first entry that does not verify,
 * sealing, or not yet audited; the wallet's head now; a link to the export to verify offline.
 */
export function LedgerChainPanel({
  state,
  exportHref,
  timeZone,
}: {
  state: LedgerChainState;
  exportHref: string;
  timeZone: string;
}) {
  const { anchor, head } = state;
  const headSeq = head?.seq ?? 0;
  return (
    <section class="panel" aria-label="Ledger chain">
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          <Badge status={chainStatusOf(state)} />{" "}
          {anchor?.status === "broken" ? (
            <strong>
              {anchor.firstBadSeq === null
                ? "The chain does not verify."
                : `Entry ${anchor.firstBadSeq} is the first that does not verify.`}
            </strong>
          ) : anchor?.status === "sealing" ? (
            <span class="muted">older entries were still being hashed at the last audit</span>
          ) : null}
        </dd>
        <dt>Head seq</dt>
        <dd>
          {headSeq}
          {state.sealing ? <span class="muted"> (older entries being hashed)</span> : null}
        </dd>
        <dt>Last verified</dt>
        <dd>
          {anchor ? (
            <>
              <DateTime at={anchor.verifiedAtMs} timeZone={timeZone} />{" "}
              <span class="muted">up to entry {anchor.headSeq}</span>
              {headSeq > anchor.headSeq ? (
                <span class="muted">; later entries at the next daily audit</span>
              ) : null}
            </>
          ) : (
            "—"
          )}
        </dd>
      </dl>
      <p>
        <a href={exportHref}>Ledger export (JSON, with hashes)</a>{" "}
        <span class="muted">
          — verify it offline with <code>npx tsx scripts/verify-ledger.ts</code>
        </span>
      </p>
    </section>
  );
}

/** The wallets whose chain the last audit found broken, each linked to its user page. */
export function BrokenChainsTable({
  items,
  timeZone,
}: {
  items: LedgerChainAnchor[];
  timeZone: string;
}) {
  if (items.length === 0) {
    return <EmptyState>Every audited wallet's ledger chain verified.</EmptyState>;
  }
  return (
    <table>
      <caption class="visually-hidden">Wallets whose ledger chain does not verify</caption>
      <thead>
        <tr>
          <th scope="col">User</th>
          <th scope="col">Chain</th>
          <th scope="col">First entry that does not verify</th>
          <th scope="col">Audited</th>
        </tr>
      </thead>
      <tbody>
        {items.map((a) => (
          <tr>
            <td>
              <a href={`/console/users/${encodeURIComponent(a.userId)}`}>{a.userId}</a>
            </td>
            <td>
              <Badge status={a.status} />
            </td>
            <td>{a.firstBadSeq ?? "—"}</td>
            <td>
              <DateTime at={a.verifiedAtMs} timeZone={timeZone} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
