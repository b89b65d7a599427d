import { EmptyState } from "../../views/components";
import type { RuleRollbackDiff, RuleSetDiff } from "./types";

/**
 * What a change would do to the live rules, as lists a reader scans: publishing the draft
 * (GET …/rules/draft/diff) or rolling back to a version (GET …/rules/versions/{n}/diff).
 */

interface Changes {
  hasChanges: boolean;
  timeZone: { from: string | null; to: string } | null;
  groupsChanged: boolean;
  added: string[];
  removed: string[];
  changed: Array<{ id: string; fields: string[] }>;
}

/** The draft's diff: the draft in place of the live version. */
export function DraftDiff({ diff }: { diff: RuleSetDiff }) {
  const against =
    diff.liveVersion === null ? "nothing live yet" : `live version ${diff.liveVersion}`;
  return (
    <DiffList
      changes={{
        ...diff,
        timeZone: diff.timeZone ? { from: diff.timeZone.live, to: diff.timeZone.draft } : null,
      }}
      intro={`Publishing the draft, against ${against}:`}
      none={`The draft equals ${against}: there is nothing to publish.`}
    />
  );
}

/** A rollback's diff: the version's rules in place of the live version's. */
export function RollbackDiff({ diff }: { diff: RuleRollbackDiff }) {
  return (
    <DiffList
      changes={{
        ...diff,
        timeZone: diff.timeZone ? { from: diff.timeZone.live, to: diff.timeZone.version } : null,
      }}
      intro={`Rolling back to version ${diff.version} would change live version ${diff.liveVersion}:`}
      none={`Version ${diff.version}'s rules are the live ones: rolling back would change nothing.`}
    />
  );
}

function IdList({ ids, kind }: { ids: string[]; kind: "added" | "removed" }) {
  if (ids.length === 0) return <p class="muted">none</p>;
  return (
    <ul class={kind}>
      {ids.map((id) => (
        <li>
          <span class="visually-hidden">{kind}: </span>
          <code>{id}</code>
        </li>
      ))}
    </ul>
  );
}

function DiffList({ changes, intro, none }: { changes: Changes; intro: string; none: string }) {
  if (!changes.hasChanges) return <EmptyState>{none}</EmptyState>;
  return (
    <div class="diff">
      <p>{intro}</p>
      <ul class="plain">
        {changes.timeZone ? (
          <li>
            Time zone: <code>{changes.timeZone.from ?? "—"}</code> →{" "}
            <code>{changes.timeZone.to}</code>
          </li>
        ) : null}
        {changes.groupsChanged ? (
          <li>The stacking groups (names, modes or order) change.</li>
        ) : null}
      </ul>
      <h3>Added ({changes.added.length})</h3>
      <IdList ids={changes.added} kind="added" />
      <h3>Removed ({changes.removed.length})</h3>
      <IdList ids={changes.removed} kind="removed" />
      <h3>Changed ({changes.changed.length})</h3>
      {changes.changed.length === 0 ? (
        <p class="muted">none</p>
      ) : (
        <ul class="changed">
          {changes.changed.map((r) => (
            <li>
              <code>{r.id}</code>: {r.fields.join(", ")}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
