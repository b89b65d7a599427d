import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ROUTED } from "#shared/db/placement";

/**
 * `npm run lint` runs this after Biome: an import may climb (`../`) only inside its own
 * top-level folder. Across folders it goes through an alias (`#shared/*`, `#durable-objects/*`,
 * `#workers/*`, `#dev/*`, `#test/*`, `#client/*`,
 * `#scripts/*`), so moving a folder never rewrites its
 * importers' relative paths. (Which production folders may import dev/ is Biome's rule.)
 */
const SPECIFIER = /(?:from\s+|import\s*\(\s*|import\s+)["'](\.{1,2}\/[^"']*)["']/g;

const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], {
  encoding: "utf8",
})
  .split("\n")
  .filter((f) => /\.(ts|tsx|mts|mjs)$/.test(f) && !f.startsWith("node_modules/"));

/**
 * The simulation's oracle (test/sim/oracle/, docs/testing.md) is written independently of the
 * product: it imports nothing but its own folder, so no product rule can leak into it.
 */
const ORACLE = "test/sim/oracle/";
const ANY_SPECIFIER = /(?:from\s+|import\s*\(\s*|import\s+|require\s*\(\s*)["']([^"']+)["']/g;

const offences: string[] = [];
for (const file of files) {
  const top = file.split("/")[0];
  const text = readFileSync(file, "utf8");
  if (file.startsWith(ORACLE)) {
    for (const match of text.matchAll(ANY_SPECIFIER)) {
      const specifier = match[1] ?? "";
      const target = specifier.startsWith(".")
        ? path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier))
        : specifier;
      if (!target.startsWith(ORACLE)) {
        offences.push(`${file}: "${specifier}": the oracle imports nothing outside ${ORACLE}`);
      }
    }
  }
  for (const match of text.matchAll(SPECIFIER)) {
    const specifier = match[1] ?? "";
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
    if (file.includes("/") && target.split("/")[0] !== top) {
      offences.push(`${file}: "${specifier}" leaves ${top}/; import it through its # alias`);
    }
  }
}
// Routed user tables (shared/db/placement.ts `ROUTED`, docs/scaling.md "D1 router"): spread
// over several D1 databases, so only their store may name them, and the store reaches D1
// only through shared/db/router.ts, never `env.DB`. Tests, benches and migrations aside.
// "Names" is the schema's table object imported, or the table in SQL (after FROM, INTO,
// UPDATE, JOIN or TABLE) in a file that reaches D1: a queue message kind or a wallet object's
// own SQLite table of the same name is not the D1 table.
const NOT_PRODUCTION =
  /^(test|bench|migrations|docs)\/|\.test\.tsx?$|^shared\/db\/(schema|placement)\.ts$/;
const REACHES_D1 = /\bD1Database\b|\.DB\b|drizzle-orm\/d1|#shared\/db\/router/;
const withoutComments = (text: string) =>
  text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
for (const [table, stores = []] of Object.entries(ROUTED)) {
  const identifier = table.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  const schemaImport = new RegExp(
    `import\\s*(?:type\\s*)?\\{[^}]*\\b${identifier}\\b[^}]*\\}\\s*from\\s*["']#shared/db/schema["']`,
  );
  const sqlName = new RegExp(`\\b(?:FROM|INTO|UPDATE|JOIN|TABLE)\\s+["'\`]?${table}\\b`, "i");
  for (const file of files) {
    if (NOT_PRODUCTION.test(file)) continue;
    const code = withoutComments(readFileSync(file, "utf8"));
    if (stores.includes(file)) {
      if (/\.DB\b/.test(code)) {
        offences.push(`${file}: the store of ${table} uses env.DB; go through #shared/db/router`);
      }
    } else if (schemaImport.test(code) || (REACHES_D1.test(code) && sqlName.test(code))) {
      offences.push(
        `${file}: ${table} is spread over the user databases; use its store (${stores.join(", ")})`,
      );
    }
  }
}
if (offences.length > 0) {
  console.error(offences.join("\n"));
  process.exit(1);
}
console.log(
  `imports: ${files.length} files, none climbs out of its top-level folder; routed tables (${Object.keys(ROUTED).join(", ")}) only in their stores`,
);
