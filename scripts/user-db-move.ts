/**
 * Moves the users to more user databases (docs/operations.md "Moving users to more user
 * databases"), one loop over the admin API's steps:
 *
 *   ADMIN_API_KEY=… npx tsx scripts/user-db-move.ts --base-url https://api.example.com --to 2 \
 *     [--max-rows 2000] [--flip-command "<sets USER_DB_SHARDS and deploys>"] [--dry-run]
 *
 * Opens the move (or continues the open one), runs copy and verify slices until nothing is
 * missing at the new homes, runs the flip command and waits until the worker reads the new
 * count, then sweeps and verifies until the move is done. Without --flip-command it stops at
 * the flip: deploy, then run it again. Interrupted, it resumes where the API saved the move.
 * The key comes from the environment, never the command line (which `ps` shows). Exit 0 when
 * done, 3 when stopped at the flip or in a dry run, 1 on an error, 2 on bad input.
 */
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { type MoveApi, runMoveLoop } from "./lib/user-db-move-loop";

function usage(message: string): never {
  console.error(
    `${message}\nusage: ADMIN_API_KEY=… npx tsx scripts/user-db-move.ts --base-url URL --to N [--max-rows N] [--flip-command CMD] [--dry-run]`,
  );
  process.exit(2);
}

async function main() {
  const { values } = parseArgs({
    options: {
      "base-url": { type: "string" },
      to: { type: "string" },
      "max-rows": { type: "string" },
      "flip-command": { type: "string" },
      "dry-run": { type: "boolean", default: false },
    },
  });
  const key = process.env.ADMIN_API_KEY;
  const baseUrl = values["base-url"]?.replace(/\/$/, "");
  const toShards = Number(values.to);
  const maxRows = values["max-rows"] === undefined ? undefined : Number(values["max-rows"]);
  if (!key) usage("ADMIN_API_KEY is not set");
  if (!baseUrl) usage("--base-url is required");
  if (!Number.isInteger(toShards) || toShards < 2) usage("--to must be a whole number above 1");
  if (maxRows !== undefined && !Number.isInteger(maxRows))
    usage("--max-rows must be a whole number");

  const api: MoveApi = async (method, path, body) => {
    const response = await fetch(`${baseUrl}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
  const command = values["flip-command"];
  const move = await runMoveLoop(api, {
    toShards,
    maxRows,
    dryRun: values["dry-run"],
    log: (line) => console.log(`${new Date().toISOString()} ${line}`),
    flip: command
      ? async () => {
          const run = spawnSync(command, { shell: true, stdio: "inherit" });
          if (run.status !== 0) throw new Error(`the flip command exited ${run.status}`);
        }
      : undefined,
  });
  process.exit(move?.next === "done" ? 0 : 3);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
