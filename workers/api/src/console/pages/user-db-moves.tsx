import type { Context } from "hono";
import { Hono } from "hono";
import type { ProblemBody } from "#shared/http/errors";
import type { ConsoleContext } from "../context";
import { Badge, DateTime, EmptyState, Notice, ProblemNotice } from "../views/components";
import { Csrf, Page as Shell } from "../views/layout";
import { ReportTable } from "../views/report";
import { viewerOf } from "../views/viewer";
import { problemStatus, str } from "./payouts/parts";

/**
 * /console/user-db-moves: the moves of the user databases (docs/scaling.md "Re-sharding the
 * user databases") with each step's progress and what to do next; an admin opens a move, runs
 * the next step's slice and cancels a move before its flip (the API refuses other roles).
 * The flip itself is a deploy (`USER_DB_SHARDS`), so the page only says when it is due.
 */

const MOVES_API = "/admin/v1/user-db-moves";
/** One slice per click: a request stays within a Worker's limits (the API's default). */
const SLICE_ROWS = 2_000;

interface Step {
  pass: number;
  done: boolean;
  read: number;
  written: number;
  deleted: number;
  notAtHome: number;
  missingAtHome: number;
}
interface Move {
  id: string;
  fromShards: number;
  toShards: number;
  currentShards: number;
  next: string;
  steps: Record<"copy" | "verify" | "sweep", Step>;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  cancelledAt: string | null;
}

const MOVE_COLUMNS = [
  { label: "Move" },
  { label: "Databases" },
  { label: "Next" },
  { label: "Copy" },
  { label: "Verify" },
  { label: "Sweep" },
  { label: "Opened" },
  { label: "Actions" },
] as const;

const RUNNABLE = new Set(["copy", "verify", "sweep"]);
const CANCELLABLE = new Set(["copy", "verify", "flip"]);

const NEXT_TEXT: Record<string, string> = {
  copy: "Run copy slices until the copy is done.",
  verify: "Run verify slices until the verify is done.",
  flip: "Set USER_DB_SHARDS to the new count and deploy; then run the sweep.",
  sweep: "Run sweep slices until the sweep is done, then verify.",
  done: "Finished.",
  cancelled: "Cancelled before its flip: every user stayed at the old count.",
  blocked: "USER_DB_SHARDS is neither the move's old nor its new count.",
};

function stepText(name: string, s: Step): string {
  const pass = `pass ${s.pass + 1}${s.done ? ", done" : ""}`;
  if (name === "verify") {
    return `${pass}: ${s.read} read, ${s.notAtHome} away from home, ${s.missingAtHome} missing`;
  }
  const deleted = name === "sweep" ? `, ${s.deleted} deleted` : "";
  return `${pass}: ${s.read} read, ${s.written} written${deleted}`;
}

async function movesPage(
  c: Context<ConsoleContext>,
  failed: ProblemBody | null = null,
  failedStatus = 400,
) {
  const viewer = viewerOf(c);
  const api = c.get("api");
  const moves = await api.get<{ items: Move[] }>(`${MOVES_API}/history`, { limit: 20 });
  const items = moves.ok ? moves.data.items : [];
  const open = items.find((m) => m.finishedAt === null);
  const canOpen = api.can("POST", MOVES_API);
  return c.html(
    <Shell title="User databases" current="user-db-moves" viewer={viewer}>
      <Notice text={c.req.query("notice")} />
      <ProblemNotice problem={failed} />
      {canOpen && !open ? (
        <section class="panel">
          <h2>Open a move</h2>
          <form method="post" action="/console/user-db-moves" class="filters">
            <Csrf token={viewer.csrfToken} />
            <div>
              <label for="m-to">New count of user databases</label>
              <input id="m-to" name="toShards" type="number" min="2" required />
            </div>
            <button type="submit">Open move</button>
          </form>
        </section>
      ) : null}

      <h2>Moves</h2>
      {moves.ok ? null : <ProblemNotice problem={moves.problem} />}
      {moves.ok && items.length === 0 ? <EmptyState>No moves yet.</EmptyState> : null}
      {items.length > 0 ? (
        <ReportTable caption="Moves of the user databases" columns={MOVE_COLUMNS}>
          {items.map((m) => (
            <tr>
              <td>{m.id}</td>
              <td>
                {m.fromShards} → {m.toShards} (live: {m.currentShards})
              </td>
              <td>
                <Badge status={m.next} />
                <div>{NEXT_TEXT[m.next] ?? ""}</div>
              </td>
              <td>{stepText("copy", m.steps.copy)}</td>
              <td>{stepText("verify", m.steps.verify)}</td>
              <td>{stepText("sweep", m.steps.sweep)}</td>
              <td>
                <DateTime at={m.createdAt} timeZone={viewer.timeZone} />
              </td>
              <td>
                <div class="actions">
                  {RUNNABLE.has(m.next) && api.can("POST", `${MOVES_API}/${m.id}/steps`) ? (
                    <form
                      method="post"
                      action={`/console/user-db-moves/${encodeURIComponent(m.id)}/steps`}
                    >
                      <Csrf token={viewer.csrfToken} />
                      <input type="hidden" name="step" value={m.next} />
                      <button type="submit" class="secondary">
                        Run {m.next} slice
                      </button>
                    </form>
                  ) : null}
                  {CANCELLABLE.has(m.next) && api.can("POST", `${MOVES_API}/${m.id}/cancel`) ? (
                    <form
                      method="post"
                      action={`/console/user-db-moves/${encodeURIComponent(m.id)}/cancel`}
                    >
                      <Csrf token={viewer.csrfToken} />
                      <button type="submit" class="secondary">
                        Cancel move
                      </button>
                    </form>
                  ) : null}
                </div>
              </td>
            </tr>
          ))}
        </ReportTable>
      ) : null}
    </Shell>,
    failed ? problemStatus(failedStatus) : 200,
  );
}

const back = (notice: string) => `/console/user-db-moves?notice=${encodeURIComponent(notice)}`;

export const userDbMovesRoutes = new Hono<ConsoleContext>()
  .get("/", (c) => movesPage(c))
  .post("/", async (c) => {
    const form = await c.req.parseBody();
    // A non-number reaches the API as it is, which answers the 400 problem the page shows.
    const text = str(form.toShards).trim();
    const toShards = /^\d+$/.test(text) ? Number(text) : text;
    const result = await c.get("api").send<Move>("POST", MOVES_API, { toShards });
    if (!result.ok) return movesPage(c, result.problem, result.status);
    return c.redirect(back(`Move ${result.data.id} opened: next ${result.data.next}.`), 303);
  })
  .post("/:id/steps", async (c) => {
    const id = c.req.param("id");
    const form = await c.req.parseBody();
    const result = await c
      .get("api")
      .send<Move>("POST", `${MOVES_API}/${encodeURIComponent(id)}/steps`, {
        step: str(form.step),
        maxRows: SLICE_ROWS,
      });
    if (!result.ok) return movesPage(c, result.problem, result.status);
    return c.redirect(back(`Move ${id}: slice run, next ${result.data.next}.`), 303);
  })
  .post("/:id/cancel", async (c) => {
    const id = c.req.param("id");
    const result = await c
      .get("api")
      .send<Move>("POST", `${MOVES_API}/${encodeURIComponent(id)}/cancel`);
    if (!result.ok) return movesPage(c, result.problem, result.status);
    return c.redirect(back(`Move ${id} cancelled.`), 303);
  });
