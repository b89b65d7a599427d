import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * `npm run openapi:dump -- <file>` — writes the document the api worker serves at
 * /openapi.json, taken from the app itself (no server, no bindings: building the document
 * touches neither), so the linter and the client generator read exactly what clients get.
 *
 *   npm run -s openapi:dump -- .openapi/openapi.json
 */
export async function servedDocument(): Promise<unknown> {
  // The app's graph reaches the wallet Durable Object class; outside workerd its
  // `cloudflare:workers` base class comes from a stub, registered before the import.
  await import("./lib/workers-runtime-stub");
  const { createApp } = await import("#workers/api/src/app");
  const response = await createApp().request("/openapi.json");
  if (!response.ok) throw new Error(`/openapi.json answered ${response.status}`);
  return response.json();
}

const target = process.argv[2];
if (!target) {
  console.error("usage: tsx scripts/openapi-document.ts <output.json>");
  process.exit(2);
}
mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
writeFileSync(target, `${JSON.stringify(await servedDocument(), null, 2)}\n`);
