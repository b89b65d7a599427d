import { EmptyState } from "../../views/components";
import type { RuleSetDiff } from "./types";

/** What publishing the draft would change, as lists a reader scans (GET …/rules/draft/diff). */
export function DiffList({ diff }: { diff: RuleSetDiff }) {
  const against =
    diff.liveVersion === null ? "nothing live yet" : `live version ${diff.liveVersion}`;
  if (!diff.hasChanges) {
    return <EmptyState>The draft equals {against}: there is nothing to publish.</EmptyState>;
  }
  return (
    <div class="diff">
      <p>Against {against}:</p>
      <ul class="plain">
        {diff.timeZone ? (
          <li>
            Time zone: <code>{diff.timeZone.live ?? "—"}</code> → <code>{diff.timeZone.draft}</code>
          </li>
        ) : null}
        {diff.groupsChanged ? <li>The stacking groups (names, modes or order) change.</li> : null}
      </ul>
      <h3>Added ({diff.added.length})</h3>
      {diff.added.length === 0 ? (
        <p class="muted">none</p>
      ) : (
        <ul class="added">
          {diff.added.map((id) => (
            <li>
              <span class="visually-hidden">added: </span>
              <code>{id}</code>
            </li>
          ))}
        </ul>
      )}
      <h3>Removed ({diff.removed.length})</h3>
      {diff.removed.length === 0 ? (
        <p class="muted">none</p>
      ) : (
        <ul class="removed">
          {diff.removed.map((id) => (
            <li>
              <span class="visually-hidden">removed: </span>
              <code>{id}</code>
            </li>
          ))}
        </ul>
      )}
      <h3>Changed ({diff.changed.length})</h3>
      {diff.changed.length === 0 ? (
        <p class="muted">none</p>
      ) : (
        <ul class="changed">
          {diff.changed.map((r) => (
            <li>
              <code>{r.id}</code>: {r.fields.join(", ")}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
