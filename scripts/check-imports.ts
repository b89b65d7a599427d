import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";

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
if (offences.length > 0) {
  console.error(offences.join("\n"));
  process.exit(1);
}
console.log(`imports: ${files.length} files, none climbs out of its top-level folder`);
