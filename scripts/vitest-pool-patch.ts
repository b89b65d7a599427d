import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { cloudflareTest } from "@cloudflare/vitest-pool-workers";

/**
 * The long runs (`npm run sim`, docs/testing.md "Deterministic simulation") use a copy of
 * @cloudflare/vitest-pool-workers with one fix applied, because the installed 0.15.1 slows
 * every run down quadratically: its `createProxyPrototypeClass` (worker/lib/cloudflare/
 * test-internal.mjs) wraps the wrapper class's prototype in one more Proxy at every
 * construction. The main worker's entrypoint wrapper is constructed for every event it
 * receives (each background queue batch, each fetch) and a Durable Object's wrapper for every
 * object started (again after every abort), so after n of them every property read on a
 * wrapper walks n nested `get` traps. Upstream fixed it the same way (the proxy installed once
 * per class: cloudflare/workers-sdk#15092, #15106); once the package is upgraded past it this
 * file finds nothing to patch and the stock package is used.
 *
 * The copy lives in .cache/ (git-ignored) under a node_modules of its own, so the copy's own
 * imports (miniflare, vitest …) resolve to the installed ones by walking up the tree.
 */

const BUGGY = `function Class(...args) {
		Class.prototype = new Proxy(Class.prototype, { get(target, key, receiver) {`;
const FIXED = `let proxyInstalled = false;
	function Class(...args) {
		// Patched (scripts/vitest-pool-patch.ts): one proxy per class, not one per construction.
		if (!proxyInstalled && (proxyInstalled = true)) Class.prototype = new Proxy(Class.prototype, { get(target, key, receiver) {`;

const INTERNAL = "dist/worker/lib/cloudflare/test-internal.mjs";

export async function patchedCloudflareTest(repoRoot: string): Promise<typeof cloudflareTest> {
  // The package exports only its entry (for `import`), so its folder is found by path.
  const stockDir = realpathSync(
    path.join(repoRoot, "node_modules/@cloudflare/vitest-pool-workers"),
  );
  const stock = readFileSync(path.join(stockDir, INTERNAL), "utf8");
  if (!stock.includes(BUGGY)) {
    // Already fixed upstream (or changed beyond what this patch knows): the stock package.
    return (await import("@cloudflare/vitest-pool-workers")).cloudflareTest;
  }
  const { version } = JSON.parse(readFileSync(path.join(stockDir, "package.json"), "utf8")) as {
    version: string;
  };
  const copyDir = path.join(
    repoRoot,
    ".cache",
    // The patch's hash too: a changed patch makes a new copy.
    `vitest-pool-workers-${version}-patched-${createHash("sha256").update(FIXED).digest("hex").slice(0, 8)}`,
    "node_modules",
    "@cloudflare",
    "vitest-pool-workers",
  );
  if (!existsSync(copyDir)) {
    // Built beside it and renamed into place, so two runs starting at once never see half a copy.
    const building = `${copyDir}.building-${process.pid}`;
    mkdirSync(path.dirname(copyDir), { recursive: true });
    cpSync(stockDir, building, { recursive: true, dereference: true });
    writeFileSync(path.join(building, INTERNAL), stock.replace(BUGGY, FIXED));
    try {
      renameSync(building, copyDir);
    } catch {
      rmSync(building, { recursive: true, force: true }); // another run placed it first
    }
  }
  const entry = pathToFileURL(path.join(copyDir, "dist/pool/index.mjs")).href;
  return ((await import(entry)) as { cloudflareTest: typeof cloudflareTest }).cloudflareTest;
}
