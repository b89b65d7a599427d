import { Csrf } from "../../views/layout";

/**
 * A member's segments, which rules read (`user.segments`); catalog and support edit them as
 * one list, replaced whole (PUT /admin/v1/users/{id}/segments).
 */
export function SegmentsPanel({
  segments,
  action,
  csrfToken,
}: {
  segments: string[];
  /** Where the form posts; null when the operator may not change them. */
  action: string | null;
  csrfToken: string;
}) {
  return (
    <section class="panel">
      <p>{segments.length > 0 ? segments.map((s) => <code>{s} </code>) : "No segments."}</p>
      {action ? (
        <form class="filters" method="post" action={action}>
          <Csrf token={csrfToken} />
          <div class="field">
            <label for="f-segments">Segments (separated by spaces or commas)</label>
            <input id="f-segments" name="segments" type="text" value={segments.join(" ")} />
          </div>
          <button type="submit" class="secondary">
            Save segments
          </button>
        </form>
      ) : null}
    </section>
  );
}
