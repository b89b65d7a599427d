import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * `npm run check:bundles` (CI runs it after lint): builds every worker as a deploy would
 * (`wrangler deploy --dry-run --outdir --metafile`, one at a time), reads the gzip upload size
 * wrangler prints, and fails when a worker is past its budget in scripts/bundle-budgets.json or
 * its bundle contains a package its `forbid` list names (zod classic, drizzle-orm,
 * @hono/zod-openapi on the hot paths). docs/benchmarks.md "Bundle sizes".
 *
 * `npm run check:bundles -- redirect postback` checks only those.
 */

interface WorkerBudget {
  config: string;
  budgetKiB: number;
  targetKiB?: number;
  forbid?: string[];
}

const root = path.resolve(import.meta.dirname, "..");
const budgets = JSON.parse(readFileSync(path.join(root, "scripts/bundle-budgets.json"), "utf8"))
  .workers as Record<string, WorkerBudget>;

/** Where a forbidden package's files are in a metafile's inputs. zod/mini is not zod classic. */
const PACKAGE_PATHS: Record<string, RegExp> = {
  zod: /node_modules\/zod\/(?:index\.js|v3\/|v4\/classic\/|v4\/index\.js)/,
  "drizzle-orm": /node_modules\/drizzle-orm\//,
  "@hono/zod-openapi": /node_modules\/@hono\/zod-openapi\//,
};

function packagesIn(metafile: string, forbid: string[]): string[] {
  const meta = JSON.parse(readFileSync(metafile, "utf8")) as {
    outputs: Record<string, { inputs: Record<string, unknown> }>;
  };
  const inputs = Object.entries(meta.outputs)
    .filter(([file]) => file.endsWith(".js"))
    .flatMap(([, output]) => Object.keys(output.inputs));
  return forbid.filter((name) => {
    const pattern = PACKAGE_PATHS[name] ?? new RegExp(`node_modules/${name}/`);
    return inputs.some((input) => pattern.test(input));
  });
}

const only = process.argv.slice(2);
const failures: string[] = [];
const rows: string[] = [];
for (const [name, budget] of Object.entries(budgets)) {
  if (only.length > 0 && !only.includes(name)) continue;
  const outdir = mkdtempSync(path.join(tmpdir(), `bundle-${name}-`));
  try {
    const metafile = path.join(outdir, "meta.json");
    const printed = execFileSync(
      "npx",
      [
        "wrangler",
        "deploy",
        "--dry-run",
        "--outdir",
        outdir,
        "--metafile",
        metafile,
        "-c",
        budget.config,
      ],
      {
        cwd: root,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, NO_COLOR: "1" },
      },
    );
    const size = /Total Upload:\s*([\d.]+) KiB \/ gzip:\s*([\d.]+) KiB/.exec(printed);
    if (!size) throw new Error(`${name}: no "Total Upload" line in wrangler's output:\n${printed}`);
    const rawKiB = Number(size[1]);
    const gzipKiB = Number(size[2]);
    const found = packagesIn(metafile, budget.forbid ?? []);
    const over = gzipKiB > budget.budgetKiB;
    rows.push(
      `${name.padEnd(9)} ${gzipKiB.toFixed(2).padStart(8)} KiB gzip (${rawKiB.toFixed(2)} KiB) ` +
        `budget ${budget.budgetKiB}${budget.targetKiB ? `, target ${budget.targetKiB}` : ""}` +
        `${over ? "  OVER" : ""}${found.length ? `  contains ${found.join(", ")}` : ""}`,
    );
    if (over)
      failures.push(`${name}: ${gzipKiB} KiB gzip is past its budget of ${budget.budgetKiB} KiB`);
    if (found.length)
      failures.push(`${name}: its bundle contains ${found.join(", ")}, which it forbids`);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
console.log(rows.join("\n"));
if (failures.length > 0) {
  console.error(`\nBundle check failed (scripts/bundle-budgets.json):\n- ${failures.join("\n- ")}`);
  process.exit(1);
}
