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

const offences: string[] = [];
for (const file of files) {
  const top = file.split("/")[0];
  const text = readFileSync(file, "utf8");
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
